//! Writing to the terminal: colour choice, errors with hints, broken pipes.

use std::io::{self, Write};

use crate::cli::ColorChoice;
use crate::exit::{Exit, UsageError};

/// Applies `--color` (and `NO_COLOR`, which `auto` honours).
pub(crate) fn init_color(choice: ColorChoice) {
    let choice = match choice {
        ColorChoice::Auto => anstream::ColorChoice::Auto,
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
}

/// True when stdout should carry colour.
pub(crate) fn stdout_color() -> bool {
    !matches!(
        anstream::AutoStream::choice(&io::stdout()),
        anstream::ColorChoice::Never
    )
}

/// True when progress should be drawn on stderr.
pub(crate) fn stderr_is_terminal() -> bool {
    use std::io::IsTerminal;
    io::stderr().is_terminal()
}

/// Writes `text` to stdout; a closed pipe (`| head`) is not an error.
pub(crate) fn print_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = anstream::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Prints a warning line on stderr.
pub(crate) fn warn(message: &str) {
    let _ = writeln!(anstream::stderr(), "warning: {message}");
}

/// Prints an error and its causes on stderr and picks the exit code.
pub(crate) fn report_error(error: &anyhow::Error) -> Exit {
    if error
        .chain()
        .filter_map(|e| e.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
    {
        return Exit::Clean;
    }
    let mut err = anstream::stderr().lock();
    let _ = writeln!(err, "error: {error}");
    for cause in error.chain().skip(1) {
        let _ = writeln!(err, "  caused by: {cause}");
    }
    if let Some(usage) = error.downcast_ref::<UsageError>() {
        if let Some(hint) = &usage.hint {
            let _ = writeln!(err, "\nhint: {hint}");
        }
        return Exit::Usage;
    }
    let _ = writeln!(
        err,
        "\nthis is a bug in shieldwall; please report it with the command you ran"
    );
    Exit::Internal
}
