//! A build killed with SIGKILL at any moment leaves every file feedgen
//! manages either as it was or fully new, never truncated or mixed, and its
//! manifest still claims every file it wrote, so the next build succeeds.
//!
//! The input switches between two versions whose outputs differ in every
//! file and in which files exist. Each build is watched until it starts
//! writing (its manifest changes first), then killed at one of many
//! points spread over the time writing takes, so kills land in the middle
//! of rewrites, additions and removals. Timing only decides where the kills
//! land; nothing asserts on how long anything takes.

#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use feedgen::{IDS_NAME, MANIFEST_NAME};

const RECORDS: usize = 24;
const TOPICS: usize = 8;
const KILLS: u32 = 16;

/// A version of the input: every record in every topic of `version`, with a
/// long body, so that every feed is large and differs between versions.
fn write_version(dir: &Path, version: &str) {
    if dir.exists() {
        fs::remove_dir_all(dir).unwrap();
    }
    fs::create_dir_all(dir).unwrap();
    let topics: Vec<String> = (0..TOPICS).map(|topic| format!("{version} topic {topic}")).collect();
    let paragraph = format!("Version {version} of this paragraph, long enough to make files large. ").repeat(40);
    for index in 0..RECORDS {
        let body = format!("{paragraph}\n\n").repeat(6);
        let text = format!(
            "---\ntitle: Record {index} {version}\npublishedDateTime: 2025-01-{day:02}T00:00:00Z\n\
             originalUrl: https://crash.test/{index}\ntopics: [{topics}]\n---\n{body}",
            day = index % 28 + 1,
            topics = topics.join(", ")
        );
        fs::write(dir.join(format!("{index}.md")), text).unwrap();
    }
}

