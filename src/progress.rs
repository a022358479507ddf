//! Progress of a long build, told to whoever wants to show it.
//!
//! The library only reports; the binary decides whether a progress bar is
//! worth drawing (on a terminal, not with `--quiet`), so the library stays
//! free of terminal handling.

/// The stages of a build long enough to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading and parsing record files; one step per file.
    Read,
    /// Rendering each output file and writing it if it changed (or, for
    /// a comparison, only comparing it), then removing stale files; one
    /// step per file.
    Write,
}

/// Receives a build's progress. `Sync`, so that stages may report from
/// several threads.
pub trait Progress: Sync {
    /// A stage of `total` steps starts.
    fn begin(&self, stage: Stage, total: usize);
    /// `steps` more steps of the current stage are done.
    fn advance(&self, steps: usize);
    /// Whether the progress is shown at all: if not, stages need not spend
    /// time finding their totals (`begin` is then told 0).
    fn is_shown(&self) -> bool {
        true
    }
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn begin(&self, _stage: Stage, _total: usize) {}
    fn advance(&self, _steps: usize) {}
    fn is_shown(&self) -> bool {
        false
    }
}
