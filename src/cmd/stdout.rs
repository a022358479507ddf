//! What commands print on stdout, written with `writeln!` and checked:
//! never `println!`, which panics when the reader has gone
//! (`feedgen list | head -1`).

use std::fmt::Display;
use std::io::{self, StdoutLock, Write};

use super::{ExitStatus, Failure};

/// Write `line` and a newline to stdout.
///
/// A reader that has gone (a closed pipe, as when `head -1` has its line)
/// is no error to report: the failure returned is
/// [`ExitStatus::StdoutClosed`], which prints nothing and exits 0, as
/// ripgrep does, so that the command stops quietly. Any other error fails
/// the command (exit 1).
pub(super) fn print(line: impl Display) -> Result<(), Failure> {
    write(|out| writeln!(out, "{line}"))
}

/// Write `bytes` to stdout as they are (a man page, a completion script),
/// failing as [`print`] does.
pub(super) fn print_bytes(bytes: &[u8]) -> Result<(), Failure> {
    write(|out| out.write_all(bytes))
}

/// Write to stdout with `write`, and flush, so that every error is seen here.
fn write(write: impl FnOnce(&mut StdoutLock<'static>) -> io::Result<()>) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    write(&mut out).and_then(|()| out.flush()).map_err(|error| match error.kind() {
        io::ErrorKind::BrokenPipe => Failure::new(ExitStatus::StdoutClosed, ""),
        _ => Failure::new(ExitStatus::Failed, format!("cannot write to stdout: {error}")),
    })
}
