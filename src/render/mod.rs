//! Stage 3: rendering feeds into bytes, one module per format. Rendering
//! writes nothing (feeds and site in, bytes out; archive documents read
//! their items back from the archives' temporary file, or through the
//! build cache from their record files) so that a build can be compared
//! with what is on disk before anything is written.

mod atom;
mod html;
mod index;
mod json;
mod opml;
mod page;
mod read_pages;
mod rss;

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use rayon::iter::{IntoParallelRefIterator, ParallelIterator};
use thiserror::Error;

use crate::cache::Meta;
use crate::history::{Archive, Page, Reread};
use std::sync::Arc;

use crate::model::{Family, Feed, Format, Item, OutputFile, Site};
pub(crate) use html::Directory;
pub(crate) use index::INDEX_PATH;
pub(crate) use opml::OPML_PATH;
use page::History;
use read_pages::ReadPages;

/// A feed could not be serialised (a bug in feedgen, not bad input), or an
/// archive document's items could not be read back (from the archives'
/// temporary file, or a record file that changed during the build).
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
    /// Newest `updated` among the feed's items; [`EMPTY_FEED_DATE`] for an
    /// empty feed, since no date may come from the clock.
    updated: DateTime<Utc>,
    /// The absolute URL of the feed's page for people: every format's link
    /// to the HTML version of the feed.
    page_url: String,
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
        let updated = feed.items.iter().map(|item| item.updated).max().unwrap_or(EMPTY_FEED_DATE);
        FeedMeta { title, description, updated, page_url: site.url_of(&feed.page_path()).to_string() }
    }
}

/// The date of a feed without items: 1990-01-01T00:00:00Z, the earliest
/// date the W3C validator finds plausible (it warns about anything older,
/// such as the Unix epoch). It must be fixed: no date may come from the clock.
const EMPTY_FEED_DATE: DateTime<Utc> = DateTime::from_timestamp(631_152_000, 0).expect("a valid timestamp");

/// The name feeds give as their generator. No version number: a release
/// of feedgen alone should not change every feed's bytes.
const GENERATOR: &str = "feedgen";

/// RFC 3339 in UTC with a `Z`, as JSON Feed and the HTML pages write dates.
fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An XML document with `&lt;` and `&amp;` outside CDATA sections written
/// as the equivalent `&#x3C;` and `&#x26;`.
///
/// The RSS Best Practices Profile asks for this so that readers can tell
/// text that merely contains `<` or `&` (a title such as "Vec<T> & you")
/// from escaped HTML, and the W3C validator warns about text that does not
/// do it. The serialisers write `&lt;`/`&amp;`, hence this pass; CDATA
/// sections hold HTML, where the two spellings are equally valid, and are
/// left alone.
fn hexadecimal_references(xml: Vec<u8>) -> Vec<u8> {
    const CDATA_START: &[u8] = b"<![CDATA[";
    const CDATA_END: &[u8] = b"]]>";
    let mut out = Vec::with_capacity(xml.len() + xml.len() / 8);
    let mut rest = xml.as_slice();
    while let Some(at) = memchr::memchr2(b'&', b'<', rest) {
        out.extend_from_slice(&rest[..at]);
        rest = &rest[at..];
        let (replacement, consumed): (&[u8], usize) = if rest.starts_with(CDATA_START) {
            let end = memchr::memmem::find(rest, CDATA_END).map_or(rest.len(), |i| i + CDATA_END.len());
            (&rest[..end], end)
        } else if rest.starts_with(b"&lt;") {
            (b"&#x3C;", 4)
        } else if rest.starts_with(b"&amp;") {
            (b"&#x26;", 5)
        } else {
            (&rest[..1], 1)
        };
        out.extend_from_slice(replacement);
        rest = &rest[consumed..];
    }
    out.extend_from_slice(rest);
    out
}

/// The namespace of RFC 5005's `fh:archive`.
const HISTORY_NAMESPACE: &str = "http://purl.org/syndication/history/1.0";

