//! A build stopped by Ctrl-C (SIGINT) or SIGTERM while it writes removes
//! its temporary files, leaves the output folder whole (each file as it was
//! or complete and new, the manifest listing exactly feedgen's files), says
//! so in one line and exits 130 or 143; the next build brings the folder
//! up to date.
//!
//! Each build runs as a child process over a generated corpus large enough
//! that writing takes a while; the signal is sent as soon as the build is
//! seen writing (its manifest or a temporary file appears). Timing decides
//! only where the signal lands; nothing asserts on how long anything takes.

#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use feedgen::reference::is_temporary_name;
use feedgen::{IDS_NAME, MANIFEST_NAME};

/// Records, topics and paragraphs of body: enough for writing to take a
/// good part of a second in a debug build.
const RECORDS: usize = 300;
const TOPICS: usize = 30;
const PARAGRAPHS: usize = 6;

/// Write the corpus into `dir`; `version` changes every record's body (so
/// every feed's bytes) but no feed's name.
fn write_corpus(dir: &Path, version: &str) {
    fs::create_dir_all(dir).unwrap();
    let paragraph = format!("Version {version} of a paragraph that makes every feed file large enough. ").repeat(8);
    for index in 0..RECORDS {
        let topics: Vec<String> = (0..3).map(|n| format!("Topic {}", (index * 7 + n * 31) % TOPICS)).collect();
        let text = format!(
            "---\ntitle: Record {index}\npublishedDateTime: 2025-{month:02}-{day:02}T08:00:00Z\n\
             originalUrl: https://signal.test/{index}\ntopics: [{topics}]\n\
             provider: {{name: P{provider}, domain: p{provider}.test}}\n---\n{body}",
            month = index % 12 + 1,
            day = index % 28 + 1,
            topics = topics.join(", "),
            provider = index % 40,
            body = format!("{paragraph}\n\n").repeat(PARAGRAPHS),
        );
        fs::write(dir.join(format!("{index}.md")), text).unwrap();
    }
}

