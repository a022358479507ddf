//! Stage 3: rendering feeds into bytes, one module per format. Rendering is
//! pure (feeds and site in, bytes out) so that a build can be compared with
//! what is on disk before anything is written.

mod atom;
mod html;
mod index;
mod json;
mod opml;
mod page;
mod rss;

use std::borrow::Cow;

use chrono::{DateTime, SecondsFormat, Utc};
use rayon::iter::{IntoParallelRefIterator, ParallelIterator};
use thiserror::Error;

use crate::model::Feed;
use crate::model::{Family, Format, OutputFile, Site};
use html::Directory;
pub(crate) use index::INDEX_PATH;
pub(crate) use opml::OPML_PATH;

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

/// Render one feed in one format.
pub(crate) fn render_feed(feed: &Feed, site: &Site, format: Format) -> Result<OutputFile, RenderError> {
    let path = feed.path(format);
    let meta = FeedMeta::new(feed, site);
    let self_url = site.url_of(&path).to_string();
    let rendered = match format {
        Format::Rss => rss::render(feed, site, &meta, &self_url).map(hexadecimal_references),
        Format::Atom => atom::render(feed, site, &meta, &self_url).map(hexadecimal_references),
        Format::Json => json::render(feed, site, &meta, &self_url),
    };
    rendered.map(|bytes| OutputFile { path: path.clone(), bytes }).map_err(|message| RenderError { path, message })
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
enum Document {
    /// Feed `0` (an index into the feeds) in one format.
    Feed(usize, Format),
    /// The page for people of feed `0`.
    Page(usize),
    /// `index.html`.
    Index,
    /// `index.opml`.
    Opml,
}

/// Every file of a build, each rendered when asked for: per feed, its
/// formats then its page; then the index and the OPML list.
#[derive(Debug)]
pub(crate) struct Rendering<'a> {
    feeds: &'a [Feed],
    site: &'a Site,
    formats: Vec<Format>,
    /// Which page shows each topic and provider.
    directory: Directory,
    files: Vec<(Document, String)>,
}

impl<'a> Rendering<'a> {
    /// The files of `feeds` in `formats`, none rendered yet.
    pub(crate) fn new(feeds: &'a [Feed], site: &'a Site, formats: &[Format]) -> Self {
        let mut files: Vec<(Document, String)> = Vec::new();
        for (index, feed) in feeds.iter().enumerate() {
            files.extend(formats.iter().map(|&format| (Document::Feed(index, format), feed.path(format))));
            files.push((Document::Page(index), feed.page_path()));
        }
        files.push((Document::Index, INDEX_PATH.to_owned()));
        files.push((Document::Opml, OPML_PATH.to_owned()));
        Rendering { feeds, site, formats: formats.to_vec(), directory: Directory::new(feeds), files }
    }

    /// Render one file.
    fn render(&self, document: Document) -> Result<OutputFile, RenderError> {
        let (feeds, site, formats) = (self.feeds, self.site, self.formats.as_slice());
        let (path, bytes) = match document {
            Document::Feed(index, format) => return render_feed(&feeds[index], site, format),
            Document::Page(index) => {
                (feeds[index].page_path(), Ok(page::render(&feeds[index], site, formats, &self.directory)))
            }
            Document::Index => (INDEX_PATH.to_owned(), Ok(index::render(feeds, site, formats))),
            Document::Opml => (OPML_PATH.to_owned(), opml::render(feeds, site, formats)),
        };
        bytes.map(|bytes| OutputFile { path: path.clone(), bytes }).map_err(|message| RenderError { path, message })
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
        self.render(self.files[index].0).map(|file| Cow::Owned(file.bytes))
    }
}

/// Every file of a build (see [`Rendering`]), rendered.
pub(crate) fn render_all(feeds: &[Feed], site: &Site, formats: &[Format]) -> Result<Vec<OutputFile>, RenderError> {
    Rendering::new(feeds, site, formats).render_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lt_and_amp_become_hexadecimal_references_outside_cdata() {
        let xml = b"<t a=\"x&amp;y\">Vec&lt;T&gt; &amp;amp;</t><d><![CDATA[<p>&lt;&amp;</p>]]></d>&quot;".to_vec();
        assert_eq!(
            String::from_utf8(hexadecimal_references(xml)).unwrap(),
            "<t a=\"x&#x26;y\">Vec&#x3C;T&gt; &#x26;amp;</t><d><![CDATA[<p>&lt;&amp;</p>]]></d>&quot;"
        );
    }
}
