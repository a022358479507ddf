//! Times `feedgen build` against `feedgen check` (the parse-only pass) over
//! a synthetic corpus:
//!
//! ```text
//! cargo run --release --example bench -- N [--runs R] [--seed S] [--archives]
//! cargo run --release --example bench -- N --cache [--runs R] [--seed S] [--archives]
//! ```
//!
//! It builds the release binaries, writes a corpus of N records with
//! `gen_corpus` into `target/bench/corpus-N-sS` (kept for the next call),
//! runs one warm-up round, then R rounds (default 5) of, in turn:
//!
//! - `check`: parse and validate every record;
//! - `build`: a build into an output folder that is already current (what
//!   CI does on most pushes: every feed is rendered and compared, none is
//!   written);
//! - `first build`: a build into an empty folder (removed, and the disks
//!   synced, before the clock starts), writing every file.
//!
//! These builds read and write no build cache (`--no-cache`). With
//! `--archives`, both write every feed's archive documents too.
//!
//! With `--cache`, each round is instead, into a folder that is already
//! current: a `cold` build with an empty build cache (which fills it), a
//! rebuild with nothing `unchanged`, one after a `one edit` (the title of
//! the newest record, which sits in the firehose, its topics' and its
//! provider's feeds, changes), one after a `date edit` (the same record
//! back-dated by a century, so that the items of its feeds are chosen
//! again; both edits are undone after their build), and one after every
//! record file was `touched` (new modification times, same bytes: a fresh
//! checkout). Each is compared with the cold build of its round. With
//! `--archives`, these builds write every feed's archive documents too.
//!
//! It prints each run, then the medians: seconds, records per second, peak
//! resident memory, and the median of each build's time over the check
//! (or cold) time of its round. Unix only (it reads peak memory from `wait4`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// What to run.
struct Args {
    count: usize,
    runs: usize,
    seed: u64,
    /// Build with `--archives`.
    archives: bool,
    /// Time the build cache instead.
    cache: bool,
}

fn parse_args() -> Result<Args, String> {
    let usage = "usage: bench N [--runs R] [--seed S] [--archives] [--cache]";
    let mut count = None;
    let (mut runs, mut seed, mut archives, mut cache) = (5, 1, false, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> Result<u64, String> {
            let text = args.next().ok_or(usage)?;
            text.parse().map_err(|_| format!("{name}: not a number: {text}"))
        };
        match arg.as_str() {
            "--runs" => runs = usize::try_from(value("--runs")?).map_err(|error| error.to_string())?,
            "--seed" => seed = value("--seed")?,
            "--archives" => archives = true,
            "--cache" => cache = true,
            _ if count.is_none() => {
                count = Some(arg.replace('_', "").parse().map_err(|_| format!("N: not a number: {arg}"))?);
            }
            _ => return Err(usage.to_owned()),
        }
    }
    Ok(Args { count: count.ok_or(usage)?, runs: runs.max(1), seed, archives, cache })
}

/// One finished run: wall time and peak resident memory.
#[derive(Debug, Clone, Copy)]
struct Run {
    wall: Duration,
    peak_bytes: u64,
}

/// Run `command` to completion, timing it and reading its peak memory.
fn measure(command: &mut Command) -> Result<Run, String> {
    let started = Instant::now();
    let child = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().map_err(|error| error.to_string())?;
    let pid = libc::pid_t::try_from(child.id()).map_err(|error| error.to_string())?;
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value of the plain C struct,
    // which `wait4` then fills in for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet waited for; both pointers are to
    // live locals.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    if waited != pid {
        return Err(format!("waiting for {command:?} failed"));
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!("{command:?} failed (status {status})"));
    }
    // Linux reports kilobytes, macOS bytes.
    let unit = if cfg!(target_os = "macos") { 1 } else { 1024 };
    Ok(Run { wall, peak_bytes: u64::try_from(usage.ru_maxrss).unwrap_or(0) * unit })
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 { values[middle] } else { (values[middle - 1] + values[middle]) / 2.0 }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// "Intel(R) Xeon(R) …, 2 cores, 23.4 GiB" from what the system says.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name")?.split_once(':').map(|(_, name)| name.trim().to_owned()))
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:")?.trim().strip_suffix("kB")?.trim().parse::<f64>().ok())
        .map(|kib| format!(", {:.1} GiB", kib / (1024.0 * 1024.0)))
        .unwrap_or_default();
    format!("{model}, {cores} cores{memory}")
}