/// `feedgen build` (or another command taking build's settings) of `input`
/// into `output`, with `extra` arguments.
fn command(subcommand: &str, input: &Path, output: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_feedgen"));
    command
        .args([subcommand, "--config", "/dev/null", "--limit", "0", "--base-url", "https://signal.test/feeds/"])
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(output)
        .args(extra)
        .env_remove("FEEDGEN_BASE_URL")
        .env_remove("FEEDGEN_OUTPUT")
        .env("SOURCE_DATE_EPOCH", NOW.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn build(input: &Path, output: &Path, extra: &[&str]) -> Output {
    command("build", input, output, extra).output().unwrap()
}

/// How long a build may take to start writing before the test gives up (a
/// hang, not a slow machine).
const START_DEADLINE: Duration = Duration::from_secs(120);

/// Whether the build has visibly started writing into `output`: the
/// manifest differs from `manifest_before`, or a temporary file is there.
fn writing(output: &Path, manifest_before: &Option<Vec<u8>>) -> bool {
    if fs::read(output.join(MANIFEST_NAME)).ok() != *manifest_before {
        return true;
    }
    walkdir::WalkDir::new(output)
        .into_iter()
        .filter_map(Result::ok)
        .any(|entry| entry.file_name().to_str().is_some_and(is_temporary_name))
}

/// Start `command` (a build into `output`) and send it `signal` as soon as
/// it is seen writing; its output once it has exited, or `None` when it
/// ended before it was seen writing (and so was never signalled).
fn signalled_while_writing(mut command: Command, output: &Path, signal: libc::c_int) -> Option<Output> {
    let manifest_before = fs::read(output.join(MANIFEST_NAME)).ok();
    let started = Instant::now();
    let mut child: Child = command.spawn().unwrap();
    while !writing(output, &manifest_before) {
        if child.try_wait().unwrap().is_some() {
            return None;
        }
        assert!(started.elapsed() < START_DEADLINE, "the build did not start writing");
        std::thread::sleep(Duration::from_micros(100));
    }
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: `kill` with a valid signal number on our own child's pid.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    Some(child.wait_with_output().unwrap())
}

/// Check that `output` is whole: no temporary file, every XML file parses,
/// every JSON file is JSON, and the manifest lists exactly the files there.
fn assert_whole(output: &Path) -> BTreeMap<String, Vec<u8>> {
    let tree = read_tree(output);
    let leftovers: Vec<&String> =
        tree.keys().filter(|path| is_temporary_name(path.rsplit('/').next().unwrap())).collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    for (path, bytes) in &tree {
        if path.ends_with(".xml") || path.ends_with(".opml") {
            assert_well_formed_xml(path, bytes);
        } else if path.ends_with(".json") {
            serde_json::from_slice::<serde_json::Value>(bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
        }
    }
    if tree.is_empty() {
        return tree;
    }
    let manifest = std::str::from_utf8(&tree[MANIFEST_NAME]).unwrap();
    let listed: Vec<&str> = manifest.lines().filter(|line| !line.starts_with('#')).collect();
    let own = [MANIFEST_NAME, IDS_NAME];
    let present: Vec<&str> = tree.keys().map(String::as_str).filter(|path| !own.contains(path)).collect();
    assert_eq!(listed, present, "the manifest does not list exactly the files present");
    tree
}

/// The one line a signalled build printed, after checking its exit code.
fn stopped_line(run: &Output, code: i32) -> String {
    let message = stderr_of(run);
    assert_eq!(run.status.code(), Some(code), "{message}");
    assert_eq!(message.lines().count(), 1, "more than one line: {message}");
    message
}

/// A first build into `output` that Ctrl-C stopped said so in one line and
/// exited 130, leaving no folder, or (stopped as its files were put in
/// place) a complete one.
fn assert_first_build_stopped_by_ctrl_c(run: &Output, output: &Path) {
    let message = stopped_line(run, 130);
    assert!(message.contains("interrupted by Ctrl-C (SIGINT)"), "{message}");
    if message.contains("stopped before anything was written") {
        assert!(!output.exists(), "the output folder the build created is still there");
    } else {
        assert!(message.contains("is complete"), "{message}");
        assert_whole(output);
    }
}

#[test]
fn ctrl_c_during_a_first_build_leaves_no_folder_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("records"), dir.path().join("feeds"));
    write_corpus(&input, "one");
    let run = signalled_while_writing(command("build", &input, &output, &[]), &output, libc::SIGINT)
        .expect("a first build lists its files in a new manifest before it writes them");
    assert_first_build_stopped_by_ctrl_c(&run, &output);
    let next = build(&input, &output, &["--quiet"]);
    assert_eq!(next.status.code(), Some(0), "{}", stderr_of(&next));
    assert_whole(&output);
    let current = build(&input, &output, &["--check", "--quiet"]);
    assert_eq!(current.status.code(), Some(0), "{}", stdout_of(&current));
}

#[test]
fn a_signal_during_a_rebuild_leaves_every_file_as_it_was_and_the_next_build_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("records"), dir.path().join("feeds"));
    write_corpus(&input, "one");
    let first = build(&input, &output, &["--quiet"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr_of(&first));
    let mut stopped_mid_write = 0;
    for (attempt, (signal, code)) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)].into_iter().cycle().take(4).enumerate()
    {
        let before = snapshot(&output);
        write_corpus(&input, &format!("v{attempt}"));
        let Some(run) = signalled_while_writing(command("build", &input, &output, &[]), &output, signal) else {
            assert_whole(&output);
            continue;
        };
        let message = stopped_line(&run, code);
        let whole = assert_whole(&output);
        if message.contains("stopped before anything was written") {
            stopped_mid_write += 1;
            let after = snapshot(&output);
            let changed: Vec<&String> =
                before.keys().chain(after.keys()).filter(|path| before.get(*path) != after.get(*path)).collect();
            assert!(changed.is_empty(), "attempt {attempt} ({message}): these files changed: {changed:?}");
        } else {
            assert!(message.contains("is complete"), "attempt {attempt}: {message}");
            assert_ne!(whole, before.into_iter().map(|(path, (bytes, _))| (path, bytes)).collect());
        }
        let next = build(&input, &output, &["--quiet"]);
        assert_eq!(next.status.code(), Some(0), "{}", stderr_of(&next));
        let current = build(&input, &output, &["--check", "--quiet"]);
        assert_eq!(current.status.code(), Some(0), "attempt {attempt}: not current after the next build");
    }
    eprintln!("{stopped_mid_write} of 4 signals landed before the files were put in place");
    assert!(stopped_mid_write > 0, "no signal landed before the files were put in place; is writing instantaneous?");
}

#[cfg(feature = "serve")]
#[test]
fn ctrl_c_during_the_first_build_of_serve_stops_it_as_a_build_stops() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("records"), dir.path().join("preview"));
    write_corpus(&input, "one");
    let serve = command("serve", &input, &output, &["--port", "0"]);
    let run = signalled_while_writing(serve, &output, libc::SIGINT)
        .expect("a first build lists its files in a new manifest before it writes them");
    assert_first_build_stopped_by_ctrl_c(&run, &output);
}
