//! After a build (`feedgen build --ping`): telling the WebSub hub which
//! feed documents changed, so that it fetches them and pushes the new items
//! to subscribers at once, instead of readers finding them at their next
//! poll.
//!
//! Each subscription document the build added or changed is announced with
//! one publish notification: a form POST of `hub.mode=publish` and
//! `hub.url=<the document's absolute URL>`, the notification WebSub hubs
//! take (the W3C Recommendation leaves it to the hub; this is the one of
//! PubSubHubbub 0.4, which hubs kept). Unchanged documents, archive
//! documents (nobody subscribes to them, and they name no hub), pages and
//! the index are not announced.
//!
//! The feeds are already written when the hub is told, so a hub that fails
//! costs subscribers an early update, never the build: [`ping`] returns a
//! [`PingError`] the command prints as a warning, and the documents it did
//! not announce are remembered in the output folder ([`PINGS_NAME`]) for
//! the next ping. Its time is bounded: an
//! attempt ends after `ping_timeout`, a failed one is tried again after 1 s
//! and then 2 s (three attempts in all), and the first document the hub
//! does not take ends the pings, so a hub that is down costs at most
//! 3 × `ping_timeout` + 3 s.

use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use thiserror::Error;
use url::Url;
use url::form_urlencoded;

use crate::config::Settings;
use crate::english::counted;
use crate::model::{PINGS_NAME, is_subscription_path, local_path};
use crate::write;
use crate::write::Changes;

/// Attempts at one notification before the hub is taken to be down.
const ATTEMPTS: usize = 3;

/// The wait before each attempt after the first.
const BACKOFF: [Duration; ATTEMPTS - 1] = [Duration::from_secs(1), Duration::from_secs(2)];

/// How often a wait looks at the stop flag.
const STOP_POLL: Duration = Duration::from_millis(50);

/// The most characters of a hub's plain-text answer a message quotes.
const QUOTED_ANSWER: usize = 120;

/// What the hub was told by [`ping`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinged {
    /// The hub (`hub_url`).
    pub hub: Url,
    /// The feed documents the hub took a notification for, by absolute URL
    /// (the one each names itself by, `rel="self"`), in the order they were
    /// sent: every subscription document the build added or changed, and
    /// those an earlier build could not announce, in path order. Empty when
    /// there were none, and then the hub was not contacted.
    pub announced: Vec<Url>,
    /// How many of them an earlier build could not announce.
    pub left_from_before: usize,
}

/// Why [`ping`] did not announce every changed feed document. The feeds
/// are written either way: this is a warning about the hub, not a failed
/// build.
#[derive(Debug, Error)]
pub enum PingError {
    /// The settings name no hub (`hub_url`).
    #[error("no hub to tell: set hub_url to your WebSub hub, such as https://pubsubhubbub.appspot.com/")]
    NoHub,
    /// A document's notification failed every attempt (or was refused, and
    /// not tried again), so the hub was taken to be down and the documents
    /// after it were not tried.
    #[error(
        "the hub {hub} did not take the news of {document} ({cause}; {}): {} not announced{}; the feeds \
         are written, and readers get them at their next poll",
        counted(*attempts, "attempt"),
        counted(*not_announced, "changed feed document"),
        if *announced > 0 { format!(" ({announced} announced before)") } else { String::new() }
    )]
    HubFailed {
        /// The hub's address.
        hub: String,
        /// The absolute URL of the document whose notification failed.
        document: String,
        /// What went wrong the last time: the hub's answer, or why there
        /// was none.
        cause: String,
        /// How many attempts were made for it.
        attempts: usize,
        /// How many documents the hub took before it.
        announced: usize,
        /// How many documents were not announced: this one and every one
        /// after it.
        not_announced: usize,
    },
    /// Asked to stop (Ctrl-C) before every document was announced.
    #[error(
        "stopped telling the hub {hub}: {} not announced{}",
        counted(*not_announced, "changed feed document"),
        if *announced > 0 { format!(" ({announced} announced before)") } else { String::new() }
    )]
    Stopped {
        /// The hub's address.
        hub: String,
        /// How many documents the hub took.
        announced: usize,
        /// How many were not announced.
        not_announced: usize,
    },
}

/// The subscription documents among those `changes` added or changed, by
/// path: what [`ping`] announces.
fn changed_documents(changes: &Changes) -> BTreeSet<String> {
    changes.added.iter().chain(&changes.changed).filter(|path| is_subscription_path(path)).cloned().collect()
}

/// The documents an earlier `build --ping` could not announce, as listed
/// in `output`'s [`PINGS_NAME`]: those still in the folder (one removed
/// since needs no news), by path.
fn left_from_before(output: &Path) -> Vec<String> {
    let text = fs::read(output.join(PINGS_NAME)).map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
    text.unwrap_or_default()
        .lines()
        .filter(|path| is_subscription_path(path) && local_path(output, path).is_file())
        .map(str::to_owned)
        .collect()
}

