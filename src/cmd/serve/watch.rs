//! Rebuild on change: watch what a build reads (the input folders and the
//! configuration file) and rebuild the output folder once each burst of
//! changes has settled.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use feedgen::Silent;
use feedgen::{Mode, Report, Settings};

use super::server::{RebuildError, Rebuilds, ServeError};

/// How long changes must pause before a rebuild: an editor's save or a
/// `git checkout` touches many files at once, and they make one rebuild.
const SETTLE: Duration = Duration::from_millis(200);

/// The longest a rebuild waits after the first change of a burst: changes
/// that never pause (a tool rewriting a file every 100 ms, a long copy)
/// must not put it off for ever.
const LONGEST_WAIT: Duration = Duration::from_secs(2);

/// When to rebuild for a burst of changes that began at `first` and last
/// changed at `last`: once they pause for [`SETTLE`], and no later than
/// [`LONGEST_WAIT`] after the first. Changes after that make the next burst.
fn rebuild_at(first: Instant, last: Instant) -> Instant {
    (last + SETTLE).min(first + LONGEST_WAIT)
}

/// A running watch on the inputs and the configuration file. Start it before
/// the first build, so that an edit made while that build runs is not missed.
#[derive(Debug)]
pub(super) struct Watch {
    watcher: RecommendedWatcher,
    changes: Changes,
}

/// The changes a [`Watch`] sees, and what counts among them.
#[derive(Debug)]
pub(super) struct Changes {
    /// What the watcher reports, as it happens.
    receiver: Receiver<notify::Result<Event>>,
    /// The input folders (or files), canonical.
    inputs: Vec<PathBuf>,
    /// The configuration file, canonical.
    config_file: Option<PathBuf>,
}

/// `path`, canonical, for watching.
fn canonical(path: &Path) -> Result<PathBuf, ServeError> {
    path.canonicalize().map_err(|error| ServeError::Watch { path: path.to_owned(), source: notify::Error::io(error) })
}

impl Watch {
    /// Watch every input (recursively) and the configuration file, if it is
    /// a regular file. A missing input is refused the way a build refuses it.
    pub(super) fn start(inputs: &[PathBuf], config_file: Option<&Path>) -> Result<Watch, ServeError> {
        feedgen::inputs_exist(inputs).map_err(ServeError::Input)?;
        let (sender, receiver) = channel();
        let mut watcher = notify::recommended_watcher(sender)
            .map_err(|source| ServeError::Watch { path: inputs.first().cloned().unwrap_or_default(), source })?;
        let mut watch = |path: &Path, mode: RecursiveMode| {
            watcher.watch(path, mode).map_err(|source| ServeError::Watch { path: path.to_owned(), source })
        };
        let inputs = inputs.iter().map(|input| canonical(input)).collect::<Result<Vec<_>, _>>()?;
        for input in &inputs {
            watch(input, RecursiveMode::Recursive)?;
        }
        // Only a regular file: `--config /dev/null` watches nothing.
        let config_file = config_file.filter(|file| file.is_file()).map(canonical).transpose()?;
        // The file's folder rather than the file: an editor that saves by
        // renaming a new file over the old one would end a watch on the file.
        if let Some(folder) = config_file.as_deref().and_then(Path::parent) {
            watch(folder, RecursiveMode::NonRecursive)?;
        }
        Ok(Watch { watcher, changes: Changes { receiver, inputs, config_file } })
    }

    /// The watcher, which stops the watch when dropped, and its changes.
    pub(super) fn into_parts(self) -> (RecommendedWatcher, Changes) {
        (self.watcher, self.changes)
    }
}

/// The folder a build writes, under every name a change inside it may be
/// reported by.
fn output_names(output: &Path) -> Vec<PathBuf> {
    [std::path::absolute(output).ok(), output.canonicalize().ok()].into_iter().flatten().collect()
}

/// What waiting for a change came to.
#[derive(Debug, PartialEq, Eq)]
enum Waited {
    /// A change that calls for a rebuild.
    Change,
    /// The time was up first.
    Quiet,
    /// The watcher was dropped.
    Stopped,
}

