//! What a build does to the output folder: unchanged files keep their
//! mtime, only feeds holding an edited record are rewritten, feeds no longer
//! produced are removed, files feedgen did not write are never touched, and
//! a comparison (`build --check`) writes nothing.

mod common;

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use common::*;
use feedgen::{BuildError, Mode, Settings};
use feedgen::{Changes, IDS_NAME, MANIFEST_NAME, WriteError};

/// A record in topic `topic` from provider `domain`.
fn record(title: &str, day: u32, topic: &str, domain: &str) -> String {
    format!(
        "---\ntitle: {title}\npublishedDateTime: 2025-03-{day:02}T10:00:00Z\n\
         originalUrl: https://{domain}/{day}\ntopics: [{topic}]\nprovider:\n  name: {domain}\n  domain: {domain}\n---\n"
    )
}

/// Three records: two topics, three providers.
fn three_records() -> tempfile::TempDir {
    records_dir(&[
        ("a.md", &record("Alpha", 1, "Rust", "alpha.test")),
        ("b.md", &record("Beta", 2, "Rust", "beta.test")),
        ("c.md", &record("Gamma", 3, "Go", "gamma.test")),
    ])
}

/// Three records built into a fresh folder: (records, output, settings).
fn built_three_records() -> (tempfile::TempDir, tempfile::TempDir, Settings) {
    let records = three_records();
    let out = tempfile::tempdir().unwrap();
    let settings = settings(records.path(), out.path());
    feedgen::build(&settings).unwrap();
    (records, out, settings)
}

/// The moment every output file is set to before a rebuild, so that a
/// rewrite shows as a newer mtime without waiting for the clock.
const LONG_AGO: SystemTime = SystemTime::UNIX_EPOCH;

fn age_every_file(dir: &Path) {
    for path in read_tree(dir).keys() {
        let file = fs::File::options().write(true).open(dir.join(path)).unwrap();
        file.set_modified(LONG_AGO + Duration::from_secs(1_000_000)).unwrap();
    }
}

/// The files under `dir` whose mtime is no longer the one [`age_every_file`] set.
fn touched_since_aged(dir: &Path) -> Vec<String> {
    let aged = LONG_AGO + Duration::from_secs(1_000_000);
    read_tree(dir)
        .into_keys()
        .filter(|path| fs::metadata(dir.join(path)).unwrap().modified().unwrap() != aged)
        .collect()
}

fn compare(settings: &Settings) -> Changes {
    feedgen::run(settings, Mode::Compare, &feedgen::Silent, &NEVER).unwrap().output
}

/// A feed's files: its three formats and its page, sorted.
fn files_of(stem: &str) -> Vec<String> {
    ["atom.xml", "html", "json", "rss.xml"].iter().map(|extension| format!("{stem}.{extension}")).collect()
}

#[test]
fn first_build_writes_every_feed_and_a_manifest_listing_them() {
    let records = three_records();
    let out = tempfile::tempdir().unwrap();
    let settings = settings(records.path(), out.path());
    let report = feedgen::build(&settings).unwrap();
    let tree = read_tree(out.path());
    let feeds: Vec<&String> = tree.keys().filter(|path| ![MANIFEST_NAME, IDS_NAME].contains(&path.as_str())).collect();
    assert_eq!(feeds.len(), 26, "1 firehose, 2 topics, 3 providers; 3 formats and a page each; index, OPML: {feeds:?}");
    let manifest = String::from_utf8(tree[MANIFEST_NAME].clone()).unwrap();
    let listed: Vec<&str> = manifest.lines().filter(|line| !line.starts_with('#')).collect();
    assert_eq!(listed, feeds, "the manifest lists exactly the feeds, sorted");
    assert_eq!(report.output.added.len(), 28, "26 files, the manifest and the id list");
    assert!(report.output.changed.is_empty() && report.output.unchanged.is_empty() && report.output.removed.is_empty());
}