/// Remember the documents of `paths` for the next `build --ping`, or
/// forget them all when none is left. Best effort: a folder that cannot
/// take the file only loses the reminder.
fn leave_for_later(output: &Path, paths: &[String]) {
    if paths.is_empty() {
        let _ = fs::remove_file(output.join(PINGS_NAME));
        return;
    }
    let mut text = String::from(PINGS_HEADER);
    for path in paths {
        text.push_str(path);
        text.push('\n');
    }
    let _ = write::put_own_file(output, PINGS_NAME, text.as_bytes());
}

const PINGS_HEADER: &str = "# Feed documents the WebSub hub has not been told about yet: the next\n\
                            # `feedgen build --ping` announces them.\n";

/// How one attempt ended.
enum Attempt {
    /// A 2xx answer.
    Taken,
    /// No answer, or one worth trying again after a wait (5xx, 429).
    Failed(String),
    /// An answer that trying again would not change (another 4xx, a 3xx),
    /// or a failure of ours (a TLS setting, a proxy address).
    Refused(String),
}

/// The form a publish notification for `document` sends.
fn publish_form(document: &Url) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("hub.mode", "publish")
        .append_pair("hub.url", document.as_str())
        .finish()
}

/// The HTTP client: every attempt ends within `timeout` (connecting and
/// the whole exchange), redirects are not followed (a POST that is
/// redirected loses its form), and every status is an answer to read.
fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(concat!("feedgen/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Text from the hub, fit for one line of a terminal: control characters
/// (escape sequences included) become `�`, and it is cut short.
fn printable(text: &str) -> String {
    let text = text.trim();
    let mut shown: String =
        text.chars().take(QUOTED_ANSWER).map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect();
    if text.chars().count() > QUOTED_ANSWER {
        shown.push('…');
    }
    shown
}

/// What a message says of a hub's answer that was not a 2xx: the status,
/// where a redirect points, and the first line of a plain-text body, which
/// hubs use to say what they did not like.
fn answered(response: ureq::http::Response<ureq::Body>) -> String {
    let status = response.status();
    let mut said = format!("it answered {} {}", status.as_u16(), status.canonical_reason().unwrap_or_default());
    let header = |name: &str| response.headers().get(name).and_then(|value| value.to_str().ok()).map(printable);
    if let Some(location) = header("location").filter(|_| status.is_redirection()) {
        said.push_str(&format!(", pointing to {location} (set hub_url to the hub's own address)"));
    }
    let plain = header("content-type").is_some_and(|kind| kind.to_ascii_lowercase().starts_with("text/plain"));
    if plain {
        let mut body = Vec::new();
        let _ = response.into_body().into_reader().take(4 * QUOTED_ANSWER as u64).read_to_end(&mut body);
        let text = String::from_utf8_lossy(&body);
        let first = printable(text.lines().find(|line| !line.trim().is_empty()).unwrap_or_default());
        if !first.is_empty() {
            said.push_str(&format!(": {first:?}"));
        }
    }
    said
}

/// Send one publish notification for `document`.
fn attempt(agent: &ureq::Agent, hub: &Url, document: &Url, timeout: Duration) -> Attempt {
    let sent = agent.post(hub.as_str()).content_type("application/x-www-form-urlencoded").send(publish_form(document));
    match sent {
        Ok(response) if response.status().is_success() => Attempt::Taken,
        Ok(response) => {
            let status = response.status();
            let again = status.is_server_error() || status == ureq::http::StatusCode::TOO_MANY_REQUESTS;
            let said = answered(response);
            if again { Attempt::Failed(said) } else { Attempt::Refused(said) }
        }
        Err(ureq::Error::Timeout(_)) => Attempt::Failed(format!("no answer within {} s", timeout.as_secs())),
        Err(ureq::Error::Io(error)) => Attempt::Failed(format!("cannot reach it: {error}")),
        Err(error @ (ureq::Error::HostNotFound | ureq::Error::ConnectionFailed | ureq::Error::Protocol(_))) => {
            Attempt::Failed(format!("cannot reach it: {error}"))
        }
        Err(error) => Attempt::Refused(format!("cannot reach it: {error}")),
    }
}

/// Wait `duration`, or less if asked to stop; whether to go on.
fn wait(duration: Duration, stop: &AtomicBool) -> bool {
    let until = Instant::now() + duration;
    while !stop.load(Ordering::Relaxed) {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        std::thread::sleep(left.min(STOP_POLL));
    }
    false
}

/// Tell the hub (`settings.site.hub_url`) about every subscription feed
/// document that `changes` (a written build's [`Report::output`]) added or
/// changed, and those an earlier ping left unannounced (still in the
/// output folder): one publish notification each, in path order, one at a time,
/// each attempt bounded by `settings.ping_timeout`. A notification is
/// tried up to three times (after waits of 1 s and 2 s) when the hub does
/// not answer, cannot be reached or answers 5xx or 429; another answer that
/// is not a 2xx is not tried again. The first document the hub does not
/// take ends the pings ([`PingError::HubFailed`]), so a hub that is down
/// costs at most 3 × `ping_timeout` + 3 s. Once `stop` is set the pings
/// end ([`PingError::Stopped`]), after the attempt in flight. The documents
/// not announced are listed in the output folder for the next ping; when
/// every one is, the list is removed.
///
/// Call it after [`run`](crate::run) with [`Mode::Write`](crate::Mode),
/// once the files are where the hub will fetch them (a ping before they
/// are served makes the hub fetch the old ones). It pings whether or not
/// `settings.ping` is on: that setting is for the caller to read.
///
/// [`Report::output`]: crate::Report::output
pub fn ping(settings: &Settings, changes: &Changes, stop: &AtomicBool) -> Result<Pinged, PingError> {
    let hub = settings.site.hub_url.clone().ok_or(PingError::NoHub)?;
    let stopped =
        |hub: &Url, announced, not_announced| PingError::Stopped { hub: hub.to_string(), announced, not_announced };
    let mut paths = changed_documents(changes);
    let changed = paths.len();
    paths.extend(left_from_before(&settings.output));
    let left_from_before = paths.len() - changed;
    let paths: Vec<String> = paths.into_iter().collect();
    let documents: Vec<Url> = paths.iter().map(|path| settings.site.url_of(path)).collect();
    let remember = |from: usize| leave_for_later(&settings.output, &paths[from..]);
    let agent = agent(settings.ping_timeout);
    for (sent, document) in documents.iter().enumerate() {
        let not_announced = documents.len() - sent;
        if stop.load(Ordering::Relaxed) {
            remember(sent);
            return Err(stopped(&hub, sent, not_announced));
        }
        let mut attempts = 0;
        let cause = loop {
            attempts += 1;
            match attempt(&agent, &hub, document, settings.ping_timeout) {
                Attempt::Taken => break None,
                Attempt::Failed(_) if attempts < ATTEMPTS => {
                    if !wait(BACKOFF[attempts - 1], stop) {
                        remember(sent);
                        return Err(stopped(&hub, sent, not_announced));
                    }
                }
                Attempt::Failed(cause) | Attempt::Refused(cause) => break Some(cause),
            }
        };
        if let Some(cause) = cause {
            remember(sent);
            let (hub, document) = (hub.to_string(), document.to_string());
            return Err(PingError::HubFailed { hub, document, cause, attempts, announced: sent, not_announced });
        }
    }
    remember(documents.len());
    Ok(Pinged { hub, announced: documents, left_from_before })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Site;

    fn site() -> Site {
        Site {
            title: "Test".into(),
            base_url: Url::parse("https://feeds.test/out/").unwrap(),
            home_url: Url::parse("https://feeds.test/").unwrap(),
            hub_url: Some(Url::parse("https://hub.test/").unwrap()),
            description: String::new(),
            language: None,
            author: "Test".into(),
        }
    }

    fn paths(paths: &[&str]) -> Vec<String> {
        paths.iter().map(|path| path.to_string()).collect()
    }

    #[test]
    fn only_added_and_changed_subscription_documents_are_announced_in_path_order() {
        let changes = Changes {
            added: paths(&["topics/rust.json", "topics/rust.html", "topics/rust/archive/2025.rss.xml"]),
            changed: paths(&[".feedgen-manifest", "all.atom.xml", "index.html", "index.opml", "topics/go.rss.xml"]),
            unchanged: paths(&["all.rss.xml"]),
            removed: paths(&["topics/zig.json"]),
        };
        let urls: Vec<String> =
            changed_documents(&changes).iter().map(|path| site().url_of(path).to_string()).collect();
        assert_eq!(
            urls,
            [
                "https://feeds.test/out/all.atom.xml",
                "https://feeds.test/out/topics/go.rss.xml",
                "https://feeds.test/out/topics/rust.json"
            ]
        );
    }

    #[test]
    fn the_form_names_the_mode_and_the_percent_encoded_document() {
        let document = Url::parse("https://feeds.test/out/topics/c-plus-plus.atom.xml").unwrap();
        assert_eq!(
            publish_form(&document),
            "hub.mode=publish&hub.url=https%3A%2F%2Ffeeds.test%2Fout%2Ftopics%2Fc-plus-plus.atom.xml"
        );
    }

    #[test]
    fn text_from_the_hub_cannot_drive_the_terminal() {
        assert_eq!(printable(" bad\u{1b}[31m topic\u{7} "), "bad\u{FFFD}[31m topic\u{FFFD}");
        assert_eq!(printable(&"x".repeat(500)).chars().count(), QUOTED_ANSWER + 1);
    }
}
