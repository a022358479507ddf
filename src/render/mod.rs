//! Stage 5: rendering feeds into bytes, one module per format. Rendering is
//! pure (feeds and site in, bytes out) so that a build can be compared with
//! what is on disk before anything is written.

mod atom;
mod json;
mod rss;

use chrono::{DateTime, SecondsFormat, Utc};
use thiserror::Error;

use crate::group::Feed;
use crate::site::{Family, Format, Site};

/// One file of the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Path relative to the output folder, `/`-separated.
    pub path: String,
    /// The file's complete contents.
    pub bytes: Vec<u8>,
}

/// A feed could not be serialised (a bug in feedgen, not bad input).
#[derive(Debug, Error)]
#[error("cannot render {path}: {message}")]
pub struct RenderError {
    /// The file being rendered.
    pub path: String,
    /// What the serialiser said.
    pub message: String,
}

/// What every format says about a feed as a whole.
struct FeedMeta {
    /// "<site> — <name>", or the site title for the firehose.
    title: String,
    description: String,
    /// Newest `updated` among the feed's items; the Unix epoch for an empty
    /// feed, since no date may come from the clock.
    updated: DateTime<Utc>,
}

impl FeedMeta {
    fn new(feed: &Feed, site: &Site) -> Self {
        let title = match feed.family {
            Family::All => site.title.clone(),
            _ => format!("{} — {}", site.title, feed.name),
        };
        let description = match feed.family {
            Family::All => site.description.clone(),
            Family::Topics => format!("Articles about {} from {}", feed.name, site.title),
            Family::Providers => format!("Articles from {} on {}", feed.name, site.title),
            Family::Categories | Family::Types => format!("{} articles from {}", feed.name, site.title),
        };
        let updated = feed.items.iter().map(|item| item.updated).max().unwrap_or_default();
        FeedMeta { title, description, updated }
    }
}

/// The name feeds give as their generator. No version number: a release
/// of feedgen alone should not change every feed's bytes.
const GENERATOR: &str = "feedgen";

/// RFC 3339 in UTC with a `Z`, as JSON Feed and the HTML pages write dates.
fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Render one feed in one format.
pub fn render_feed(feed: &Feed, site: &Site, format: Format) -> Result<OutputFile, RenderError> {
    let path = feed.path(format);
    let meta = FeedMeta::new(feed, site);
    let self_url = site.url_of(&path).to_string();
    let rendered = match format {
        Format::Rss => rss::render(feed, site, &meta, &self_url),
        Format::Atom => atom::render(feed, site, &meta, &self_url),
        Format::Json => json::render(feed, site, &meta, &self_url),
    };
    rendered.map(|bytes| OutputFile { path: path.clone(), bytes }).map_err(|message| RenderError { path, message })
}

/// Render every feed in every format, in feed order then format order.
pub fn render_all(feeds: &[Feed], site: &Site, formats: &[Format]) -> Result<Vec<OutputFile>, RenderError> {
    feeds.iter().flat_map(|feed| formats.iter().map(move |&format| render_feed(feed, site, format))).collect()
}
