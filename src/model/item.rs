//! A feed item: a record made ready for every format. Every string is
//! clean for XML and every HTML fragment sanitised ([`crate::prepare`]
//! makes items), so the renderers only copy fields into their formats.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// A feed item, ready for any format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Permanent, unique id: the record's `id`, else its link (the same
    /// link is one item).
    pub id: String,
    /// The article's URL.
    pub link: String,
    /// Plain-text title.
    pub title: String,
    /// First publication.
    pub published: DateTime<Utc>,
    /// Last change (never before `published`).
    pub updated: DateTime<Utc>,
    /// The excerpt as sanitised HTML.
    pub summary_html: Option<String>,
    /// The excerpt as plain text.
    pub summary_text: Option<String>,
    /// Full content: featured media, the body (or the excerpt), related links.
    /// `None` when the record has nothing beyond its excerpt.
    pub content_html: Option<String>,
    /// The record's `type`.
    pub kind: Option<String>,
    /// The record's `category`.
    pub category: Option<String>,
    /// Topic names (grouping replaces them by each topic's display name).
    pub topics: Vec<String>,
    /// Extra category names.
    pub tags: Vec<String>,
    /// The publisher.
    pub provider: Option<ItemProvider>,
    /// Article images.
    pub images: Vec<ItemImage>,
    /// Related articles.
    pub related: Vec<ItemLink>,
}

/// What grouping looks at: an item's names. Borrowed from an [`Item`], or
/// from the labels of a record not yet prepared (`prepare::Labels`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Facets<'a> {
    /// Topic names.
    pub(crate) topics: &'a [String],
    /// The publisher.
    pub(crate) provider: Option<&'a ItemProvider>,
    /// The record's `category`.
    pub(crate) category: Option<&'a str>,
    /// The record's `type`.
    pub(crate) kind: Option<&'a str>,
}

impl<'a> Facets<'a> {
    /// The facets of the fields an [`Item`] and its labels share.
    pub(crate) fn of(
        topics: &'a [String],
        provider: &'a Option<ItemProvider>,
        category: &'a Option<String>,
        kind: &'a Option<String>,
    ) -> Self {
        Facets { topics, provider: provider.as_ref(), category: category.as_deref(), kind: kind.as_deref() }
    }
}

#[cfg(any(test, feature = "reference"))]
impl Item {
    /// The names grouping looks at (the reference groups prepared items).
    pub(crate) fn facets(&self) -> Facets<'_> {
        Facets::of(&self.topics, &self.provider, &self.category, &self.kind)
    }
}

/// A publisher, as feeds show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemProvider {
    /// Display name (the domain when the record gives none).
    pub name: String,
    /// Normalised domain (lowercase, no `www.`): the provider feed's key.
    pub domain: Option<String>,
    /// `https://<domain>/`, when the domain is a valid host name.
    pub home: Option<String>,
    /// The first logo's URL.
    pub logo: Option<String>,
}

/// An image, as feeds show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemImage {
    /// Absolute URL.
    pub url: String,
    /// Width in pixels.
    pub width: Option<u32>,
    /// Height in pixels.
    pub height: Option<u32>,
    /// Plain-text caption.
    pub title: Option<String>,
    /// Media type guessed from the file extension, when it is a known one
    /// (`image/jpeg`, `image/png`, `image/gif`, `image/webp`, `image/avif` or
    /// `image/svg+xml`).
    pub media_type: Option<&'static str>,
}

/// A titled link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemLink {
    /// Absolute URL.
    pub url: String,
    /// Plain-text title (the URL when the record gives none).
    pub title: String,
    /// Plain-text publisher name.
    pub provider: Option<String>,
}

/// The media types an [`ItemImage`] may have.
pub(crate) const IMAGE_MEDIA_TYPES: [&str; 6] =
    ["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "image/svg+xml"];

/// An [`ItemImage`] as serde reads it back: its media type as a string,
/// which becomes the same entry of [`IMAGE_MEDIA_TYPES`] (anything else
/// becomes none).
#[derive(Deserialize)]
struct WrittenImage {
    url: String,
    width: Option<u32>,
    height: Option<u32>,
    title: Option<String>,
    media_type: Option<String>,
}

impl<'de> Deserialize<'de> for ItemImage {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let WrittenImage { url, width, height, title, media_type } = WrittenImage::deserialize(deserializer)?;
        let media_type = media_type.and_then(|written| IMAGE_MEDIA_TYPES.into_iter().find(|&known| known == written));
        Ok(ItemImage { url, width, height, title, media_type })
    }
}