impl Changes {
    /// Whether `event` calls for a rebuild: something was written, created,
    /// removed or renamed (a build's own reading is reported as access, and
    /// must not set off another build), or the watcher lost track and asks
    /// for a rescan; and it concerns a path a build reads.
    fn calls_for_rebuild(&self, event: &Event, outputs: &[PathBuf]) -> bool {
        let only_read = matches!(event.kind, EventKind::Access(kind) if kind != AccessKind::Close(AccessMode::Write));
        event.need_rescan() || (!only_read && event.paths.iter().any(|path| self.is_read_by_builds(path, outputs)))
    }

    /// Whether a build reads `path`: the configuration file, or anything the
    /// walk of an input goes to (the loader says which: [`feedgen::is_input_path`]),
    /// but nothing in the output folder `outputs` names, which may lie
    /// inside an input and which every rebuild writes.
    fn is_read_by_builds(&self, path: &Path, outputs: &[PathBuf]) -> bool {
        if outputs.iter().any(|output| path.starts_with(output)) {
            return false;
        }
        if self.config_file.as_deref() == Some(path) {
            return true;
        }
        self.inputs.iter().any(|input| feedgen::is_input_path(input, path))
    }

    /// Wait, until `deadline` if given, for a change that calls for a
    /// rebuild. An error from the watcher counts as one (changes may have
    /// been missed), and `caller` is told of it.
    fn wait(&self, deadline: Option<Instant>, outputs: &[PathBuf], caller: &dyn Rebuilds) -> Waited {
        loop {
            let received = match deadline {
                Some(deadline) => self.receiver.recv_timeout(deadline.saturating_duration_since(Instant::now())),
                None => self.receiver.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match received {
                Ok(Ok(event)) if self.calls_for_rebuild(&event, outputs) => return Waited::Change,
                Ok(Ok(_)) => {}
                Ok(Err(error)) => {
                    caller.missed(&error);
                    return Waited::Change;
                }
                Err(RecvTimeoutError::Timeout) => return Waited::Quiet,
                Err(RecvTimeoutError::Disconnected) => return Waited::Stopped,
            }
        }
    }

    /// Rebuild once changes have paused for [`SETTLE`], or [`LONGEST_WAIT`]
    /// after the first, until the watcher is dropped, telling `caller` how
    /// each rebuild went. Changes made while a rebuild runs make the next one.
    pub(super) fn rebuild_on_each(self, served: &Settings, caller: &dyn Rebuilds) {
        let outputs = output_names(&served.output);
        while self.wait(None, &outputs, caller) == Waited::Change {
            let first = Instant::now();
            let mut last = first;
            loop {
                let deadline = rebuild_at(first, last);
                if Instant::now() >= deadline {
                    break;
                }
                match self.wait(Some(deadline), &outputs, caller) {
                    Waited::Change => last = Instant::now(),
                    Waited::Quiet => break,
                    Waited::Stopped => return,
                }
            }
            let started = Instant::now();
            match rebuild(served, caller) {
                Ok(report) => caller.rebuilt(&report, started.elapsed()),
                Err(error) => caller.failed(error),
            }
        }
    }
}

/// Rebuild with fresh settings (the configuration file may have changed),
/// unless they name other inputs or another output folder than the ones
/// watched and served.
fn rebuild(served: &Settings, caller: &dyn Rebuilds) -> Result<Report, RebuildError> {
    let settings = caller.settings()?;
    if settings.inputs != served.inputs || settings.output != served.output {
        return Err(RebuildError::Moved);
    }
    Ok(feedgen::run(&settings, Mode::Write, &Silent, &std::sync::atomic::AtomicBool::new(false))?)
}

#[cfg(test)]
mod tests {
    use notify::event::{CreateKind, ModifyKind, RemoveKind};

    use super::*;

    fn watching(inputs: &[&str], config_file: Option<&str>) -> Changes {
        Changes {
            receiver: channel().1,
            inputs: inputs.iter().map(PathBuf::from).collect(),
            config_file: config_file.map(PathBuf::from),
        }
    }

    fn event(kind: EventKind, path: &str) -> Event {
        Event::new(kind).add_path(PathBuf::from(path))
    }

