//! The remediation plan, in the only safe order: stop and remove
//! persistence (a dead-man's switch wipes the home directory when its token
//! is revoked, so it goes first), isolate, rotate each exposed credential,
//! rebuild — pinning each affected install back as far as its advisory
//! says.

use crate::advisory::Pin;
use crate::model::{Exposure, ExposureKind, Hit, HitKind, Phase, Step};

/// Builds the plan; empty when no indicator was found.
pub fn plan(hits: &[Hit], exposure: &[Exposure], pins: &[Pin]) -> Vec<Step> {
    if hits.is_empty() {
        return Vec::new();
    }
    let mut steps = Vec::new();
    let switches: Vec<String> = targets(hits.iter().filter(|h| h.dead_mans_switch));
    let processes: Vec<String> = targets(
        hits.iter()
            .filter(|h| matches!(h.kind, HitKind::Process | HitKind::Env)),
    );
    let persistence: Vec<String> = targets(hits.iter().filter(|h| {
        matches!(h.kind, HitKind::Persistence | HitKind::Pth | HitKind::File) && !h.dead_mans_switch
    }));
    if !switches.is_empty() {
        steps.push((
            Phase::RemovePersistence,
            "stop, disable and delete the dead-man's switch before anything else".to_owned(),
            "it watches the stolen GitHub token and wipes the home directory when the token is revoked: rotating first destroys the evidence and the user's files".to_owned(),
            switches,
        ));
    }
    if !processes.is_empty() {
        steps.push((
            Phase::RemovePersistence,
            "kill the payload processes (after the switch is gone)".to_owned(),
            "a running stealer keeps reading credentials and re-plants what is removed".to_owned(),
            processes,
        ));
    }
    if !persistence.is_empty() {
        steps.push((
            Phase::RemovePersistence,
            "remove the planted files, units, hooks and `.pth` lines (keep a copy for forensics first)".to_owned(),
            "they re-run the payload at login, at Python start-up or when a project opens".to_owned(),
            persistence,
        ));
    }
    let mut isolate = vec!["this host".to_owned()];
    isolate.extend(targets(hits.iter().filter(|h| h.kind == HitKind::Network)));
    steps.push((
        Phase::Isolate,
        "isolate the host: cut its network (block the listed addresses everywhere) and snapshot it"
            .to_owned(),
        "credentials are rotated only once nothing on the host can steal the new ones".to_owned(),
        isolate,
    ));
    if !exposure.is_empty() {
        steps.push((
            Phase::Rotate,
            "rotate every exposed credential from a clean machine, then review its provider's audit log from the exposure window on".to_owned(),
            "anything this user could read must be treated as stolen; GitHub tokens last, after the switch is gone".to_owned(),
            rotation_targets(exposure),
        ));
    }
    let workflows = targets(
        hits.iter()
            .filter(|h| matches!(h.kind, HitKind::Workflow | HitKind::Git)),
    );
    if !workflows.is_empty() {
        steps.push((
            Phase::Rotate,
            "delete malicious workflows, runners, branches and commits from the repositories and the exfiltration repositories remotes point at; rotate their repository and organization secrets".to_owned(),
            "stolen tokens push workflows that dump secrets and register runners as backdoors".to_owned(),
            workflows,
        ));
    }
    steps.push((
        Phase::Rebuild,
        "reimage the host (or rebuild the runner) from a trusted image; reinstall dependencies from lockfiles pinned to versions before the compromise".to_owned(),
        "cleaning in place leaves whatever the payload changed that no indicator names".to_owned(),
        vec!["this host".to_owned()],
    ));
    if !pins.is_empty() {
        steps.push((
            Phase::Rebuild,
            "uninstall each affected package version and reinstall it pinned back as listed (the advice says only what the advisory says)".to_owned(),
            "a lockfile or range that still admits the malicious version installs it again".to_owned(),
            pins.iter()
                .map(|p| format!("{} {} at {}: {}", p.name, p.installed, p.path, p.advice))
                .collect(),
        ));
    }
    steps
        .into_iter()
        .enumerate()
        .map(|(i, (phase, action, why, targets))| Step {
            order: i + 1,
            phase,
            action,
            why,
            targets,
        })
        .collect()
}

fn targets<'a>(hits: impl Iterator<Item = &'a Hit>) -> Vec<String> {
    let mut out: Vec<String> = hits.map(|h| h.subject.clone()).collect();
    out.sort();
    out.dedup();
    out
}

/// Each credential, GitHub ones last (a switch may still be watching them).
fn rotation_targets(exposure: &[Exposure]) -> Vec<String> {
    let mut list: Vec<(bool, String)> = exposure
        .iter()
        .map(|e| {
            let github = e.kind == ExposureKind::GithubToken
                || e.name
                    .as_deref()
                    .is_some_and(|n| n.starts_with("GH_") || n.starts_with("GITHUB_"));
            (github, format!("{} ({})", e.subject(), kind_name(e.kind)))
        })
        .collect();
    list.sort();
    list.dedup();
    list.into_iter().map(|(_, t)| t).collect()
}

/// The kind as it reads in a sentence.
pub fn kind_name(kind: ExposureKind) -> &'static str {
    match kind {
        ExposureKind::Env => "environment variable",
        ExposureKind::Aws => "AWS keys",
        ExposureKind::SshKey => "SSH key",
        ExposureKind::NpmToken => "npm token",
        ExposureKind::PypiToken => "Python index token",
        ExposureKind::GithubToken => "GitHub token",
        ExposureKind::GitCredentials => "git credentials",
        ExposureKind::DockerAuth => "container registry login",
        ExposureKind::KubeConfig => "Kubernetes credentials",
        ExposureKind::Gcloud => "Google Cloud credentials",
        ExposureKind::Azure => "Azure credentials",
        ExposureKind::Dotenv => ".env secrets",
        ExposureKind::AiProvider => "AI provider key",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(kind: HitKind, subject: &str, dms: bool) -> Hit {
        Hit {
            kind,
            path: None,
            subject: subject.to_owned(),
            campaign: "c".to_owned(),
            evidence: String::new(),
            why: String::new(),
            dead_mans_switch: dms,
        }
    }

    #[test]
    fn switch_first_rotation_after_isolation() {
        let hits = [
            hit(
                HitKind::Persistence,
                "/etc/systemd/system/gh-token-monitor.service",
                true,
            ),
            hit(HitKind::File, "/tmp/transformers.pyz", false),
        ];
        let exposure = [Exposure {
            kind: ExposureKind::GithubToken,
            path: Some("/home/a/.config/gh/hosts.yml".to_owned()),
            name: None,
            detail: String::new(),
        }];
        let steps = plan(&hits, &exposure, &[]);
        let phases: Vec<Phase> = steps.iter().map(|s| s.phase).collect();
        let mut sorted = phases.clone();
        sorted.sort();
        assert_eq!(phases, sorted, "phases are in order");
        assert!(steps[0].why.contains("wipes the home directory"));
        assert!(steps[0].targets[0].contains("gh-token-monitor"));
        assert!(plan(&[], &exposure, &[]).is_empty());
    }
}
