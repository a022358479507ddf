//! The record as YAML spells it. serde_yaml checks syntax and types here
//! (and reports their positions); [`super::validate`] checks meaning.
//! Unknown keys, including `secured`, are skipped by serde and never stored.

use serde::Deserialize;

/// The keys of a record (and of a `related` entry, which may be a whole
/// record), as the field table of `docs/records.md` lists them. `secured`
/// is among them: it is expected, and deliberately never read.
pub(super) const RECORD_KEYS: &[&str] = &[
    "title",
    "publishedDateTime",
    "updatedDateTime",
    "originalUrl",
    "webUrl",
    "ampWebUrl",
    "cdnAmpWebUrl",
    "excerpt",
    "featuredContent",
    "type",
    "category",
    "quality",
    "heat",
    "published",
    "provider",
    "topics",
    "tags",
    "images",
    "related",
    "id",
    "secured",
];

/// The keys of `provider`.
pub(super) const PROVIDER_KEYS: &[&str] = &["name", "domain", "images"];

/// The keys of an image.
pub(super) const IMAGE_KEYS: &[&str] = &["url", "width", "height", "isCached", "title"];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "front matter made of `key: value` lines")]
pub(super) struct RawRecord {
    pub title: Option<String>,
    pub published_date_time: Option<String>,
    pub updated_date_time: Option<String>,
    pub original_url: Option<String>,
    pub web_url: Option<String>,
    pub amp_web_url: Option<String>,
    pub cdn_amp_web_url: Option<String>,
    pub excerpt: Option<String>,
    pub featured_content: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub category: Option<String>,
    pub quality: Option<i64>,
    pub heat: Option<i64>,
    #[serde(default, deserialize_with = "written")]
    pub published: Option<PublishedValue>,
    pub provider: Option<RawProvider>,
    /// Entries may be `null` (`topics: [AI, ~]`); those are no names.
    pub topics: Option<Vec<Option<String>>>,
    pub tags: Option<Vec<Option<String>>>,
    pub images: Option<Vec<RawImage>>,
    pub related: Option<Vec<RawRelated>>,
    pub id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawProvider {
    pub name: Option<String>,
    pub domain: Option<String>,
    pub images: Option<Vec<RawImage>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RawImage {
    pub url: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub is_cached: Option<bool>,
    pub title: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RawRelated {
    pub title: Option<String>,
    pub excerpt: Option<String>,
    pub published_date_time: Option<String>,
    pub original_url: Option<String>,
    pub web_url: Option<String>,
    pub provider: Option<RawProvider>,
}

/// `published` as written. Only a YAML boolean counts; anything else (the
/// YAML 1.1 spellings `no`, `off`, `yes`, a quoted `"false"`) is kept as
/// written so that validation can refuse it with a message of its own.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub(super) enum PublishedValue {
    Flag(bool),
    Other(serde_yaml::Value),
}

impl PublishedValue {
    /// Whether the record is marked `published: false`, and nothing else.
    pub(super) fn is_false(value: Option<&Self>) -> bool {
        matches!(value, Some(PublishedValue::Flag(false)))
    }
}

/// Just the `published` flag, read when the full record fails to parse, so
/// that an unfinished draft marked `published: false` is skipped, not reported.
#[derive(Debug, Deserialize)]
pub(super) struct PublishedFlag {
    #[serde(default, deserialize_with = "written")]
    pub published: Option<PublishedValue>,
}

/// `Some` whenever the key is written, even as `published:` or `~`: only an
/// absent key means "published", and an empty value is refused like any
/// other non-boolean (Jekyll leaves an empty `published:` unpublished).
fn written<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<PublishedValue>, D::Error> {
    PublishedValue::deserialize(deserializer).map(Some)
}

/// Whether the front matter has a top-level line `published: false` (or
/// `False`, `FALSE`; a comment allowed): a cheap test, before parsing, so that a draft
/// is left out even when it is too large, too deep or broken to parse.
/// A line like it inside a multi-line string would leave a record out,
/// never publish one.
pub(super) fn marked_unpublished(yaml: &str) -> bool {
    yaml.lines().any(|line| {
        let Some(value) = line.strip_prefix("published") else { return false };
        let Some(value) = value.trim_start_matches([' ', '\t']).strip_prefix(':') else { return false };
        let value = value.split(" #").next().unwrap_or_default().trim();
        matches!(value, "false" | "False" | "FALSE")
    })
}