#[test]
fn unchanged_rebuild_keeps_every_file_and_mtime() {
    let (_records, out, settings) = built_three_records();
    age_every_file(out.path());
    let before = snapshot(out.path());
    let report = feedgen::build(&settings).unwrap();
    assert_eq!(snapshot(out.path()), before);
    assert_eq!(report.output.unchanged.len(), 28);
    assert!(report.output.is_empty(), "{:?}", report.output);
}

#[test]
fn editing_one_record_rewrites_only_the_feeds_that_hold_it() {
    let (records, out, settings) = built_three_records();
    age_every_file(out.path());
    fs::write(records.path().join("c.md"), record("Gamma, corrected", 3, "Go", "gamma.test")).unwrap();
    let report = feedgen::build(&settings).unwrap();

    let mut expected: Vec<String> = [files_of("all"), files_of("topics/go"), files_of("providers/gamma-test")].concat();
    expected.sort();
    assert_eq!(touched_since_aged(out.path()), expected);
    assert_eq!(report.output.changed, expected);
    assert_eq!(report.output.unchanged.len(), 28 - 12, "the index, the OPML list and the ids show no titles");
    let firehose = parse_feed("all.json", &fs::read(out.path().join("all.json")).unwrap());
    assert_eq!(firehose.entries[0].title.as_ref().unwrap().content, "Gamma, corrected");
}

#[test]
fn deleting_a_providers_only_record_removes_its_feeds() {
    let (records, out, settings) = built_three_records();
    fs::remove_file(records.path().join("b.md")).unwrap();
    let report = feedgen::build(&settings).unwrap();

    assert_eq!(report.output.removed, files_of("providers/beta-test"));
    let tree = read_tree(out.path());
    assert!(tree.keys().all(|path| !path.contains("beta-test")), "{:?}", tree.keys());
    assert!(!String::from_utf8_lossy(&tree[MANIFEST_NAME]).contains("beta-test"));
    assert!(tree.contains_key("topics/rust.json"), "Rust still has Alpha");
}

#[test]
fn a_family_folder_left_empty_is_removed() {
    let (_records, out, mut settings) = built_three_records();
    settings.families.retain(|family| *family != feedgen::Family::Topics);
    feedgen::build(&settings).unwrap();
    assert!(!out.path().join("topics").exists());
    assert!(out.path().join("providers").is_dir());
}

#[test]
fn foreign_files_survive_every_build() {
    let records = three_records();
    let out = tempfile::tempdir().unwrap();
    let mut settings = settings(records.path(), out.path());
    let foreign = [
        ("CNAME", "feeds.example.com\n"),
        ("robots.txt", "User-agent: *\n"),
        ("topics/README.md", "hand-written\n"),
        ("providers/about.html", "a page someone made\n"),
    ];
    for (path, text) in foreign {
        fs::create_dir_all(out.path().join(path).parent().unwrap()).unwrap();
        fs::write(out.path().join(path), text).unwrap();
    }
    let foreign_snapshot = |dir: &Path| {
        snapshot(dir).into_iter().filter(|(path, _)| foreign.iter().any(|(f, _)| f == path)).collect::<Vec<_>>()
    };
    let before = foreign_snapshot(out.path());
    assert_eq!(before.len(), 4);

    feedgen::build(&settings).unwrap();
    fs::remove_file(records.path().join("b.md")).unwrap();
    feedgen::build(&settings).unwrap();
    settings.families.retain(|family| *family != feedgen::Family::Topics);
    feedgen::build(&settings).unwrap();

    assert_eq!(foreign_snapshot(out.path()), before);
    assert!(!out.path().join("topics/rust.json").exists(), "feedgen's own files did go");
}

#[test]
fn a_file_in_the_way_that_feedgen_did_not_write_is_never_overwritten() {
    let records = three_records();
    let out = tempfile::tempdir().unwrap();
    let settings = settings(records.path(), out.path());
    fs::create_dir_all(out.path().join("topics")).unwrap();
    fs::write(out.path().join("topics/go.json"), "mine").unwrap();

    let Err(BuildError::Write(WriteError::NotOurs(paths))) = feedgen::build(&settings) else {
        panic!("a build over a foreign file must fail");
    };
    assert_eq!(paths, [out.path().join("topics").join("go.json")]);
    assert_eq!(fs::read(out.path().join("topics/go.json")).unwrap(), b"mine");
    assert_eq!(read_tree(out.path()).len(), 1, "nothing else was written");
    let Err(BuildError::Write(WriteError::NotOurs(_))) =
        feedgen::run(&settings, Mode::Compare, &feedgen::Silent, &NEVER)
    else {
        panic!("a comparison reports the same conflict");
    };
}

