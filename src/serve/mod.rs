//! `feedgen serve`: a local preview of the output folder over HTTP, rebuilt
//! whenever a record or the configuration changes.
//!
//! The preview serves exactly what `feedgen build` writes, with the
//! configured `base_url`, so that what is previewed is what is deployed.
//! A caller binds a [`Server`] (so a busy port fails before any work),
//! starts a [`Watch`], runs the first build itself, and then calls
//! [`Server::run`], which serves until Ctrl-C and tells the caller how each
//! rebuild went through [`Rebuilds`].
//!
//! `http` answers requests (`path` decides which file a path names,
//! `media_type` its type); `watch` rebuilds on change.

mod http;
mod media_type;
mod path;
mod watch;

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

pub use watch::Watch;

use crate::config::ConfigError;
use crate::load::LoadError;
use crate::{BuildError, Report, Settings};

/// Why the preview could not start or stopped.
#[derive(Debug, Error)]
pub enum ServeError {
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
pub enum RebuildError {
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
    /// The build failed (invalid records, say).
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The watcher reported a problem; changes may have been missed.
    #[error("watching for changes: {0}")]
    Watch(#[from] notify::Error),
}

/// What [`Server::run`] needs from its caller while it serves: settings for
/// each rebuild, read afresh (the configuration file may have changed), and
/// someone to tell how each rebuild went. Called from the rebuilding thread.
pub trait Rebuilds: Sync {
    /// The settings to rebuild with.
    fn settings(&self) -> Result<Settings, ConfigError>;
    /// Something changed, and the output folder was rebuilt in `elapsed`.
    fn rebuilt(&self, report: &Report, elapsed: Duration);
    /// Something changed, but no rebuild was written.
    fn failed(&self, error: &RebuildError);
}

/// A bound listening socket, not yet answering.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    address: SocketAddr,
}

impl Server {
    /// Listen on `address` (port 0: any free port). Connections wait in the
    /// socket's queue until [`Server::run`] answers them.
    pub fn bind(address: SocketAddr) -> Result<Server, ServeError> {
        let bind_error = |source| ServeError::Bind { address, source };
        let listener = TcpListener::bind(address).map_err(bind_error)?;
        let address = listener.local_addr().map_err(bind_error)?;
        Ok(Server { listener, address })
    }

    /// The address listened on, with the port chosen when 0 was asked for.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serve `settings.output` until Ctrl-C, rebuilding it on every change
    /// `watch` sees. A failed rebuild leaves the last good files in place
    /// and serving goes on.
    pub fn run(self, settings: &Settings, watch: Watch, caller: &dyn Rebuilds) -> Result<(), ServeError> {
        let root = settings
            .output
            .canonicalize()
            .map_err(|source| ServeError::Output { path: settings.output.clone(), source })?;
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(ServeError::Server)?;
        let (watcher, changes) = watch.into_parts();
        std::thread::scope(|scope| {
            scope.spawn(|| changes.rebuild_on_each(settings, caller));
            let served = runtime.block_on(async {
                self.listener.set_nonblocking(true)?;
                let listener = tokio::net::TcpListener::from_std(self.listener)?;
                axum::serve(listener, http::router(&root)).with_graceful_shutdown(ctrl_c()).await
            });
            // Dropping the watcher ends the rebuilding thread, which the
            // scope then waits for (a rebuild under way finishes first).
            drop(watcher);
            served.map_err(ServeError::Server)
        })
    }
}

/// Resolves on Ctrl-C; never, when the signal cannot be listened for (the
/// process then ends the default way, by the signal itself).
async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}