/// An XML archive document with RFC 5005's `<fh:archive/>` marker added
/// among the feed's own elements, on a line of its own just before the
/// first of `items` (`<item>`, `<entry>`), or before `end` (`</channel>`,
/// `</feed>`) without any: Atom allows extension elements only before its
/// entries. (The serialisers would write the marker after the entries, and
/// not empty.) Nothing before the first item can hold the tag literally:
/// text there is escaped.
fn with_archive_marker(mut xml: Vec<u8>, items: &[u8], end: &[u8]) -> Vec<u8> {
    let Some(anchor) = memchr::memmem::find(&xml, items).or_else(|| memchr::memmem::rfind(&xml, end)) else {
        return xml;
    };
    let line = xml[..anchor].iter().rposition(|&byte| byte == b'\n').map_or(0, |newline| newline + 1);
    let mut marker = xml[line..anchor].to_vec();
    marker.extend_from_slice(b"<fh:archive/>\n");
    xml.splice(line..line, marker);
    xml
}

/// Where a feed document sits in its feed's history (RFC 5005 §4): the
/// absolute URLs of the documents it links to, all in its own format.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Chain {
    /// Archive documents only: the subscription document (`rel="current"`),
    /// which also names the feed they belong to (Atom's `id`, JSON Feed's
    /// `feed_url`).
    pub current: Option<String>,
    /// The next older archive document (`prev-archive`; JSON Feed's
    /// `next_url`).
    pub prev_archive: Option<String>,
    /// The next newer archive document (`next-archive`).
    pub next_archive: Option<String>,
}

impl Chain {
    /// Whether the document is an archive document (`fh:archive`).
    fn is_archive(&self) -> bool {
        self.current.is_some()
    }

    /// The namespace declarations the document needs for its place: `fh`
    /// on archive documents.
    fn namespaces(&self) -> Option<(String, String)> {
        self.is_archive().then(|| ("fh".to_owned(), HISTORY_NAMESPACE.to_owned()))
    }

    /// The WebSub hub the document names: none on archive documents, which
    /// nobody subscribes to.
    fn hub<'a>(&self, site: &'a Site) -> Option<&'a url::Url> {
        site.hub_url.as_ref().filter(|_| !self.is_archive())
    }
}

/// Where a feed document goes: its path, its page for people and its
/// place in the feed's history.
#[derive(Debug, Clone)]
pub(crate) struct Placement {
    /// The document's path in the output folder.
    pub path: String,
    /// The path of the page for people that shows the same items.
    pub page_path: String,
    /// Its links to the rest of the feed's history.
    pub chain: Chain,
}

/// Render one feed document: `feed`'s items in `format`, at `placement`.
fn render_document(feed: &Feed, site: &Site, format: Format, placement: Placement) -> Result<OutputFile, RenderError> {
    let Placement { path, page_path, chain } = placement;
    let mut meta = FeedMeta::new(feed, site);
    meta.page_url = site.url_of(&page_path).to_string();
    let self_url = site.url_of(&path).to_string();
    let xml = |xml: Vec<u8>, items: &[u8], end: &[u8]| {
        let xml = hexadecimal_references(xml);
        if chain.is_archive() { with_archive_marker(xml, items, end) } else { xml }
    };
    let rendered = match format {
        Format::Rss => rss::render(feed, site, &meta, &self_url, &chain).map(|rss| xml(rss, b"<item>", b"</channel>")),
        Format::Atom => {
            atom::render(feed, site, &meta, &self_url, &chain).map(|atom| xml(atom, b"<entry>", b"</feed>"))
        }
        Format::Json => json::render(feed, site, &meta, &self_url, &chain),
    };
    rendered.map(|bytes| OutputFile { path: path.clone(), bytes }).map_err(|message| RenderError { path, message })
}

/// A name no archive document's name is longer than: a year of up to
/// seven characters (chrono's range, with its sign), a dot and a part
/// number of up to twenty digits ([`crate::history`] names them).
const LONGEST_ARCHIVE_NAME: &str = "-000000.00000000000000000000";

/// The size in bytes of `feed`'s subscription document in `format`, as a
/// build writes it; with `archived`, as if it linked to an archive
/// document of the longest name there can be, so that the size is never
/// less than the document's once its archive is known.
pub(crate) fn subscription_size(
    feed: &Feed,
    site: &Site,
    format: Format,
    archived: bool,
) -> Result<usize, RenderError> {
    let prev_archive = archived.then(|| site.url_of(&feed.archive_path(LONGEST_ARCHIVE_NAME, format)).to_string());
    let chain = Chain { prev_archive, ..Chain::default() };
    let placement = Placement { path: feed.path(format), page_path: feed.page_path(), chain };
    render_document(feed, site, format, placement).map(|file| file.bytes.len())
}