/// Build the release binaries this bench runs.
fn build_binaries(root: &Path) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["build", "--release", "--quiet", "--bin", "feedgen", "--example", "gen_corpus"])
        .status()
        .map_err(|error| error.to_string())?;
    if status.success() { Ok(()) } else { Err("cargo build failed".to_owned()) }
}

/// The corpus for `args`, generated unless a finished one is there.
fn corpus(root: &Path, args: &Args) -> Result<PathBuf, String> {
    let dir = root.join(format!("target/bench/corpus-{}-s{}", args.count, args.seed));
    let finished = dir.join(".complete");
    if finished.exists() {
        return Ok(dir);
    }
    eprintln!("bench: writing {} records to {} …", args.count, dir.display());
    let _ = std::fs::remove_dir_all(&dir);
    let generator = root.join("target/release/examples/gen_corpus");
    measure(Command::new(generator).arg(&dir).arg(args.count.to_string()).args(["--seed", &args.seed.to_string()]))?;
    std::fs::write(&finished, "").map_err(|error| error.to_string())?;
    Ok(dir)
}

/// Picks one command's run out of a round.
type Pick = fn(&Round) -> Run;

/// The three commands of a round, by name.
struct Round {
    check: Run,
    build: Run,
    first_build: Run,
}

fn round(feedgen: &Path, corpus: &Path, current: &Path, empty: &Path, archives: bool) -> Result<Round, String> {
    let command = |subcommand: &str| {
        let mut command = Command::new(feedgen);
        command.args([subcommand, "--config", "/dev/null", "--quiet", "--input"]).arg(corpus);
        command
    };
    let build_into = |output: &Path| {
        let mut build = command("build");
        build.arg("--output").arg(output).args(["--base-url", "https://bench.invalid/feeds/", "--no-cache"]);
        if archives {
            build.arg("--archives");
        }
        build
    };
    let check = measure(&mut command("check"))?;
    let build = measure(&mut build_into(current))?;
    let _ = std::fs::remove_dir_all(empty);
    // SAFETY: `sync` takes no arguments and cannot fail.
    unsafe { libc::sync() };
    let first_build = measure(&mut build_into(empty))?;
    Ok(Round { check, build, first_build })
}

/// The four builds of a round of `--cache`.
struct CacheRound {
    cold: Run,
    unchanged: Run,
    one_edit: Run,
    date_edit: Run,
    touched: Run,
}

/// The record file `--cache` edits, and its text: the newest published
/// one (the corpus names files by date), so that its edit changes the
/// firehose and other feeds. Looks among the newest names only, read as
/// a stream: Linux counts a parent's resident memory at the moment it
/// starts a child into the child's peak (`wait4`), so the bench must
/// never hold the corpus's file names.
fn newest_record(corpus: &Path) -> Result<(PathBuf, String), String> {
    const LOOKED_AT: usize = 64;
    let mut newest = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(corpus).map_err(|error| error.to_string())? {
        let path = entry.map_err(|error| error.to_string())?.path();
        if path.extension().is_some_and(|extension| extension == "md") {
            newest.insert(path);
            if newest.len() > LOOKED_AT {
                newest.pop_first();
            }
        }
    }
    newest
        .into_iter()
        .rev()
        .map(|path| std::fs::read_to_string(&path).map(|text| (path, text)))
        .filter_map(Result::ok)
        .find(|(_, text)| !text.contains("published: false") && text.contains("title: \""))
        .ok_or(format!("no published record with a quoted title among the {LOOKED_AT} newest of the corpus"))
}

