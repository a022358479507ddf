//! The progress bar `feedgen build` and `feedgen check` draw on a terminal.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use feedgen::{Progress, Silent, Stage};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a build runs before a bar appears: quicker builds print only
/// their summary, without a flash of bar.
const SHOW_AFTER: Duration = Duration::from_millis(300);

const TEMPLATE: &str = "{msg:>8} [{wide_bar}] {human_pos}/{human_len} ({eta} left)";

/// A bar on stderr, drawn once the build has run for [`SHOW_AFTER`].
/// Only create it when stderr is a terminal and `--quiet` is off.
pub(super) struct TerminalBar {
    bar: ProgressBar,
    started: Instant,
    shown: AtomicBool,
}

impl TerminalBar {
    /// A bar that stays hidden until the build has run long enough.
    pub(super) fn new() -> Self {
        let style = ProgressStyle::with_template(TEMPLATE).unwrap_or_else(|_| ProgressStyle::default_bar());
        let bar = ProgressBar::hidden().with_style(style);
        TerminalBar { bar, started: Instant::now(), shown: AtomicBool::new(false) }
    }

    fn show_if_slow(&self) {
        if self.started.elapsed() >= SHOW_AFTER && !self.shown.swap(true, Ordering::Relaxed) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }
}

impl Progress for TerminalBar {
    fn begin(&self, stage: Stage, total: usize) {
        let label = match stage {
            Stage::Read => "reading",
            Stage::Write => "writing",
        };
        self.bar.reset();
        self.bar.set_length(total as u64);
        self.bar.set_message(label);
        self.show_if_slow();
    }

    fn advance(&self, steps: usize) {
        self.bar.inc(steps as u64);
        self.show_if_slow();
    }
}

impl Drop for TerminalBar {
    /// The bar goes before the summary is printed.
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// Run `work` with a bar when stderr is a terminal and `quiet` is off, and
/// with no progress reporting otherwise.
pub(super) fn with_progress<T>(quiet: bool, work: impl FnOnce(&dyn Progress) -> T) -> T {
    if !quiet && std::io::stderr().is_terminal() { work(&TerminalBar::new()) } else { work(&Silent) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_is_valid() {
        assert!(ProgressStyle::with_template(TEMPLATE).is_ok());
    }
}