/// The size in bytes of `feed`'s archive document in `format` with no
/// items, linking to its subscription document and to neighbours of the
/// longest name there can be: what an archive document weighs besides its
/// items, at most.
pub(crate) fn empty_archive_size(feed: &Feed, site: &Site, format: Format) -> Result<usize, RenderError> {
    let neighbour = || Some(site.url_of(&feed.archive_path(LONGEST_ARCHIVE_NAME, format)).to_string());
    let chain = Chain {
        current: Some(site.url_of(&feed.path(format)).to_string()),
        prev_archive: neighbour(),
        next_archive: neighbour(),
    };
    let path = feed.archive_path(LONGEST_ARCHIVE_NAME, format);
    let placement = Placement { path, page_path: feed.archive_page_path(LONGEST_ARCHIVE_NAME), chain };
    render_document(&feed.without_items(), site, format, placement).map(|file| file.bytes.len())
}

/// Measures how many bytes an item adds to a feed document: what a
/// document of it alone weighs beyond the same document empty (items
/// render alike whatever feed holds them). The empty document is measured
/// once per format.
#[derive(Debug, Clone)]
pub(crate) struct ItemSizes {
    site: Site,
    /// Each format built, and the size of the empty document in it.
    empty: Vec<(Format, usize)>,
}

impl ItemSizes {
    /// Ready to measure items in `formats`, shown by `site`.
    pub(crate) fn new(site: &Site, formats: &[Format]) -> Result<Self, RenderError> {
        let empty = formats
            .iter()
            .map(|&format| Ok((format, subscription_size(&measuring_feed(Vec::new()), site, format, false)?)))
            .collect::<Result<_, RenderError>>()?;
        Ok(ItemSizes { site: site.clone(), empty })
    }

    /// What `item` adds to a document in the format where it weighs most.
    pub(crate) fn heaviest(&self, item: &Arc<Item>) -> Result<usize, RenderError> {
        let alone = measuring_feed(vec![Arc::clone(item)]);
        let mut heaviest = 0;
        for &(format, empty) in &self.empty {
            heaviest = heaviest.max(subscription_size(&alone, &self.site, format, false)?.saturating_sub(empty));
        }
        Ok(heaviest)
    }
}

/// The firehose holding `items`: the document items are measured in.
fn measuring_feed(items: Vec<Arc<Item>>) -> Feed {
    Feed { family: Family::All, slug: String::from("all"), key: String::new(), name: String::new(), items, icon: None }
}

/// The files a build produces, rendered only when asked: rendering every
/// feed up front would hold all their bytes at once.
pub(crate) trait Files: Sync {
    /// How many files there are.
    fn count(&self) -> usize;
    /// The path of file `index`, relative to the output folder, `/`-separated.
    fn path(&self, index: usize) -> &str;
    /// The bytes of file `index`.
    fn bytes(&self, index: usize) -> Result<Cow<'_, [u8]>, RenderError>;
    /// The metadata file `index` has on disk if it already holds its bytes,
    /// as the build cache knows (it is then not rendered); `None`: unknown.
    fn current(&self, _index: usize) -> Option<Meta> {
        None
    }
}

impl Files for [OutputFile] {
    fn count(&self) -> usize {
        self.len()
    }

    fn path(&self, index: usize) -> &str {
        &self[index].path
    }

    fn bytes(&self, index: usize) -> Result<Cow<'_, [u8]>, RenderError> {
        Ok(Cow::Borrowed(&self[index].bytes))
    }
}

/// One output file, by what it shows.
#[derive(Debug, Clone, Copy)]
enum Document<'a> {
    /// Feed `0` (an index into the feeds) in one format.
    Feed(usize, Format),
    /// The page for people of feed `0`.
    Page(usize),
    /// Archive document `2` (an index into the feed's pages in archive `0`)
    /// of feed `1`, in a format, or (`None`) its page for people.
    Archived(&'a Archive, usize, usize, Option<Format>),
    /// `index.html`.
    Index,
    /// `index.opml`.
    Opml,
}