#[test]
fn a_folder_built_before_manifests_is_taken_over_where_bytes_match() {
    let (_records, out, settings) = built_three_records();
    fs::remove_file(out.path().join(MANIFEST_NAME)).unwrap();
    age_every_file(out.path());
    let report = feedgen::build(&settings).unwrap();
    assert_eq!(report.output.added, [MANIFEST_NAME]);
    assert_eq!(touched_since_aged(out.path()), [MANIFEST_NAME]);
}

#[test]
fn a_manifest_naming_a_path_outside_the_folder_removes_nothing() {
    let records = three_records();
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("feeds");
    let settings = settings(records.path(), &out);
    feedgen::build(&settings).unwrap();
    fs::write(root.path().join("victim.txt"), "keep me").unwrap();
    let manifest = fs::read_to_string(out.join(MANIFEST_NAME)).unwrap();
    fs::write(out.join(MANIFEST_NAME), format!("{manifest}../victim.txt\n")).unwrap();

    let Err(BuildError::Write(WriteError::BadManifest { line, .. })) = feedgen::build(&settings) else {
        panic!("a manifest naming ../victim.txt must be refused");
    };
    assert_eq!(line, manifest.lines().count() + 1);
    assert_eq!(fs::read_to_string(root.path().join("victim.txt")).unwrap(), "keep me");
}

#[test]
fn comparing_reports_every_difference_and_writes_nothing() {
    let records = three_records();
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("feeds");
    let settings = settings(records.path(), &out);

    let fresh = compare(&settings);
    assert_eq!(fresh.added.len(), 28);
    assert!(!out.exists(), "a comparison creates nothing, not even the folder");

    feedgen::build(&settings).unwrap();
    let current = compare(&settings);
    assert!(current.is_empty(), "{current:?}");
    assert_eq!(current.unchanged.len(), 28);

    fs::write(records.path().join("c.md"), record("Gamma", 3, "Go", "gamma.test").replace("Go]", "Go, Zig]")).unwrap();
    fs::remove_file(records.path().join("b.md")).unwrap();
    let before = snapshot(&out);
    let stale = compare(&settings);
    assert_eq!(snapshot(&out), before, "a comparison writes nothing");
    let mut changed: Vec<String> =
        [files_of("all"), files_of("topics/go"), files_of("topics/rust"), files_of("providers/gamma-test")].concat();
    changed.extend([MANIFEST_NAME, IDS_NAME, "index.html", "index.opml"].map(str::to_owned));
    changed.sort();
    assert_eq!(stale.added, files_of("topics/zig"));
    assert_eq!(stale.changed, changed);
    assert_eq!(stale.removed, files_of("providers/beta-test"));

    let report = feedgen::build(&settings).unwrap();
    assert_eq!(report.output, stale, "the build does what the comparison said");
}

/// Records every progress call, to check what a progress bar is told.
#[derive(Default)]
struct Recorded(std::sync::Mutex<Vec<(feedgen::Stage, usize, usize)>>);

impl feedgen::Progress for Recorded {
    fn begin(&self, stage: feedgen::Stage, total: usize) {
        self.0.lock().unwrap().push((stage, total, 0));
    }
    fn advance(&self, steps: usize) {
        self.0.lock().unwrap().last_mut().expect("advance before begin").2 += steps;
    }
}

