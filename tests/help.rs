//! `--help` and `--version`: every command shows an example of itself, and
//! a command line clap cannot parse is a usage error.

mod common;

use common::*;

/// Every subcommand, in the order `feedgen --help` lists them.
const COMMANDS: [&str; 7] = ["init", "build", "check", "serve", "list", "completions", "man"];

/// The lines after `Examples:` in a help text.
fn examples(help: &str) -> Vec<&str> {
    help.lines().skip_while(|line| *line != "Examples:").skip(1).take_while(|line| !line.is_empty()).collect()
}

#[test]
fn every_command_s_help_ends_with_an_example_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let top = run_feedgen(dir.path(), &["--help"], &[]);
    assert_eq!(top.status.code(), Some(0));
    let help = stdout_of(&top);
    let listed: Vec<&str> = help
        .lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .collect();
    assert_eq!(listed, COMMANDS, "the commands this test knows are not the ones feedgen has");
    assert!(examples(&help).iter().any(|line| line.starts_with("  feedgen ")), "feedgen --help:\n{help}");

    for command in COMMANDS {
        let output = run_feedgen(dir.path(), &[command, "--help"], &[]);
        assert_eq!(output.status.code(), Some(0), "{command}: {}", stderr_of(&output));
        let help = stdout_of(&output);
        let invocation = format!("  feedgen {command}");
        assert!(examples(&help).iter().any(|line| line.starts_with(&invocation)), "feedgen {command} --help:\n{help}");
    }
}

#[test]
fn version_prints_the_package_version() {
    let dir = tempfile::tempdir().unwrap();
    let output = run_feedgen(dir.path(), &["--version"], &[]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout_of(&output), format!("feedgen {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn no_command_or_an_unknown_flag_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&[][..], &["--no-such-flag"], &["frobnicate"], &["init", "--no-such-flag"]] {
        let output = run_feedgen(dir.path(), args, &[]);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stderr_of(&output).contains("Usage: feedgen"), "{args:?}: {}", stderr_of(&output));
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "something was written");
}