/// A build of `input` into `output`. Each version removes every topic feed
/// of the other, which the guard would refuse: `--allow-empty` lets it.
fn build_command(input: &Path, output: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_feedgen"));
    command
        .args(["build", "--config", "/dev/null", "--quiet", "--limit", "0", "--allow-empty"])
        .args(["--base-url", "https://crash.test/feeds/"])
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(output)
        .env_remove("FEEDGEN_BASE_URL")
        .env("SOURCE_DATE_EPOCH", NOW.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

fn build_to_completion(input: &Path, output: &Path) {
    assert!(build_command(input, output).status().unwrap().success());
}

/// The files a complete build of `input` leaves in a fresh folder.
fn reference(input: &Path) -> BTreeMap<String, Vec<u8>> {
    let out = tempfile::tempdir().unwrap();
    build_to_completion(input, out.path());
    read_tree(out.path())
}

/// A temporary file a killed build may leave (the next build removes it).
fn is_writer_leftover(path: &str) -> bool {
    feedgen::reference::is_temporary_name(path.rsplit('/').next().unwrap_or(path))
}

/// Check the folder after a kill: every feed is byte for byte the old or
/// the new one and (but for the id list) listed in the manifest, which lists nothing else (it may
/// list old and new paths at once, mid-build). Returns how many files are
/// new, and how many temporary files the build left.
fn assert_old_or_new(
    out: &Path,
    old: &BTreeMap<String, Vec<u8>>,
    new: &BTreeMap<String, Vec<u8>>,
    kill: u32,
) -> (usize, usize) {
    let tree = read_tree(out);
    let manifest = tree.get(MANIFEST_NAME).unwrap_or_else(|| panic!("kill {kill}: no manifest"));
    let listed: Vec<&str> =
        std::str::from_utf8(manifest).unwrap().lines().filter(|line| !line.starts_with('#')).collect();
    for path in &listed {
        assert!(old.contains_key(*path) || new.contains_key(*path), "kill {kill}: the manifest lists {path}");
    }
    let mut new_files = 0;
    let leftovers = tree.keys().filter(|path| is_writer_leftover(path)).count();
    for (path, bytes) in &tree {
        if path == MANIFEST_NAME || is_writer_leftover(path) {
            continue;
        }
        let is_old = old.get(path) == Some(bytes);
        let is_new = new.get(path) == Some(bytes);
        assert!(is_old || is_new, "kill {kill}: {path} is neither the old nor the new file ({} bytes)", bytes.len());
        // The id list is feedgen's own, like the manifest: never listed.
        assert!(path == IDS_NAME || listed.contains(&path.as_str()), "kill {kill}: {path} is not in the manifest");
        new_files += usize::from(is_new && !is_old);
    }
    (new_files, leftovers)
}

/// Compare two trees by path and bytes, naming the paths that differ (the
/// files are too large to print).
fn assert_same_files(found: &BTreeMap<String, Vec<u8>>, expected: &BTreeMap<String, Vec<u8>>, context: &str) {
    let differing: Vec<&String> =
        found.keys().chain(expected.keys()).filter(|path| found.get(*path) != expected.get(*path)).collect();
    assert!(differing.is_empty(), "{context}: these files differ from a fresh build: {differing:?}");
}

/// How long a build may take to start writing before the test gives up
/// (a hang, not a slow machine: builds here take well under a second).
const START_DEADLINE: Duration = Duration::from_secs(120);

/// Start a build of `input` and return it once it has begun writing (its
/// manifest changes first, since every version adds files), with the moment
/// it did. A build that finishes before the change is seen is returned too:
/// its kill simply lands after the end.
fn start_writing(input: &Path, out: &Path) -> (Child, Instant) {
    let manifest = || fs::read(out.join(MANIFEST_NAME)).ok();
    let before = manifest();
    let started = Instant::now();
    let mut child = build_command(input, out).spawn().unwrap();
    while manifest() == before {
        if child.try_wait().unwrap().is_some() {
            assert_ne!(manifest(), before, "the build ended without changing its manifest");
            break;
        }
        assert!(started.elapsed() < START_DEADLINE, "the build did not start writing within {START_DEADLINE:?}");
        std::thread::sleep(Duration::from_micros(200));
    }
    (child, Instant::now())
}

#[test]
fn a_build_killed_at_any_moment_leaves_each_file_old_or_new() {
    let dir = tempfile::tempdir().unwrap();
    let (input, out) = (dir.path().join("records"), dir.path().join("feeds"));
    write_version(&input, "one");
    let one = reference(&input);
    write_version(&input, "two");
    let two = reference(&input);
    assert_ne!(one.keys().collect::<Vec<_>>(), two.keys().collect::<Vec<_>>(), "the versions differ in files");

    build_to_completion(&input, &out);
    write_version(&input, "one");
    let (mut child, writing) = start_writing(&input, &out);
    child.wait().unwrap();
    let writing_takes = writing.elapsed();
    assert_same_files(&read_tree(&out), &one, "a complete build");

    let mut kills_mid_write = 0;
    for kill in 0..KILLS {
        let (old, new, version) = if kill % 2 == 0 { (&one, &two, "two") } else { (&two, &one, "one") };
        write_version(&input, version);
        let (mut child, writing) = start_writing(&input, &out);
        let kill_at = writing + writing_takes.mul_f64(f64::from(kill) / f64::from(KILLS));
        std::thread::sleep(kill_at.saturating_duration_since(Instant::now()));
        child.kill().unwrap();
        child.wait().unwrap();

        let (new_files, leftovers) = assert_old_or_new(&out, old, new, kill);
        if leftovers > 0 || (new_files > 0 && read_tree(&out) != *new) {
            kills_mid_write += 1;
        }
        build_to_completion(&input, &out);
        assert_same_files(&read_tree(&out), new, &format!("kill {kill}: the build after the kill"));
    }
    eprintln!("{kills_mid_write} of {KILLS} kills landed while files were staged or being put in place");
    assert!(kills_mid_write > 0, "no kill landed mid-write, so nothing was tested; is writing instantaneous?");
}