/// Give every record file under `corpus` a new modification time, as a
/// fresh checkout does, keeping its bytes. The time is a minute ago, not
/// now: files modified in the last seconds before a build are hashed by
/// every build that soon after (in case they change again within the file
/// system's clock tick), which would slow the next round's builds too.
fn touch_all(corpus: &Path) -> Result<(), String> {
    let now = std::time::SystemTime::now() - Duration::from_secs(60);
    for entry in std::fs::read_dir(corpus).map_err(|error| error.to_string())? {
        let path = entry.map_err(|error| error.to_string())?.path();
        let file = std::fs::File::options().write(true).open(&path).map_err(|error| error.to_string())?;
        file.set_modified(now).map_err(|error| error.to_string())?;
    }
    Ok(())
}

fn cache_round(
    feedgen: &Path,
    corpus: &Path,
    output: &Path,
    cache: &Path,
    edit: (&Path, &str),
    archives: bool,
) -> Result<CacheRound, String> {
    let build = || {
        let mut command = Command::new(feedgen);
        command.args(["build", "--config", "/dev/null", "--quiet", "--input"]).arg(corpus);
        command
            .arg("--output")
            .arg(output)
            .args(["--base-url", "https://bench.invalid/feeds/", "--cache-dir"])
            .arg(cache);
        if archives {
            command.arg("--archives");
        }
        command
    };
    let _ = std::fs::remove_dir_all(cache);
    // Files modified less than three seconds before a build are hashed by
    // the builds that follow it (see docs/cache.md); the last round touched
    // every one.
    std::thread::sleep(Duration::from_millis(3_500));
    let cold = measure(&mut build())?;
    let unchanged = measure(&mut build())?;
    let (record, text) = edit;
    let edited_build = |edited: String| -> Result<Run, String> {
        std::fs::write(record, edited).map_err(|error| error.to_string())?;
        let run = measure(&mut build());
        std::fs::write(record, text).map_err(|error| error.to_string())?;
        // Back to the cached state, the edit undone.
        measure(&mut build())?;
        run
    };
    let one_edit = edited_build(text.replacen("title: \"", "title: \"Edited: ", 1))?;
    let date_edit = edited_build(text.replacen("publishedDateTime: 20", "publishedDateTime: 19", 1))?;
    touch_all(corpus)?;
    let touched = measure(&mut build())?;
    Ok(CacheRound { cold, unchanged, one_edit, date_edit, touched })
}

fn bench_cache(args: &Args, feedgen: &Path, corpus: &Path) -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let archived = if args.archives { "-archives" } else { "" };
    let output = root.join(format!("target/bench/out-{}-s{}{archived}", args.count, args.seed));
    let cache = root.join(format!("target/bench/cache-{}-s{}{archived}", args.count, args.seed));
    let (record, text) = newest_record(corpus)?;
    println!(
        "corpus: {} records in {}{}; build cache in {}; edits {}",
        args.count,
        corpus.display(),
        if args.archives { "; with archives" } else { "" },
        cache.display(),
        record.display()
    );
    cache_round(feedgen, corpus, &output, &cache, (&record, &text), args.archives)?;
    println!(
        "{:>4} {:>8} {:>11} {:>10} {:>11} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "run",
        "cold s",
        "unchanged s",
        "one edit s",
        "date edit s",
        "touched s",
        "cold MiB",
        "unch MiB",
        "edit MiB",
        "date MiB",
        "touch MiB"
    );
    let mut rounds = Vec::new();
    for run in 1..=args.runs {
        let r = cache_round(feedgen, corpus, &output, &cache, (&record, &text), args.archives)?;
        println!(
            "{run:>4} {:>8.3} {:>11.3} {:>10.3} {:>11.3} {:>9.3} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
            r.cold.wall.as_secs_f64(),
            r.unchanged.wall.as_secs_f64(),
            r.one_edit.wall.as_secs_f64(),
            r.date_edit.wall.as_secs_f64(),
            r.touched.wall.as_secs_f64(),
            mib(r.cold.peak_bytes),
            mib(r.unchanged.peak_bytes),
            mib(r.one_edit.peak_bytes),
            mib(r.date_edit.peak_bytes),
            mib(r.touched.peak_bytes)
        );
        rounds.push(r);
    }
    type PickCached = fn(&CacheRound) -> Run;
    let rows: [(&str, PickCached); 5] = [
        ("cold", |r| r.cold),
        ("unchanged", |r| r.unchanged),
        ("one edit", |r| r.one_edit),
        ("date edit", |r| r.date_edit),
        ("touched", |r| r.touched),
    ];
    println!("medians over {} runs:", args.runs);
    for (name, pick) in rows {
        let secs = median(&mut rounds.iter().map(|r| pick(r).wall.as_secs_f64()).collect::<Vec<_>>());
        let peak = median(&mut rounds.iter().map(|r| mib(pick(r).peak_bytes)).collect::<Vec<_>>());
        let share = median(
            &mut rounds.iter().map(|r| pick(r).wall.as_secs_f64() / r.cold.wall.as_secs_f64()).collect::<Vec<_>>(),
        );
        let versus = if name == "cold" { String::new() } else { format!(", {:.1}% of cold", share * 100.0) };
        println!("  {name:<10} {secs:>7.3} s  peak {peak:>6.1} MiB{versus}");
    }
    Ok(())
}

