//! Ctrl-C (SIGINT) and SIGTERM during a build (`feedgen build`, and the
//! first build of `feedgen serve`).
//!
//! Killed outright, a build leaves its temporary files behind (a large first
//! build: hundreds of megabytes of them) and says nothing. So while signals
//! are [caught](catch), the first of these signals only asks the build to
//! stop ([`feedgen::run`]'s `stop` flag): it stops at the next file it reads
//! or renders, removes its temporary files, leaves the output folder as it
//! was, and the command says so and exits 128 + the signal's number (130,
//! 143). A second signal exits at once, as the default would; like
//! `kill -9`, that leaves every file old or complete new, and the next build
//! removes the temporary files.
//!
//! Once [released](release) (serve, when its first build is done), SIGINT
//! is left to whoever else listens for it (serve's graceful stop) and
//! SIGTERM ends the process, as by default: signal-hook cannot give a
//! signal its default handler back, so the handler installed here does
//! what the default would.

use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::low_level;

/// Whether signals are caught for a build.
static CAUGHT: AtomicBool = AtomicBool::new(false);

/// Set by the first signal caught; the build watches it.
static STOP: AtomicBool = AtomicBool::new(false);

/// The number of the first signal caught, or 0.
static RECEIVED: AtomicUsize = AtomicUsize::new(0);

/// A signal that stopped (or came during) a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    /// SIGINT: Ctrl-C in a terminal.
    Interrupt,
    /// SIGTERM: a CI runner's timeout, `kill`, a container stopping.
    Terminate,
}

impl Signal {
    /// How messages name it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "Ctrl-C (SIGINT)",
            Signal::Terminate => "SIGTERM",
        }
    }
}

/// What happens on SIGINT or SIGTERM (`signal`). Runs inside the signal
/// handler, so it only touches atomics and signal-hook's async-signal-safe
/// `exit` and default emulation.
fn on_signal(signal: i32) {
    if !CAUGHT.load(Ordering::SeqCst) {
        if signal == SIGTERM {
            let _ = low_level::emulate_default_handler(signal);
        }
        return;
    }
    if STOP.swap(true, Ordering::SeqCst) {
        low_level::exit(128 + signal);
    }
    let _ = RECEIVED.compare_exchange(0, signal as usize, Ordering::SeqCst, Ordering::SeqCst);
}

/// Catch SIGINT and SIGTERM from now on, and return the flag they set.
/// Best effort: where a handler cannot be installed, that signal keeps its
/// default action.
pub(super) fn catch() -> &'static AtomicBool {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        for signal in [SIGINT, SIGTERM] {
            // SAFETY: `on_signal` is async-signal-safe (see there).
            let _ = unsafe { low_level::register(signal, move || on_signal(signal)) };
        }
    });
    CAUGHT.store(true, Ordering::SeqCst);
    &STOP
}

/// Stop catching: SIGINT goes to whoever else listens for it, SIGTERM ends
/// the process.
#[cfg(feature = "serve")]
pub(super) fn release() {
    CAUGHT.store(false, Ordering::SeqCst);
}

/// The signal caught since [`catch`], if any.
pub(super) fn received() -> Option<Signal> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        number if number == SIGTERM as usize => Some(Signal::Terminate),
        _ => Some(Signal::Interrupt),
    }
}
