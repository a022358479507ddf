//! The vocabulary every stage shares: what the site is, which feed families
//! and output formats a build produces.

use serde::Deserialize;
use url::Url;

/// Feed-level facts that come from configuration, already cleaned of
/// characters XML forbids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// Site title; feed titles are "\<title> — \<feed name>".
    pub title: String,
    /// Absolute URL of the output folder as hosted; always ends in `/`.
    pub base_url: Url,
    /// The site's home page, linked from every page.
    pub home_url: Url,
    /// A WebSub hub: every feed links to it with `rel="hub"`, so that
    /// subscribers can be told of updates instead of polling.
    pub hub_url: Option<Url>,
    /// Feed description for the firehose; topic and provider feeds derive theirs.
    pub description: String,
    /// Language tag such as `en` or `en-GB`, when configured.
    pub language: Option<String>,
    /// Feed-level author; Atom requires one when entries may lack their own.
    pub author: String,
}

impl Site {
    /// The absolute URL of a file inside the output folder.
    pub fn url_of(&self, relative_path: &str) -> Url {
        // `base_url` ends in `/` and `relative_path` is built from slugs that
        // never contain `..`, `:` or `?`, so joining cannot fail or escape.
        self.base_url.join(relative_path).unwrap_or_else(|_| self.base_url.clone())
    }
}

/// A family of feeds: the firehose, or one feed per value of a record field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// One feed, `all`, with every selected record.
    All,
    /// One feed per topic name.
    Topics,
    /// One feed per provider domain.
    Providers,
    /// One feed per `category` value.
    Categories,
    /// One feed per `type` value.
    Types,
}

impl Family {
    /// Every family, in the order feeds are listed.
    pub const ALL: [Family; 5] = [Family::All, Family::Topics, Family::Providers, Family::Categories, Family::Types];

    /// The families built when configuration names none.
    pub const DEFAULT: [Family; 3] = [Family::All, Family::Topics, Family::Providers];

    /// The family's name, as `families:` in the configuration spells it.
    pub fn name(self) -> &'static str {
        match self {
            Family::All => "all",
            Family::Topics => "topics",
            Family::Providers => "providers",
            Family::Categories => "categories",
            Family::Types => "types",
        }
    }

    /// The sub-folder of the output folder holding this family's feeds.
    pub fn folder(self) -> Option<&'static str> {
        match self {
            Family::All => None,
            Family::Topics => Some("topics"),
            Family::Providers => Some("providers"),
            Family::Categories => Some("categories"),
            Family::Types => Some("types"),
        }
    }
}

/// An output format; every feed is written once per configured format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// RSS 2.0 with the Atom, Media RSS, content and Dublin Core modules.
    Rss,
    /// Atom 1.0 (RFC 4287).
    Atom,
    /// JSON Feed 1.1.
    Json,
}

impl Format {
    /// Every format, in the order files are written.
    pub const ALL: [Format; 3] = [Format::Rss, Format::Atom, Format::Json];

    /// File name suffix, including the leading dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Rss => ".rss.xml",
            Format::Atom => ".atom.xml",
            Format::Json => ".json",
        }
    }

    /// The media type a server should send, also used in `rel="self"` links.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml",
            Format::Atom => "application/atom+xml",
            Format::Json => "application/feed+json",
        }
    }
}