/// Every file of a build, each rendered when asked for: per feed, its
/// formats then its page, then each archive document's formats and page;
/// then the index and the OPML list.
#[derive(Debug)]
pub(crate) struct Rendering<'a> {
    feeds: &'a [Feed],
    site: &'a Site,
    formats: Vec<Format>,
    archive: Option<&'a Archive>,
    /// Archive pages' items, read once for their documents.
    read_pages: ReadPages,
    /// Which page shows each topic and provider.
    directory: Directory,
    files: Vec<(Document<'a>, String)>,
    /// Files the build cache vouches for, with their metadata on disk.
    current: HashMap<String, Meta>,
    /// What reads again the records an archive kept by their files.
    reread: Option<&'a dyn Reread>,
}

impl<'a> Rendering<'a> {
    /// The files of `feeds` in `formats`, with the history in `archive`,
    /// none rendered yet.
    pub(crate) fn new(feeds: &'a [Feed], site: &'a Site, formats: &[Format], archive: Option<&'a Archive>) -> Self {
        let mut files: Vec<(Document<'a>, String)> = Vec::new();
        for (index, feed) in feeds.iter().enumerate() {
            files.extend(formats.iter().map(|&format| (Document::Feed(index, format), feed.path(format))));
            files.push((Document::Page(index), feed.page_path()));
            let Some(archive) = archive else { continue };
            for (number, page) in archive.pages(index).iter().enumerate() {
                for &format in formats {
                    let path = feed.archive_path(&page.name, format);
                    files.push((Document::Archived(archive, index, number, Some(format)), path));
                }
                let page_path = feed.archive_page_path(&page.name);
                files.push((Document::Archived(archive, index, number, None), page_path));
            }
        }
        files.push((Document::Index, INDEX_PATH.to_owned()));
        files.push((Document::Opml, OPML_PATH.to_owned()));
        let directory = Directory::new(feeds);
        Rendering {
            feeds,
            site,
            formats: formats.to_vec(),
            archive,
            read_pages: ReadPages::default(),
            directory,
            files,
            current: HashMap::new(),
            reread: None,
        }
    }

    /// These files, less those of `current` (the build cache knows them
    /// unchanged on disk, with this metadata), which are not rendered.
    pub(crate) fn keeping(self, current: HashMap<String, Meta>) -> Self {
        Rendering { current, ..self }
    }

    /// These files, with `reread` to read again the records the archive
    /// kept by their files.
    pub(crate) fn rereading(self, reread: &'a dyn Reread) -> Self {
        Rendering { reread: Some(reread), ..self }
    }

    /// The archive pages of feed `index`, oldest first.
    fn pages(&self, index: usize) -> &'a [Page] {
        self.archive.map_or(&[], |archive| archive.pages(index))
    }

    /// Render one file.
    fn render(&self, document: Document<'_>) -> Result<OutputFile, RenderError> {
        let (feeds, site, formats) = (self.feeds, self.site, self.formats.as_slice());
        let (path, bytes) = match document {
            Document::Feed(index, format) => {
                let feed = &feeds[index];
                let newest = self.pages(index).last();
                let chain = Chain {
                    prev_archive: newest.map(|page| site.url_of(&feed.archive_path(&page.name, format)).to_string()),
                    ..Chain::default()
                };
                let placement = Placement { path: feed.path(format), page_path: feed.page_path(), chain };
                return render_document(feed, site, format, placement);
            }
            Document::Page(index) => {
                let history = History::Feed(self.pages(index));
                (feeds[index].page_path(), Ok(page::render(&feeds[index], site, formats, &self.directory, history)))
            }
            Document::Archived(archive, index, number, format) => {
                return self.render_archived(archive, index, number, format);
            }
            Document::Index => (INDEX_PATH.to_owned(), Ok(index::render(feeds, site, formats))),
            Document::Opml => (OPML_PATH.to_owned(), opml::render(feeds, site, formats)),
        };
        bytes.map(|bytes| OutputFile { path: path.clone(), bytes }).map_err(|message| RenderError { path, message })
    }