    const WRITTEN: EventKind = EventKind::Modify(ModifyKind::Any);

    /// A caller that notes what it is told.
    #[derive(Default)]
    struct Noted(std::sync::Mutex<Vec<String>>);

    impl Rebuilds for Noted {
        fn settings(&self) -> Result<Settings, RebuildError> {
            unreachable!("waiting never rebuilds")
        }
        fn rebuilt(&self, _: &Report, _: Duration) {
            self.0.lock().unwrap().push("rebuilt".into());
        }
        fn failed(&self, error: RebuildError) {
            self.0.lock().unwrap().push(format!("failed: {error}"));
        }
        fn missed(&self, error: &notify::Error) {
            self.0.lock().unwrap().push(format!("missed: {error}"));
        }
        fn serving(&self, _: std::net::SocketAddr) {}
    }

    #[test]
    fn a_watcher_error_counts_as_a_change() {
        let (sender, receiver) = channel();
        let changes = Changes { receiver, inputs: vec![PathBuf::from("/site")], config_file: None };
        sender.send(Err(notify::Error::generic("queue overflow"))).unwrap();
        let caller = Noted::default();
        let waited = changes.wait(Some(Instant::now() + Duration::from_secs(5)), &[], &caller);
        assert_eq!(waited, Waited::Change);
        assert_eq!(*caller.0.lock().unwrap(), ["missed: queue overflow"]);
    }

    #[test]
    fn a_burst_rebuilds_once_it_settles_or_two_seconds_after_it_began() {
        let first = Instant::now();
        let ms = Duration::from_millis;
        assert_eq!(rebuild_at(first, first), first + ms(200));
        assert_eq!(rebuild_at(first, first + ms(500)), first + ms(700));
        assert_eq!(rebuild_at(first, first + ms(1_800)), first + ms(2_000));
        assert_eq!(rebuild_at(first, first + ms(1_900)), first + ms(2_000), "changes go on: rebuild anyway");
        assert_eq!(rebuild_at(first, first + ms(60_000)), first + ms(2_000));
    }

    #[test]
    fn records_and_the_configuration_call_for_a_rebuild() {
        let changes = watching(&["/site/records", "/more"], Some("/site/feedgen.yaml"));
        let outputs = [PathBuf::from("/site/feeds")];
        assert!(changes.calls_for_rebuild(&event(WRITTEN, "/site/records/a.md"), &outputs));
        assert!(changes.calls_for_rebuild(&event(EventKind::Create(CreateKind::File), "/more/deep/b.md"), &outputs));
        assert!(changes.calls_for_rebuild(&event(EventKind::Remove(RemoveKind::Any), "/more/c.md"), &outputs));
        let closed = EventKind::Access(AccessKind::Close(AccessMode::Write));
        assert!(changes.calls_for_rebuild(&event(closed, "/site/records/a.md"), &outputs));
        assert!(changes.calls_for_rebuild(&event(WRITTEN, "/site/feedgen.yaml"), &outputs));
    }

    #[test]
    fn reading_a_record_does_not() {
        let changes = watching(&["/site/records"], None);
        for kind in [AccessKind::Open(notify::event::AccessMode::Any), AccessKind::Close(AccessMode::Read)] {
            assert!(!changes.calls_for_rebuild(&event(EventKind::Access(kind), "/site/records/a.md"), &[]));
        }
    }

    #[test]
    fn output_hidden_and_unrelated_files_do_not() {
        let changes = watching(&["/site"], Some("/site/feedgen.yaml"));
        let outputs = [PathBuf::from("/site/feeds")];
        for path in ["/site/feeds/all.json", "/site/feeds/.feedgen-manifest", "/site/.a.md.swp", "/site/.git/index"] {
            assert!(!changes.calls_for_rebuild(&event(WRITTEN, path), &outputs), "{path}");
        }
        assert!(!changes.calls_for_rebuild(&event(WRITTEN, "/elsewhere/a.md"), &outputs));
        let config_only = watching(&[], Some("/site/feedgen.yaml"));
        assert!(!config_only.calls_for_rebuild(&event(WRITTEN, "/site/README"), &outputs));
    }
}
