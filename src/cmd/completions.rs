//! `feedgen completions <shell>` and `feedgen man`: what clap knows of the
//! command line, written for shells and for `man`.

use std::io::Write;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{ExitStatus, Failure};

/// Options of `feedgen completions`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  feedgen completions bash > ~/.local/share/bash-completion/completions/feedgen\n  \
                        feedgen completions zsh > ~/.zfunc/_feedgen"
)]
pub struct CompletionsArgs {
    /// The shell to write completions for.
    shell: Shell,
}

/// Print the completion script for the shell asked for.
pub fn run<C: CommandFactory>(args: CompletionsArgs) -> Result<(), Failure> {
    let mut command = C::command();
    clap_complete::generate(args.shell, &mut command, "feedgen", &mut std::io::stdout());
    Ok(())
}

/// Print the man page (roff) of the whole command line.
pub fn man<C: CommandFactory>() -> Result<(), Failure> {
    let mut page = Vec::new();
    clap_mangen::Man::new(C::command())
        .render(&mut page)
        .and_then(|()| std::io::stdout().write_all(&page))
        .map_err(|error| Failure::new(ExitStatus::Failed, format!("cannot write the man page: {error}")))
}