fn bench(args: &Args) -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    build_binaries(root)?;
    let corpus = corpus(root, args)?;
    let feedgen = root.join("target/release/feedgen");
    if args.cache {
        println!("machine: {}", machine());
        return bench_cache(args, &feedgen, &corpus);
    }
    let archived = if args.archives { "-archives" } else { "" };
    let current = root.join(format!("target/bench/out-{}-s{}{archived}", args.count, args.seed));
    let empty = root.join("target/bench/out-first-build");
    println!("machine: {}", machine());
    println!(
        "corpus: {} records in {}{}",
        args.count,
        corpus.display(),
        if args.archives { "; with archives" } else { "" }
    );
    round(&feedgen, &corpus, &current, &empty, args.archives)?;
    println!(
        "{:>4} {:>9} {:>9} {:>12} {:>10} {:>10} {:>10}",
        "run", "check s", "build s", "first bld s", "check MiB", "build MiB", "first MiB"
    );
    let mut rounds = Vec::new();
    for run in 1..=args.runs {
        let r = round(&feedgen, &corpus, &current, &empty, args.archives)?;
        println!(
            "{run:>4} {:>9.3} {:>9.3} {:>12.3} {:>10.1} {:>10.1} {:>10.1}",
            r.check.wall.as_secs_f64(),
            r.build.wall.as_secs_f64(),
            r.first_build.wall.as_secs_f64(),
            mib(r.check.peak_bytes),
            mib(r.build.peak_bytes),
            mib(r.first_build.peak_bytes)
        );
        rounds.push(r);
    }
    let seconds =
        |pick: fn(&Round) -> Run| median(&mut rounds.iter().map(|r| pick(r).wall.as_secs_f64()).collect::<Vec<_>>());
    let peak =
        |pick: fn(&Round) -> Run| median(&mut rounds.iter().map(|r| mib(pick(r).peak_bytes)).collect::<Vec<_>>());
    let ratio = |pick: Pick| {
        median(&mut rounds.iter().map(|r| pick(r).wall.as_secs_f64() / r.check.wall.as_secs_f64()).collect::<Vec<_>>())
    };
    let rate = |secs: f64| args.count as f64 / secs;
    let rows: [(&str, Pick); 3] = [("check", |r| r.check), ("build", |r| r.build), ("first build", |r| r.first_build)];
    println!("medians over {} runs:", args.runs);
    for (name, pick) in rows {
        let secs = seconds(pick);
        let versus = if name == "check" { String::new() } else { format!(", {:.2}× check", ratio(pick)) };
        println!("  {name:<11} {secs:>7.3} s  {:>9.0} records/s  peak {:>6.1} MiB{versus}", rate(secs), peak(pick));
    }
    Ok(())
}

fn main() -> ExitCode {
    match parse_args().and_then(|args| bench(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench: {message}");
            ExitCode::FAILURE
        }
    }
}