#[test]
fn progress_counts_every_file_read_and_every_file_rendered_or_removed() {
    use feedgen::Stage;
    let records = three_records();
    fs::write(records.path().join("notes.txt"), "no front matter").unwrap();
    let out = tempfile::tempdir().unwrap();
    let settings = settings(records.path(), out.path());
    let first = Recorded::default();
    feedgen::run(&settings, Mode::Write, &first, &NEVER).unwrap();
    assert_eq!(*first.0.lock().unwrap(), [(Stage::Read, 4, 4), (Stage::Write, 26, 26)]);

    fs::remove_file(records.path().join("b.md")).unwrap();
    let second = Recorded::default();
    feedgen::run(&settings, Mode::Write, &second, &NEVER).unwrap();
    let files_left = 26 - 4;
    let beta_removed = 4;
    let total = files_left + beta_removed;
    assert_eq!(*second.0.lock().unwrap(), [(Stage::Read, 3, 3), (Stage::Write, total, total)]);
}

#[test]
fn dotfiles_that_look_like_temporaries_survive_and_real_leftovers_go() {
    let (_records, out, settings) = built_three_records();
    let keep = [".all.json.backup", ".all.rss.xml.Ab12cD", ".feedgen-manifest.bak", "topics/.feedgen-Ab12cD.tmp.old"];
    let leftovers = [".feedgen-Ab12cD.tmp", "topics/.feedgen-x9Y8z7.tmp"];
    for path in keep.iter().chain(&leftovers) {
        fs::write(out.path().join(path), "x").unwrap();
    }
    assert_eq!(compare(&settings).removed, leftovers);
    let report = feedgen::build(&settings).unwrap();
    assert_eq!(report.output.removed, leftovers);
    for path in keep {
        assert!(out.path().join(path).is_file(), "{path} was removed");
    }
    for path in leftovers {
        assert!(!out.path().join(path).exists(), "{path} stayed");
    }
}

#[test]
fn a_folder_where_a_feed_belongs_is_in_the_way_for_check_and_build_alike() {
    let (_records, out, settings) = built_three_records();
    fs::remove_file(out.path().join("topics/go.json")).unwrap();
    fs::create_dir(out.path().join("topics/go.json")).unwrap();
    for result in [feedgen::run(&settings, Mode::Compare, &feedgen::Silent, &NEVER), feedgen::build(&settings)] {
        let Err(BuildError::Write(WriteError::NotOurs(paths))) = result else { panic!("not refused: {result:?}") };
        assert_eq!(paths, [out.path().join("topics").join("go.json")]);
    }
}

#[test]
fn an_output_folder_inside_an_input_is_not_read_as_records() {
    let records = three_records();
    let settings = settings(records.path(), &records.path().join("feeds"));
    feedgen::build(&settings).unwrap();
    let report = feedgen::build(&settings).unwrap();
    assert_eq!(report.records_read, 3);
    assert!(report.without_front_matter.is_empty(), "{:?}", report.without_front_matter);
    assert!(report.output.is_empty());
}

#[cfg(unix)]
mod links {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn a_linked_folder_in_the_output_is_never_written_through_or_pruned() {
        let (records, out, mut settings) = built_three_records();
        let elsewhere = tempfile::tempdir().unwrap();
        for name in ["go.json", "rust.json"] {
            fs::write(elsewhere.path().join(name), "someone else's").unwrap();
        }
        fs::remove_dir_all(out.path().join("topics")).unwrap();
        symlink(elsewhere.path(), out.path().join("topics")).unwrap();

        fs::remove_file(records.path().join("c.md")).unwrap();
        let Err(BuildError::Write(WriteError::NotOurs(paths))) = feedgen::build(&settings) else {
            panic!("a build writing through a linked folder must be refused");
        };
        assert!(paths.contains(&out.path().join("topics").join("rust.json")), "{paths:?}");

        settings.families.retain(|family| *family != feedgen::Family::Topics);
        feedgen::build(&settings).unwrap();
        for name in ["go.json", "rust.json"] {
            assert_eq!(fs::read_to_string(elsewhere.path().join(name)).unwrap(), "someone else's", "{name}");
        }
        assert!(out.path().join("topics").is_symlink(), "the link itself stays too");
    }

