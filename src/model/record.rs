//! A validated article record: what the loader hands to the rest of the
//! pipeline. Fields keep the record's own text (not yet cleaned for XML);
//! [`crate::prepare`] turns a record into feed-ready data.
//!
//! The record's `secured` value is deliberately absent: it is never read
//! into memory past the YAML parser, so nothing downstream can leak it.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

/// One article, as read from one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The file the record came from, for messages. (Not stored with the
    /// rest: the build cache keeps records by their file's path.)
    #[serde(skip)]
    pub source: PathBuf,
    /// Plain-text title, never empty.
    pub title: String,
    /// `publishedDateTime`, in UTC.
    #[serde(with = "instant")]
    pub published: DateTime<Utc>,
    /// `updatedDateTime`, or `published` when absent or earlier.
    #[serde(with = "instant")]
    pub updated: DateTime<Utc>,
    /// `originalUrl`, else `webUrl`: absolute http(s). Also the item's id,
    /// unless the record gives one.
    pub link: Url,
    /// `id`: the item's permanent id (an absolute URI, as written), which
    /// stays when the link is edited; `None` when the link is the id.
    pub id: Option<String>,
    /// `ampWebUrl`, kept as written; never used for links.
    pub amp_web_url: Option<String>,
    /// `cdnAmpWebUrl`, kept as written; never used for links.
    pub cdn_amp_web_url: Option<String>,
    /// HTML fragment, as written in the record.
    pub excerpt: Option<String>,
    /// HTML, e.g. a video embed.
    pub featured_content: Option<String>,
    /// `type`: `article`, `video`, …
    pub kind: Option<String>,
    /// `category`, e.g. `news`.
    pub category: Option<String>,
    /// Editorial score.
    pub quality: Option<i64>,
    /// Editorial score.
    pub heat: Option<i64>,
    /// `published`; only `true` records reach the pipeline unless the build
    /// asks for unpublished ones.
    pub is_published: bool,
    /// The publisher.
    pub provider: Option<Provider>,
    /// Topic names as written (non-empty).
    pub topics: Vec<String>,
    /// Extra category names (non-empty).
    pub tags: Vec<String>,
    /// Article images.
    pub images: Vec<Image>,
    /// Related articles, used as links only.
    pub related: Vec<Related>,
    /// Markdown body after the front matter (may be empty).
    pub body: String,
}

/// The publisher of a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provider {
    /// Display name.
    pub name: Option<String>,
    /// Domain such as `www.example.com`; provider feeds are keyed by it.
    pub domain: Option<String>,
    /// Logos; the first becomes a provider feed's icon.
    pub images: Vec<Image>,
}

/// An image with an absolute http(s) URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Image {
    /// Where the image lives.
    pub url: Url,
    /// Width in pixels.
    pub width: Option<u32>,
    /// Height in pixels.
    pub height: Option<u32>,
    /// Whether the publisher's CDN caches it (`isCached`).
    pub is_cached: Option<bool>,
    /// Caption or alt text.
    pub title: Option<String>,
}

/// A related article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Related {
    /// Title as written; may be absent (the link is shown instead).
    pub title: Option<String>,
    /// `originalUrl`, else `webUrl`.
    pub link: Url,
    /// HTML fragment.
    pub excerpt: Option<String>,
    /// When it was published, if given.
    pub published: Option<DateTime<Utc>>,
    /// Its publisher's name.
    pub provider_name: Option<String>,
}

/// A moment stored as seconds and nanoseconds since the Unix epoch (the
/// build cache keeps records so): exact, and quicker to read back than text.
mod instant {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error};

    pub(super) fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
        (at.timestamp(), at.timestamp_subsec_nanos()).serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
        let (seconds, nanoseconds) = <(i64, u32)>::deserialize(deserializer)?;
        DateTime::from_timestamp(seconds, nanoseconds).ok_or_else(|| D::Error::custom("a moment out of range"))
    }
}
