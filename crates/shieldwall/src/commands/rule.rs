//! `shieldwall rule [ID]`: the analyzer's rule documentation.

use shieldwall_analyze::rules::{catalog, find};

use crate::exit::{Exit, UsageError};
use crate::output;

pub(crate) fn run(id: Option<&str>) -> anyhow::Result<Exit> {
    let text = match id {
        Some(id) => {
            let rule = find(id).ok_or_else(|| {
                UsageError::new(format!("no rule `{id}`"))
                    .with_hint("`shieldwall rule` lists every rule")
            })?;
            format!("{}\n", rule.doc())
        }
        None => catalog()
            .iter()
            .map(|r| format!("{}  {}\n", r.id, r.title))
            .collect(),
    };
    output::print_stdout(&text)?;
    Ok(Exit::Clean)
}