    #[test]
    fn a_listed_feed_replaced_by_a_link_is_in_the_way() {
        let (_records, out, settings) = built_three_records();
        let elsewhere = tempfile::tempdir().unwrap();
        let target = elsewhere.path().join("mine.json");
        fs::write(&target, "mine").unwrap();
        fs::remove_file(out.path().join("all.json")).unwrap();
        symlink(&target, out.path().join("all.json")).unwrap();
        assert!(matches!(feedgen::build(&settings), Err(BuildError::Write(WriteError::NotOurs(_)))));
        assert_eq!(fs::read_to_string(&target).unwrap(), "mine");
        assert!(out.path().join("all.json").is_symlink());
    }
}

/// While another process holds the folder (as a build does while it
/// writes), a build and a comparison wait, then go ahead once it is free.
#[cfg(unix)]
#[test]
fn a_build_waits_while_another_build_holds_the_folder() {
    let (records, out, settings) = built_three_records();
    fs::write(records.path().join("d.md"), record("Delta", 4, "Zig", "delta.test")).unwrap();
    let holder = fs::File::open(out.path()).unwrap();
    holder.lock().unwrap();
    let started = std::thread::scope(|scope| {
        let build = scope.spawn(|| feedgen::build(&settings).map(|report| report.output.added.len()));
        let check = scope.spawn(|| feedgen::run(&settings, Mode::Compare, &feedgen::Silent, &NEVER).is_ok());
        std::thread::sleep(Duration::from_millis(500));
        let waiting = !build.is_finished() && !check.is_finished();
        let untouched = !out.path().join("topics/zig.rss.xml").exists();
        drop(holder);
        (waiting, untouched, build.join().unwrap().unwrap(), check.join().unwrap())
    });
    // Two feeds (topic Zig, provider delta.test) in four formats each.
    assert_eq!(started, (true, true, 8, true), "(waiting, untouched, files added, compared)");
    assert!(out.path().join("topics/zig.rss.xml").is_file());
}

/// Asks the build to stop once `after` files have been rendered and staged
/// for writing (a Ctrl-C landing mid-write), and notes whether any of
/// feedgen's temporary files was on disk at that moment.
struct StopWhileWriting<'a> {
    stop: &'a std::sync::atomic::AtomicBool,
    output: &'a Path,
    after: usize,
    staged: std::sync::atomic::AtomicUsize,
    saw_temporaries: std::sync::atomic::AtomicBool,
}

impl feedgen::Progress for StopWhileWriting<'_> {
    fn begin(&self, _: feedgen::Stage, _: usize) {}
    fn advance(&self, steps: usize) {
        use std::sync::atomic::Ordering::SeqCst;
        if self.staged.fetch_add(steps, SeqCst) + steps >= self.after && !self.stop.swap(true, SeqCst) {
            let temporary = |path: &String| feedgen::reference::is_temporary_name(path.rsplit('/').next().unwrap());
            self.saw_temporaries.store(read_tree(self.output).keys().any(temporary), SeqCst);
        }
    }
}

#[test]
fn a_build_stopped_while_writing_leaves_the_folder_as_it_was() {
    let (records, out, settings) = built_three_records();
    // Every record edited, one added: every file changes, so every file
    // the build settles is staged.
    let edited = [("a.md", 1, "Rust", "alpha.test"), ("b.md", 2, "Rust", "beta.test"), ("c.md", 3, "Go", "gamma.test")];
    for (name, day, topic, domain) in edited {
        fs::write(records.path().join(name), record(&format!("{name} edited"), day, topic, domain)).unwrap();
    }
    fs::write(records.path().join("d.md"), record("Delta", 4, "Zig", "delta.test")).unwrap();
    let before = snapshot(out.path());
    for after in [1, 5, 20] {
        let stop = std::sync::atomic::AtomicBool::new(false);
        let progress = StopWhileWriting {
            stop: &stop,
            output: out.path(),
            after: 4 + after,
            staged: Default::default(),
            saw_temporaries: Default::default(),
        };
        let stopped = feedgen::run(&settings, Mode::Write, &progress, &stop);
        assert!(matches!(stopped, Err(BuildError::Stopped(_))), "after {after}: {stopped:?}");
        assert!(progress.saw_temporaries.into_inner(), "after {after}: nothing was staged when the stop came");
        let after_stop = snapshot(out.path());
        let changed: Vec<&String> =
            before.keys().chain(after_stop.keys()).filter(|path| before.get(*path) != after_stop.get(*path)).collect();
        assert!(changed.is_empty(), "after {after} files: these changed: {changed:?}");
    }
    assert!(!compare(&settings).is_empty());
    feedgen::build(&settings).unwrap();
    assert!(compare(&settings).is_empty());
}

