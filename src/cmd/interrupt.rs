//! Ctrl-C (SIGINT) and SIGTERM during `feedgen build`.
//!
//! Killed outright, a build leaves its temporary files behind (a large first
//! build: hundreds of megabytes of them) and says nothing. So the first of
//! these signals only asks the build to stop ([`feedgen::run`]'s `stop`
//! flag): it stops at the next file it reads or renders, removes its
//! temporary files, leaves the output folder as it was, and the command
//! says so and exits 128 + the signal's number (130, 143). A second signal
//! exits at once, as the default would; like `kill -9`, that leaves every
//! file old or complete new, and the next build removes the temporary files.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};

/// Set by the first signal; the build watches it.
static STOP: AtomicBool = AtomicBool::new(false);

/// The number of the first signal received, or 0.
static RECEIVED: AtomicUsize = AtomicUsize::new(0);

/// A signal that stopped (or came during) a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT: Ctrl-C in a terminal.
    Interrupt,
    /// SIGTERM: a CI runner's timeout, `kill`, a container stopping.
    Terminate,
}

impl Signal {
    /// How messages name it.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "Ctrl-C (SIGINT)",
            Signal::Terminate => "SIGTERM",
        }
    }
}

/// Catch SIGINT and SIGTERM from now on, and return the flag they set.
/// Best effort: where a handler cannot be installed, that signal keeps its
/// default action.
pub fn catch() -> &'static AtomicBool {
    for signal in [SIGINT, SIGTERM] {
        // The order matters: the shutdown looks at the flag before the
        // first signal sets it, so only a second one exits at once.
        let _ = signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, &STOP);
        let _ = signal_hook::flag::register_usize(signal, &RECEIVED, signal as usize);
        let _ = signal_hook::flag::register(signal, &STOP);
    }
    &STOP
}

/// The signal received since [`catch`], if any.
pub fn received() -> Option<Signal> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        number if number == SIGTERM as usize => Some(Signal::Terminate),
        _ => Some(Signal::Interrupt),
    }
}
