//! `--help` and `--version`: every command shows an example of itself, and
//! a command line clap cannot parse is a usage error.

mod common;

use common::*;

/// Every subcommand, in the order `feedgen --help` lists them (`serve` in a
/// binary built with it).
const COMMANDS: &[&str] = if cfg!(feature = "serve") {
    &["init", "build", "check", "serve", "list", "completions", "man"]
} else {
    &["init", "build", "check", "list", "completions", "man"]
};

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

    for &command in COMMANDS {
        let output = run_feedgen(dir.path(), &[command, "--help"], &[]);
        assert_eq!(output.status.code(), Some(0), "{command}: {}", stderr_of(&output));
        let help = stdout_of(&output);
        let invocation = format!("  feedgen {command}");
        assert!(examples(&help).iter().any(|line| line.starts_with(&invocation)), "feedgen {command} --help:\n{help}");
    }
}

#[test]
fn help_help_prints_the_help_of_help() {
    let dir = tempfile::tempdir().unwrap();
    for flag in ["--help", "-h"] {
        let output = run_feedgen(dir.path(), &["help", flag], &[]);
        assert_eq!(output.status.code(), Some(0), "help {flag}: {}", stderr_of(&output));
        let help = stdout_of(&output);
        assert!(help.contains("Usage: feedgen help [COMMAND]"), "help {flag}:\n{help}");
        assert!(examples(&help).contains(&"  feedgen help build"), "help {flag}:\n{help}");
    }
}

#[test]
fn help_command_prints_what_command_help_prints() {
    let dir = tempfile::tempdir().unwrap();
    let top = run_feedgen(dir.path(), &["--help"], &[]);
    let help = run_feedgen(dir.path(), &["help"], &[]);
    assert_eq!((help.status.code(), stdout_of(&help)), (Some(0), stdout_of(&top)));
    for &command in COMMANDS {
        let direct = run_feedgen(dir.path(), &[command, "--help"], &[]);
        let via_help = run_feedgen(dir.path(), &["help", command], &[]);
        assert_eq!(via_help.status.code(), Some(0), "help {command}: {}", stderr_of(&via_help));
        assert_eq!(stdout_of(&via_help), stdout_of(&direct), "help {command}");
    }
    let unknown = run_feedgen(dir.path(), &["help", "biuld"], &[]);
    assert_eq!(unknown.status.code(), Some(2));
    let message = stderr_of(&unknown);
    assert!(message.contains("unrecognized subcommand 'biuld'") && message.contains("'build'"), "{message}");
}

#[test]
fn help_of_a_command_line_with_dashes_after_double_dash_prints_help_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let direct = run_feedgen(dir.path(), &["init", "--help"], &[]);
    for args in [&["help", "init", "--", "--"][..], &["help", "init", "--", "--help"], &["help", "init", "--", "-x"]] {
        let output = run_feedgen(dir.path(), args, &[]);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {}", stderr_of(&output));
        assert_eq!(stdout_of(&output), stdout_of(&direct), "{args:?}");
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
