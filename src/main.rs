//! The `feedgen` command: parses arguments, calls the library, prints.

mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: a build allocates and frees
/// millions of small strings from several threads, where glibc's malloc
/// spends a fifth of the time (measured with perf on 100,000 records).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Fault memory in normal pages rather than transparent huge pages. A
/// build holds about 100 MiB for a second or two; with huge pages (which
/// mimalloc asks for) the kernel zeroes 2 MiB at every first touch and
/// compacts memory to find them, which cost a 100,000-record build about a
/// tenth of its system time and 10 MiB of peak memory (measured with perf and
/// paired timings). Best effort: where the switch is missing, nothing changes.
fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

/// The examples `feedgen --help` ends with: the preview too, where there is one.
const EXAMPLES: &str = if cfg!(feature = "serve") {
    "Examples:\n  feedgen init my-feeds && cd my-feeds && feedgen build\n  \
     feedgen serve    # preview at http://127.0.0.1:8000/"
} else {
    "Examples:\n  feedgen init my-feeds && cd my-feeds && feedgen build"
};

/// Turn a folder of article records into static RSS, Atom and JSON feeds.
#[derive(Debug, Parser)]
#[command(name = "feedgen", version, about, disable_help_subcommand = true, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The commands. `serve` is there only when the binary is built with the
/// `serve` cargo feature (the default): built without it
/// (`--no-default-features`), feedgen has no preview server, and
/// `feedgen serve` is refused as any unknown command is (clap's
/// "unrecognized subcommand", exit 2).
#[derive(Debug, Subcommand)]
enum Command {
    /// Start a site: write a commented feedgen.yaml and an example record, overwriting nothing.
    Init(cmd::init::InitArgs),
    /// Build every feed from the records into the output folder.
    Build(cmd::build::BuildArgs),
    /// Parse and validate every record, building nothing.
    Check(cmd::check::CheckArgs),
    /// Build, then serve the output folder on a local port, rebuilding it when an input changes.
    #[cfg(feature = "serve")]
    Serve(cmd::serve::ServeArgs),
    /// List the feeds a build would write: path, item count, newest date, name.
    List(cmd::list::ListArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(cmd::completions::CompletionsArgs),
    /// Print the man page (roff), or write a page per command with --dir.
    Man(cmd::completions::ManArgs),
    /// Print the help of feedgen or of a command (the same as `feedgen COMMAND --help`).
    Help(cmd::completions::HelpArgs),
}

fn main() -> ExitCode {
    without_huge_pages();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Init(args) => cmd::init::run(args),
        Command::Build(args) => cmd::build::run(args),
        Command::Check(args) => cmd::check::run(args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => cmd::serve::run(args),
        Command::List(args) => cmd::list::run(args),
        Command::Completions(args) => cmd::completions::run::<Cli>(args),
        Command::Man(args) => cmd::completions::man::<Cli>(args),
        Command::Help(args) => cmd::completions::help::<Cli>(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            failure.print();
            ExitCode::from(failure.code as u8)
        }
    }
}
