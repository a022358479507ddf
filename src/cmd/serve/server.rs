//! The preview server: a socket bound before the first build, answering
//! with the output folder's files until Ctrl-C, while the watch rebuilds
//! that folder on change.

use std::future::IntoFuture;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::time::Duration;

use thiserror::Error;

use feedgen::ConfigError;
use feedgen::LoadError;
use feedgen::{BuildError, Report, Settings};

use super::http;
use super::watch::Watch;
use crate::cmd::ExitStatus;

/// Why the preview could not start or stopped.
#[derive(Debug, Error)]
pub(crate) enum ServeError {
    /// The address cannot be listened on (in use, or not this machine's).
    #[error("cannot listen on {address}: {source}; choose another --port or --bind")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// An input is missing.
    #[error(transparent)]
    Input(LoadError),
    /// An input or the configuration file cannot be watched.
    #[error("cannot watch {} for changes: {source}", .path.display())]
    Watch {
        /// What was to be watched.
        path: PathBuf,
        /// Why.
        source: notify::Error,
    },
    /// The output folder to serve cannot be found.
    #[error("cannot serve {}: {source}", .path.display())]
    Output {
        /// The output folder.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The server could not start its runtime, or failed while running.
    #[error("the server failed: {0}")]
    Server(io::Error),
}

/// Why a rebuild wrote nothing. The files of the last good build are still
/// served, and the next change is tried again.
#[derive(Debug, Error)]
pub(super) enum RebuildError {
    /// The configuration, read again, is not valid.
    #[error(transparent)]
    Settings(#[from] ConfigError),
    /// The configuration now names other inputs or another output folder:
    /// a running preview keeps watching and serving the ones it started with.
    #[error(
        "the configuration now names other inputs or another output folder; \
         restart feedgen serve to watch and serve them"
    )]
    Moved,
    /// The caller refused the settings read afresh (they would put drafts
    /// into the folder that is deployed, say); the message says why.
    #[error("{0}")]
    Refused(String),
    /// The build failed (invalid records, say).
    #[error(transparent)]
    Build(#[from] BuildError),
}

/// What [`Server::run`] needs from its caller while it serves: settings for
/// each rebuild, read afresh (the configuration file may have changed), and
/// someone to tell when the server answers and how each rebuild went.
/// Called from the rebuilding thread, but for [`Rebuilds::serving`].
pub(super) trait Rebuilds: Sync {
    /// The settings to rebuild with, or why there are none.
    fn settings(&self) -> Result<Settings, RebuildError>;
    /// Something changed, and the output folder was rebuilt in `elapsed`.
    fn rebuilt(&self, report: &Report, elapsed: Duration);
    /// Something changed, but no rebuild was written.
    fn failed(&self, error: RebuildError);
    /// The watcher reported `error`: changes may have been missed, so a
    /// rebuild follows (once changes settle) as if one had been seen.
    fn missed(&self, error: &notify::Error);
    /// The server answers on `address`, and Ctrl-C now stops it gracefully.
    /// Called once, from the serving thread.
    fn serving(&self, address: SocketAddr);
}

/// A bound listening socket, not yet answering.
#[derive(Debug)]
pub(super) struct Server {
    listener: TcpListener,
    address: SocketAddr,
}

impl Server {
    /// Listen on `address` (port 0: any free port). Connections wait in the
    /// socket's queue until [`Server::run`] answers them.
    pub(super) fn bind(address: SocketAddr) -> Result<Server, ServeError> {
        let bind_error = |source| ServeError::Bind { address, source };
        let listener = TcpListener::bind(address).map_err(bind_error)?;
        let address = listener.local_addr().map_err(bind_error)?;
        Ok(Server { listener, address })
    }

    /// Serve `settings.output` until Ctrl-C, rebuilding it on every change
    /// `watch` sees. A failed rebuild leaves the last good files in place
    /// and serving goes on.
    ///
    /// Ctrl-C stops accepting connections and gives the requests in flight
    /// [`GRACE`] to finish; connections still open then (a client that
    /// never finishes sending its request: hyper has no timeout for that
    /// here, and would be waited for forever) are dropped, and `run`
    /// returns `Ok`. A rebuild under way finishes first.
    /// A second Ctrl-C, at any point after the first, ends the process at
    /// once with status 130 (as a process killed by SIGINT reports it).
    pub(super) fn run(self, settings: &Settings, watch: Watch, caller: &dyn Rebuilds) -> Result<(), ServeError> {
        let root = settings
            .output
            .canonicalize()
            .map_err(|source| ServeError::Output { path: settings.output.clone(), source })?;
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(ServeError::Server)?;
        let (watcher, changes) = watch.into_parts();
        let served = std::thread::scope(|scope| {
            scope.spawn(|| changes.rebuild_on_each(settings, caller));
            let served = runtime.block_on(self.serve(&root, caller));
            // Dropping the watcher ends the rebuilding thread, which the
            // scope then waits for (a rebuild under way finishes first).
            drop(watcher);
            served
        });
        // The connections left after the grace period are dropped, without
        // waiting for the runtime's threads (a file read may be under way).
        runtime.shutdown_background();
        served.map_err(ServeError::Server)
    }

    /// Answer requests until the first Ctrl-C, then for at most [`GRACE`].
    async fn serve(self, root: &Path, caller: &dyn Rebuilds) -> io::Result<()> {
        self.listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(self.listener)?;
        // Listening for Ctrl-C starts before the caller announces the
        // address: whoever waits for that line and then interrupts gets the
        // graceful stop, not the signal's default (death by SIGINT).
        let mut interrupts = Interrupts::listen();
        caller.serving(self.address);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = axum::serve(listener, http::router(root, self.address.ip()))
            .with_graceful_shutdown(async {
                // An error means `stop` was dropped: the server is ending anyway.
                let _ = stopped.await;
            })
            .into_future();
        let mut server = std::pin::pin!(server);
        tokio::select! {
            served = &mut server => return served,
            () = interrupts.next() => {}
        }
        // The server stops accepting and closes each connection once its
        // request is answered; an error means the server has already ended.
        let _ = stop.send(());
        tokio::spawn(async move {
            interrupts.next().await;
            std::process::exit(ExitStatus::Interrupted as i32);
        });
        match tokio::time::timeout(GRACE, server).await {
            Ok(served) => served,
            Err(_connections_still_open) => Ok(()),
        }
    }
}

/// How long requests in flight may take to finish after Ctrl-C.
const GRACE: Duration = Duration::from_secs(1);

/// Ctrl-C, as a stream of signals: listened for from [`Interrupts::listen`]
/// on, so none is lost between two waits.
#[derive(Debug)]
struct Interrupts {
    /// `None` when the signal cannot be listened for: the process then ends
    /// the default way, by the signal itself.
    #[cfg(unix)]
    signals: Option<tokio::signal::unix::Signal>,
    #[cfg(windows)]
    signals: Option<tokio::signal::windows::CtrlC>,
}

impl Interrupts {
    /// Start listening (within a runtime).
    fn listen() -> Interrupts {
        #[cfg(unix)]
        let signals = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
        #[cfg(windows)]
        let signals = tokio::signal::windows::ctrl_c().ok();
        Interrupts { signals }
    }

    /// The next Ctrl-C; never, when it cannot be listened for.
    async fn next(&mut self) {
        let received = match &mut self.signals {
            Some(signals) => signals.recv().await.is_some(),
            None => false,
        };
        if !received {
            std::future::pending::<()>().await;
        }
    }
}
