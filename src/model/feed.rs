//! A feed as the build hands it to the renderers, and a record left out
//! for sharing its link with another.

use std::path::PathBuf;
use std::sync::Arc;

use unicode_normalization::UnicodeNormalization;
use url::Url;

use super::item::Item;
use super::site::{Family, Format};

/// One feed: which items it holds and what it is called.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    /// The family it belongs to.
    pub family: Family,
    /// File name stem, unique within the family.
    pub slug: String,
    /// The grouping key the feed was made for: the normalised name (NFC,
    /// lowercase, spaces collapsed) of its topic, category or type, or the
    /// provider's domain; empty for `all`. Pages look topic and provider
    /// feeds up by it.
    pub key: String,
    /// Display name: the topic, provider, category or type; empty for `all`.
    pub name: String,
    /// Newest first (ties by id), at most `limit`.
    pub items: Vec<Arc<Item>>,
    /// A logo for the feed (provider feeds: the provider's).
    pub icon: Option<String>,
}

impl Feed {
    /// Path of this feed's file in `format`, relative to the output folder,
    /// `/`-separated (it is also the URL path under `base_url`).
    pub fn path(&self, format: Format) -> String {
        self.file_path(format.extension())
    }

    /// Path of this feed's files without an extension (`topics/rust`), as
    /// `feedgen list` names the feed.
    pub fn stem(&self) -> String {
        self.file_path("")
    }

    /// Path of this feed's page for people (`<slug>.html`, beside its feeds).
    pub fn page_path(&self) -> String {
        self.file_path(".html")
    }

    /// The feed with no items: the rest of a feed document made of other
    /// items (an archive document).
    pub(crate) fn without_items(&self) -> Feed {
        Feed {
            family: self.family,
            slug: self.slug.clone(),
            key: self.key.clone(),
            name: self.name.clone(),
            items: Vec::new(),
            icon: self.icon.clone(),
        }
    }

    /// Path of this feed's archive document `page` (RFC 5005) in `format`:
    /// `topics/rust/archive/2026.rss.xml`, beside its other archives in
    /// a folder named after the feed.
    pub fn archive_path(&self, page: &str, format: Format) -> String {
        format!("{}/{ARCHIVE_FOLDER}/{page}{}", self.stem(), format.extension())
    }

    /// Path of the page for people of this feed's archive document `page`.
    pub fn archive_page_path(&self, page: &str) -> String {
        format!("{}/{ARCHIVE_FOLDER}/{page}.html", self.stem())
    }

    fn file_path(&self, extension: &str) -> String {
        match self.family.folder() {
            Some(folder) => format!("{folder}/{}{extension}", self.slug),
            None => format!("{}{extension}", self.slug),
        }
    }
}

/// The folder, inside a feed's own folder, that holds its archive documents.
const ARCHIVE_FOLDER: &str = "archive";

/// Whether an output path is one of a feed's archive documents or their
/// pages (`<feed>/archive/<page>.<ext>`) rather than a feed's own file.
/// Family folders have fixed names, so no feed's own file has `archive` as
/// its folder.
pub(crate) fn is_archive_path(path: &str) -> bool {
    let mut folders = path.rsplit('/').skip(1);
    folders.next() == Some(ARCHIVE_FOLDER) && folders.next().is_some()
}

/// Whether an output path is a feed's subscription document, the one
/// readers subscribe to (`<slug>.rss.xml`, `.atom.xml`, `.json`, at the top
/// or in a family's folder), rather than an archive document, a page, the
/// index, the OPML list or one of feedgen's own hidden files.
pub(crate) fn is_subscription_path(path: &str) -> bool {
    let (folder, name) = path.rsplit_once('/').unwrap_or(("", path));
    let in_place = folder.is_empty() || Family::ALL.iter().any(|family| family.folder() == Some(folder));
    let slug = Format::ALL.iter().find_map(|format| name.strip_suffix(format.extension()));
    in_place && slug.is_some_and(|slug| !slug.is_empty() && !slug.starts_with('.'))
}

/// Two records with one link (or one id): which one was kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Duplicate {
    /// The shared link; when they share an id, that id as a URL (ids are
    /// absolute URIs).
    pub link: Url,
    /// The shared id, when the record left out shares its `id` with the
    /// one kept (its `id`, or its link) rather than its link.
    pub id: Option<String>,
    /// The record finally kept for the link or id (updated last; on a
    /// tie, the later path).
    pub kept: PathBuf,
    /// The record left out.
    pub dropped: PathBuf,
}

/// Sort `duplicates` as they are reported: by link, then by the path left
/// out.
pub(crate) fn sort_duplicates(duplicates: &mut [Duplicate]) {
    duplicates.sort_by(|a, b| (a.link.as_str(), &a.dropped).cmp(&(b.link.as_str(), &b.dropped)));
}

/// A name as a grouping key: Unicode-normalised (NFC), lowercase, inner
/// whitespace collapsed. Punctuation counts: `C++`, `C#` and `C` differ.
pub(crate) fn name_key(name: &str) -> String {
    if name.is_ascii() {
        // ASCII is already NFC; the common case skips two allocations.
        let mut key = String::with_capacity(name.len());
        for word in name.split_whitespace() {
            if !key.is_empty() {
                key.push(' ');
            }
            key.extend(word.chars().map(|c| c.to_ascii_lowercase()));
        }
        return key;
    }
    name.nfc().collect::<String>().to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_paths_are_told_from_feed_paths() {
        for archive in ["all/archive/2026.rss.xml", "topics/archive/archive/2026.2.html"] {
            assert!(is_archive_path(archive), "{archive}");
        }
        for feed in ["all.rss.xml", "topics/archive.json", "archive.html", "index.html"] {
            assert!(!is_archive_path(feed), "{feed}");
        }
    }

    #[test]
    fn subscription_documents_are_told_from_every_other_output_file() {
        for document in ["all.rss.xml", "all.atom.xml", "all.json", "topics/archive.json", "types/news.atom.xml"] {
            assert!(is_subscription_path(document), "{document}");
        }
        let others = [
            "all/archive/2026.rss.xml",
            "topics/rust/archive/2026.2.json",
            "all.html",
            "index.html",
            "index.opml",
            ".feedgen-manifest",
            ".feedgen-ids.json",
            ".json",
            "elsewhere/all.rss.xml",
            "topics/rust/x.json",
        ];
        for other in others {
            assert!(!is_subscription_path(other), "{other}");
        }
    }

    #[test]
    fn ascii_names_get_the_same_key_as_the_general_rule() {
        let general =
            |name: &str| name.nfc().collect::<String>().to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ");
        for name in ["AI", "  Machine\tLearning \n", "a\u{b}b", "C++", "", "x\u{c}y  Z"] {
            assert_eq!(name_key(name), general(name), "{name:?}");
        }
        assert_eq!(name_key("Ａ Ｉ"), general("Ａ Ｉ"));
    }
}
