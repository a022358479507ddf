//! `feedgen completions <shell>`, `feedgen man` and `feedgen help`: what
//! clap knows of the command line, written for shells, for `man` and for
//! people.

use std::path::{Path, PathBuf};

use clap::error::ErrorKind;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{ExitStatus, Failure, stdout};

/// Options of `feedgen completions`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  feedgen completions bash > ~/.local/share/bash-completion/completions/feedgen\n  \
                        feedgen completions zsh > ~/.zfunc/_feedgen"
)]
pub(crate) struct CompletionsArgs {
    /// The shell to write completions for.
    shell: Shell,
}

/// Print the completion script for the shell asked for.
pub(crate) fn run<C: CommandFactory>(args: CompletionsArgs) -> Result<(), Failure> {
    let mut command = C::command();
    // Into memory first: clap_complete panics on a failed write.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "feedgen", &mut script);
    stdout::print_bytes(&script)
}

/// Options of `feedgen man`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  feedgen man > feedgen.1\n  feedgen man | man -l -\n  \
                        feedgen man --dir man/man1    # feedgen.1, feedgen-build.1, …")]
pub(crate) struct ManArgs {
    /// Write a page per command into DIR (created if missing) and print their paths, instead of printing
    /// the main page.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Print the main man page (roff), or with `--dir` write one page per
/// command (`feedgen.1`, `feedgen-build.1`, …) and print their paths.
pub(crate) fn man<C: CommandFactory>(args: ManArgs) -> Result<(), Failure> {
    let command = man_command::<C>();
    match args.dir {
        None => {
            let page = render(&command)
                .map_err(|error| Failure::new(ExitStatus::Failed, format!("cannot write the man page: {error}")))?;
            stdout::print_bytes(&page)
        }
        Some(dir) => write_pages(&command, &dir)?.iter().try_for_each(|path| stdout::print(path.display())),
    }
}

/// The command line as man pages show it: built (so every subcommand has
/// its `feedgen-<name>` page name), without `help`, which needs no page of
/// its own and would otherwise be listed as one.
fn man_command<C: CommandFactory>() -> clap::Command {
    let mut command = C::command().mut_subcommand("help", |help| help.hide(true));
    command.build();
    command
}

/// The page of `command`, naming feedgen and its version as its source
/// (clap would name a subcommand's page after the subcommand alone).
fn render(command: &clap::Command) -> std::io::Result<Vec<u8>> {
    let source = format!("feedgen {}", command.get_version().unwrap_or(env!("CARGO_PKG_VERSION")));
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).source(source).render(&mut page)?;
    Ok(page)
}

/// Write the pages of `command` and of every visible subcommand, at any
/// depth, into `dir`; the paths written, the main page first.
fn write_pages(command: &clap::Command, dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    let failed = |what: &Path, error: std::io::Error| {
        Failure::new(ExitStatus::Failed, format!("cannot write {}: {error}", what.display()))
    };
    std::fs::create_dir_all(dir).map_err(|error| failed(dir, error))?;
    let mut written = Vec::new();
    for command in with_subcommands(command) {
        let path = dir.join(format!("{}.1", command.get_display_name().unwrap_or(command.get_name())));
        render(command).and_then(|page| std::fs::write(&path, page)).map_err(|error| failed(&path, error))?;
        written.push(path);
    }
    Ok(written)
}

/// `command` and its visible subcommands at any depth, each before its own.
fn with_subcommands(command: &clap::Command) -> Vec<&clap::Command> {
    let mut all = vec![command];
    for subcommand in command.get_subcommands().filter(|subcommand| !subcommand.is_hide_set()) {
        all.extend(with_subcommands(subcommand));
    }
    all
}

/// Options of `feedgen help`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  feedgen help build")]
pub(crate) struct HelpArgs {
    /// The command (and subcommand) to show the help of; none for feedgen's own.
    #[arg(value_name = "COMMAND")]
    command: Vec<String>,
}

/// Print what `feedgen COMMAND... --help` prints, by parsing that command
/// line, so the two never differ: the help (exit 0), or clap's own error for
/// a name it does not know (exit 2). A command of its own rather than
/// clap's built-in one, which takes `--help` for a command name.
///
/// Names from the first that starts with `-` on are not command names
/// (they can only come after `--`); left in, a `--` among them would make
/// the `--help` after it an argument.
pub(crate) fn help<C: CommandFactory>(args: HelpArgs) -> ! {
    let names = args.command.iter().map(String::as_str).take_while(|name| !name.starts_with('-'));
    let command_line = ["feedgen"].into_iter().chain(names).chain(["--help"]);
    let error = match C::command().try_get_matches_from(command_line) {
        Err(help_or_error) => help_or_error,
        Ok(_) => C::command().error(ErrorKind::InvalidSubcommand, "no help for that command line"),
    };
    error.exit()
}
