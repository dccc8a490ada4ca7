#!/usr/bin/env python3
"""Runs GuardDog and shieldwall side by side on the evaluation corpora.

    python3 bench/guarddog_compare.py --malicious ../shared/corpus/pypi-malicious-dev.tar \
        --benign BENIGN_DIR --guarddog VENV/bin/guarddog --shieldwall target/release/shieldwall \
        [--every N] [--out results.tsv] [--skip-guarddog] [--shieldwall-baseline OTHER_BUILD]

For every artifact (every Nth malicious archive with --every) it runs
`guarddog {pypi|npm} scan FILE --output-format json` and
`shieldwall inspect FILE -f json --threads 1 --no-progress`, one process per
artifact for both, timing each, and prints recall at each tool's blocking
verdict (GuardDog: the `high_risk` label; shieldwall: `block`), the share of
benign artifacts at that verdict and at the warning one (GuardDog:
`medium_risk`; shieldwall: `warn`), and median and p95 time per artifact.
With --shieldwall-baseline, a second shieldwall build runs on each artifact
right before or after the first (alternating), and both builds' median times
per set are printed: builds compared in the same minutes of a noisy machine.

The malicious archives are copied out of the outer tar as files into a
temporary directory (both tools take a file path); nothing is unpacked,
installed or run by this script.
"""
import argparse, json, os, statistics, subprocess, sys, tarfile, tempfile, time


def run(cmd):
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    return proc, time.perf_counter() - start


def guarddog(gd, eco, path):
    proc, secs = run([gd, eco, "scan", path, "--output-format", "json"])
    try:
        data = json.loads(proc.stdout[proc.stdout.index("{"):])
        risk = data.get("risk_score") or {}
        label = risk.get("label", "none")
        score = risk.get("score", 0)
    except (ValueError, KeyError):
        label, score = "error", 0
    return label, score, secs


def shieldwall(sw, path):
    proc, secs = run([sw, "inspect", path, "-f", "json", "--threads", "1", "--no-progress", "--fail-on", "never"])
    try:
        art = json.loads(proc.stdout)["artifacts"][0]
        return art["verdict"], art["score"], secs
    except (ValueError, KeyError, IndexError):
        return "error", 0, secs


def artifacts(malicious, benign, every, tmp):
    """The artifacts both tools read: every `every`th file of the
    malicious tar, copied out as a file into the directory `tmp` (never
    unpacked or run), then every file under `benign`. Yields (set,
    ecosystem, member or path, file path)."""
    if malicious:
        with tarfile.open(malicious) as outer:
            files = [m for m in outer.getmembers() if m.isfile()]
            for i, m in enumerate(files):
                if i % every:
                    continue
                dest = os.path.join(tmp, m.name.replace("/", "__"))
                with open(dest, "wb") as f:
                    f.write(outer.extractfile(m).read())
                yield ("malicious", "pypi", m.name, dest)
    if benign:
        for root, _, names in os.walk(benign):
            for n in sorted(names):
                eco = "npm" if os.sep + "npm" in root else "pypi"
                path = os.path.join(root, n)
                yield ("benign", eco, path, path)


def write_tsv(path, rows):
    """Writes `rows` as tab-separated lines to `path`, when given."""
    if path:
        with open(path, "w") as f:
            for r in rows:
                f.write("\t".join(str(x) for x in r) + "\n")


def pct(n, d):
    return f"{100.0 * n / d:.1f}% ({n}/{d})" if d else "-"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--malicious")
    ap.add_argument("--benign")
    ap.add_argument("--guarddog", default="guarddog")
    ap.add_argument("--shieldwall", default="target/release/shieldwall")
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--out")
    ap.add_argument("--skip-guarddog", action="store_true")
    ap.add_argument("--shieldwall-baseline",
                    help="another shieldwall build, run on each artifact too (alternating which goes first)")
    args = ap.parse_args()
    # Removed with its copies when the script exits.
    tmp = tempfile.TemporaryDirectory(prefix="gd-compare-")
    rows = []
    items = [(kind, eco, member.split("/")[0] if kind == "malicious" else os.path.basename(path), path)
             for kind, eco, member, path in artifacts(args.malicious, args.benign, args.every, tmp.name)]
    for k, (kind, eco, name, path) in enumerate(items):
        gd = ("skipped", 0, 0.0) if args.skip_guarddog else guarddog(args.guarddog, eco, path)
        if args.shieldwall_baseline and k % 2:
            base = shieldwall(args.shieldwall_baseline, path)
        sw = shieldwall(args.shieldwall, path)
        if args.shieldwall_baseline and not k % 2:
            base = shieldwall(args.shieldwall_baseline, path)
        extra = (base[2],) if args.shieldwall_baseline else ()
        rows.append((kind, eco, name, path, *gd, *sw, *extra))
        if k % 50 == 0:
            print(f"{k}/{len(items)}", file=sys.stderr, flush=True)
    write_tsv(args.out, rows)
    for tool, vi, ti, block, warn in (("guarddog", 4, 6, "high_risk", "medium_risk"), ("shieldwall", 7, 9, "block", "warn")):
        if tool == "guarddog" and args.skip_guarddog:
            continue
        mal = [r for r in rows if r[0] == "malicious"]
        if mal:
            names = {r[2] for r in mal}
            hit_names = {r[2] for r in mal if r[vi] == block}
            print(f"{tool}: recall at {block}: {pct(sum(r[vi] == block for r in mal), len(mal))} per archive, "
                  f"{pct(len(hit_names), len(names))} per name; errors {sum(r[vi] == 'error' for r in mal)}")
        for eco in ("pypi", "npm"):
            ben = [r for r in rows if r[0] == "benign" and r[1] == eco]
            if ben:
                print(f"{tool}: benign {eco} at {block}: {pct(sum(r[vi] == block for r in ben), len(ben))}, "
                      f"at {warn}: {pct(sum(r[vi] == warn for r in ben), len(ben))}")
        times = sorted(r[ti] for r in rows)
        if times:
            p95 = times[int(round((len(times) - 1) * 0.95))]
            print(f"{tool}: median {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms per artifact (process included)")
    if args.shieldwall_baseline:
        for label, ti in (("shieldwall", 9), ("baseline", 10)):
            sets = {"all": rows, "malicious": [r for r in rows if r[0] == "malicious"],
                    "pypi": [r for r in rows if r[0] == "benign" and r[1] == "pypi"],
                    "npm": [r for r in rows if r[0] == "benign" and r[1] == "npm"]}
            print(f"{label}: median ms per artifact: " + ", ".join(
                f"{k} {statistics.median(r[ti] for r in v) * 1000:.1f}" for k, v in sets.items() if v))


if __name__ == "__main__":
    main()