    /// Render archive document `number` of feed `index` in `format`, or its
    /// page for people.
    fn render_archived(
        &self,
        archive: &Archive,
        index: usize,
        number: usize,
        format: Option<Format>,
    ) -> Result<OutputFile, RenderError> {
        let (feed, site) = (&self.feeds[index], self.site);
        let pages = archive.pages(index);
        let page = &pages[number];
        let (older, newer) = (number.checked_sub(1).map(|older| &pages[older]), pages.get(number + 1));
        let page_path = feed.archive_page_path(&page.name);
        let documents = self.formats.len() + 1;
        let taken = self.read_pages.take(archive, (index, number), page, documents, self.reread);
        let items = taken.map_err(|error| RenderError {
            path: format.map_or_else(|| page_path.clone(), |format| feed.archive_path(&page.name, format)),
            message: error.to_string(),
        })?;
        let archived = Feed { items: items.to_vec(), ..feed.without_items() };
        let Some(format) = format else {
            let history = History::Archive { name: &page.name, older, newer };
            let bytes = page::render(&archived, site, &self.formats, &self.directory, history);
            return Ok(OutputFile { path: page_path, bytes });
        };
        let url = |page: &Page| site.url_of(&feed.archive_path(&page.name, format)).to_string();
        let chain = Chain {
            current: Some(site.url_of(&feed.path(format)).to_string()),
            prev_archive: older.map(url),
            next_archive: newer.map(url),
        };
        let placement = Placement { path: feed.archive_path(&page.name, format), page_path, chain };
        render_document(&archived, site, format, placement)
    }

    /// Render every file, on all cores.
    pub(crate) fn render_all(&self) -> Result<Vec<OutputFile>, RenderError> {
        self.files.par_iter().map(|&(document, _)| self.render(document)).collect()
    }
}

impl Files for Rendering<'_> {
    fn count(&self) -> usize {
        self.files.len()
    }

    fn path(&self, index: usize) -> &str {
        &self.files[index].1
    }

    fn bytes(&self, index: usize) -> Result<Cow<'_, [u8]>, RenderError> {
        let (document, path) = &self.files[index];
        if self.current.contains_key(path) {
            let message = "the build cache had it unchanged, but it changed during the build; build again".to_owned();
            return Err(RenderError { path: path.clone(), message });
        }
        self.render(*document).map(|file| Cow::Owned(file.bytes))
    }

    fn current(&self, index: usize) -> Option<Meta> {
        self.current.get(&self.files[index].1).copied()
    }
}

/// Every file of a build (see [`Rendering`]), rendered.
pub(crate) fn render_all(
    feeds: &[Feed],
    site: &Site,
    formats: &[Format],
    archive: Option<&Archive>,
) -> Result<Vec<OutputFile>, RenderError> {
    Rendering::new(feeds, site, formats, archive).render_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_archive_marker_goes_before_the_first_entry_or_else_the_end() {
        let atom = b"<feed>\n  <title>a &#x3C;entry></title>\n  <entry>1</entry>\n  <entry>2</entry>\n</feed>\n";
        assert_eq!(
            String::from_utf8(with_archive_marker(atom.to_vec(), b"<entry>", b"</feed>")).unwrap(),
            "<feed>\n  <title>a &#x3C;entry></title>\n  <fh:archive/>\n  <entry>1</entry>\n  <entry>2</entry>\n</feed>\n"
        );
        let empty = b"<rss>\n  <channel>\n    <title>x</title>\n  </channel>\n</rss>\n";
        assert_eq!(
            String::from_utf8(with_archive_marker(empty.to_vec(), b"<item>", b"</channel>")).unwrap(),
            "<rss>\n  <channel>\n    <title>x</title>\n  <fh:archive/>\n  </channel>\n</rss>\n"
        );
    }

    #[test]
    fn lt_and_amp_become_hexadecimal_references_outside_cdata() {
        let xml = b"<t a=\"x&amp;y\">Vec&lt;T&gt; &amp;amp;</t><d><![CDATA[<p>&lt;&amp;</p>]]></d>&quot;".to_vec();
        assert_eq!(
            String::from_utf8(hexadecimal_references(xml)).unwrap(),
            "<t a=\"x&#x26;y\">Vec&#x3C;T&gt; &#x26;amp;</t><d><![CDATA[<p>&lt;&amp;</p>]]></d>&quot;"
        );
    }
}