#[test]
fn a_first_build_stopped_while_reading_or_writing_leaves_no_folder() {
    let records = three_records();
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("feeds");
    let settings = settings(records.path(), &out);
    for after in [1, 10] {
        let stop = std::sync::atomic::AtomicBool::new(false);
        let progress = StopWhileWriting {
            stop: &stop,
            output: &out,
            after,
            staged: Default::default(),
            saw_temporaries: Default::default(),
        };
        let stopped = feedgen::run(&settings, Mode::Write, &progress, &stop);
        assert!(matches!(stopped, Err(BuildError::Stopped(_))), "after {after}: {stopped:?}");
        assert!(!out.exists(), "after {after}: the output folder was left behind");
    }
}

/// Runs `act` once, when the build has rendered and staged `after` files
/// (reads count too), and then again never.
struct OnceAfter<F: Fn() + Sync> {
    after: usize,
    seen: std::sync::atomic::AtomicUsize,
    act: F,
}

impl<F: Fn() + Sync> feedgen::Progress for OnceAfter<F> {
    fn begin(&self, _: feedgen::Stage, _: usize) {}
    fn advance(&self, steps: usize) {
        let before = self.seen.fetch_add(steps, std::sync::atomic::Ordering::SeqCst);
        if before < self.after && before + steps >= self.after {
            (self.act)();
        }
    }
}

#[test]
fn a_rename_that_fails_leaves_every_file_whole_and_listed() {
    let (records, out, settings) = built_three_records();
    fs::write(records.path().join("d.md"), record("Delta", 4, "Zig", "delta.test")).unwrap();
    // Once every file is staged, a folder appears where a new feed goes:
    // renaming the staged file over it fails, after other files were put
    // in place.
    let blocked = out.path().join("topics/zig.rss.xml");
    let files = feedgen::plan(&settings).unwrap().files.len();
    let progress = OnceAfter { after: 4 + files, seen: Default::default(), act: || fs::create_dir(&blocked).unwrap() };
    let failed = feedgen::run(&settings, Mode::Write, &progress, &NEVER);
    let Err(BuildError::Write(error @ WriteError::PartlyWritten { .. })) = failed else { panic!("{failed:?}") };
    assert!(error.to_string().contains("some files in"), "{error}");
    let tree = read_tree(out.path());
    assert!(!tree.keys().any(|path| feedgen::reference::is_temporary_name(path.rsplit('/').next().unwrap())));
    let manifest = String::from_utf8(tree[MANIFEST_NAME].clone()).unwrap();
    for path in tree.keys().filter(|path| ![MANIFEST_NAME, IDS_NAME].contains(&path.as_str())) {
        assert!(manifest.lines().any(|line| line == path), "{path} is not in the manifest");
    }
    fs::remove_dir(&blocked).unwrap();
    feedgen::build(&settings).unwrap();
    assert!(compare(&settings).is_empty());
}

#[test]
fn a_stop_after_files_are_put_in_place_lets_the_build_finish() {
    let (records, out, settings) = built_three_records();
    fs::remove_file(records.path().join("c.md")).unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    // Removing c's feeds comes after every file is put in place.
    let files = feedgen::plan(&settings).unwrap().files.len();
    let progress = OnceAfter {
        after: 2 + files + 1,
        seen: Default::default(),
        act: || stop.store(true, std::sync::atomic::Ordering::SeqCst),
    };
    let report = feedgen::run(&settings, Mode::Write, &progress, &stop).unwrap();
    assert!(stop.load(std::sync::atomic::Ordering::SeqCst), "the stop never came");
    assert!(!report.output.removed.is_empty());
    assert!(compare(&settings).is_empty(), "the build did not finish");
    assert!(!out.path().join("topics/go.json").exists());
}
