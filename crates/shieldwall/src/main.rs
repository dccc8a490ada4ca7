//! The `shieldwall` command line: the only part of shieldwall that prints.

mod cli;
mod commands;
mod config;
mod exit;
mod host;
mod output;
mod scan;

use std::process::ExitCode;

use clap::Parser;

use crate::exit::Exit;

/// mimalloc: scans allocate many small strings from several threads, where
/// it is markedly faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    output::init_color(cli.color);
    let result = match cli.command {
        cli::Command::Scan(args) => commands::scan::run(&args),
        cli::Command::Inspect(args) => commands::inspect::run(&args),
        cli::Command::Diff(args) => commands::diff::run(&args),
        cli::Command::Rule { id } => commands::rule::run(id.as_deref()),
        cli::Command::Db(args) => commands::db::run(&args),
        cli::Command::Gate(args) => commands::gate::run(args),
        cli::Command::Hunt(args) => commands::hunt::run(&args),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(error) => output::report_error(&error).into(),
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        Self::from(exit as u8)
    }
}
