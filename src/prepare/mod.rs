//! Turning a record into a feed item: every string cleaned for XML, every
//! HTML fragment sanitised, the full content assembled. The renderers only
//! copy these fields into their formats, so all three formats say the same
//! thing and none of them can be handed unclean text.
//!
//! [`labels`] is the cheap part (names only), which gathering uses to place
//! a record in feeds; [`prepare`] the whole, for the records that stay.

use crate::markup::{
    EmbedLink, Thumbnail, escape_attribute, escape_html, html_to_text, markdown_to_html, plain_text, sanitise_html,
    sanitise_html_with_embeds, xml_safe,
};
use crate::model::{Facets, IMAGE_MEDIA_TYPES, Image, Item, ItemImage, ItemLink, ItemProvider, Record, Related};

/// A record's names, cleaned exactly as its item will show them. Cheap to
/// compute (no HTML is parsed, no URL built), so a build can tell which
/// feeds a record belongs to, and whether it makes any of them, before
/// preparing its item. The provider's `home` and `logo` are left empty
/// until then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Labels {
    /// The item's id.
    pub id: String,
    /// Topic names, cleaned, without repeats.
    pub topics: Vec<String>,
    /// The publisher.
    pub provider: Option<ItemProvider>,
    /// The record's `category`.
    pub category: Option<String>,
    /// The record's `type`.
    pub kind: Option<String>,
}

impl Labels {
    /// The names grouping looks at.
    pub(crate) fn facets(&self) -> Facets<'_> {
        Facets::of(&self.topics, &self.provider, &self.category, &self.kind)
    }
}

/// The labels of one record.
pub(crate) fn labels(record: &Record) -> Labels {
    Labels {
        id: item_id(record).into_owned(),
        topics: clean_names(&record.topics),
        provider: item_provider(record),
        category: record.category.as_deref().map(plain_text).and_then(non_empty),
        kind: record.kind.as_deref().map(plain_text).and_then(non_empty),
    }
}

/// A record's item id: its `id`, else its link (cleaned for XML).
pub(crate) fn item_id(record: &Record) -> std::borrow::Cow<'_, str> {
    xml_safe(record.id.as_deref().unwrap_or(record.link.as_str()))
}

/// A provider's domain as a feed key: lowercase, without scheme, path,
/// trailing dot or `www.`. `None` when nothing is left.
pub(crate) fn normalise_domain(domain: &str) -> Option<String> {
    let lower = plain_text(domain).to_lowercase();
    let without_scheme = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")).unwrap_or(&lower);
    let host = without_scheme.split('/').next().unwrap_or_default();
    let host = host.strip_prefix("www.").unwrap_or(host).trim_end_matches('.');
    (!host.is_empty()).then(|| host.to_owned())
}

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

fn image_media_type(url: &url::Url) -> Option<&'static str> {
    let extension = url.path().rsplit_once('.')?.1.to_ascii_lowercase();
    let [jpeg, png, gif, webp, avif, svg] = IMAGE_MEDIA_TYPES;
    Some(match extension.as_str() {
        "jpg" | "jpeg" => jpeg,
        "png" => png,
        "gif" => gif,
        "webp" => webp,
        "avif" => avif,
        "svg" => svg,
        _ => return None,
    })
}

fn item_image(image: &Image) -> ItemImage {
    ItemImage {
        url: image.url.to_string(),
        // A size of 0 means "unknown" in practice; feeds may only state positive sizes.
        width: image.width.filter(|&width| width > 0),
        height: image.height.filter(|&height| height > 0),
        title: image.title.as_deref().map(plain_text).and_then(non_empty),
        media_type: image_media_type(&image.url),
    }
}

fn item_link(related: &Related) -> ItemLink {
    let url = related.link.to_string();
    let title = related.title.as_deref().map(plain_text).and_then(non_empty).unwrap_or_else(|| url.clone());
    let provider = related.provider_name.as_deref().map(plain_text).and_then(non_empty);
    ItemLink { url, title, provider }
}

/// The record's provider, without its `home` (see [`provider_home`]) and
/// `logo` (see [`provider_logo`]).
fn item_provider(record: &Record) -> Option<ItemProvider> {
    let provider = record.provider.as_ref()?;
    let domain = provider.domain.as_deref().and_then(normalise_domain);
    let name = provider.name.as_deref().map(plain_text).and_then(non_empty).or_else(|| domain.clone())?;
    Some(ItemProvider { name, domain, home: None, logo: None })
}

/// The logo of the record's provider: its first image.
pub(crate) fn provider_logo(record: &Record) -> Option<&str> {
    Some(record.provider.as_ref()?.images.first()?.url.as_str())
}

/// `https://<domain>/`, when the domain is a valid host name.
fn provider_home(domain: &str) -> Option<String> {
    url::Url::parse(&format!("https://{domain}/"))
        .ok()
        .filter(|url| url.path() == "/" && url.query().is_none() && url.fragment().is_none())
        .map(String::from)
}

/// An HTML fragment as block content: bare text gets a paragraph.
fn as_block(html: &str) -> String {
    if html.starts_with('<') { html.to_owned() } else { format!("<p>{html}</p>") }
}

/// The "Related" section of an item's content.
fn related_html(related: &[ItemLink]) -> String {
    let mut html = String::from("<h2>Related</h2><ul>");
    for link in related {
        html.push_str(&format!("<li><a href=\"{}\">{}</a>", escape_attribute(&link.url), escape_html(&link.title)));
        if let Some(provider) = &link.provider {
            html.push_str(&format!(" ({})", escape_html(provider)));
        }
        html.push_str("</li>");
    }
    html.push_str("</ul>");
    html
}

/// What a frame in `featuredContent` (the record's video, in practice)
/// becomes: a link whose text is the item's title, showing the item's first
/// image. The image's alternative text is its caption, or empty: the link's
/// text already names the video, and a screen reader would say it twice.
fn featured_embed<'a>(title: &'a str, image: Option<&'a ItemImage>) -> EmbedLink<'a> {
    let thumbnail = image.map(|image| Thumbnail {
        url: &image.url,
        alt: image.title.as_deref().unwrap_or_default(),
        width: image.width,
        height: image.height,
    });
    EmbedLink { text: Some(title), thumbnail }
}

/// Names cleaned to plain text, blank and repeated ones dropped.
fn clean_names(names: &[String]) -> Vec<String> {
    let mut cleaned: Vec<String> = Vec::new();
    for name in names.iter().map(|name| plain_text(name)).filter(|name| !name.is_empty()) {
        if !cleaned.contains(&name) {
            cleaned.push(name);
        }
    }
    cleaned
}

/// `record` without what no item shows: related articles' excerpts and
/// dates, AMP links, scores, image cache flags, all but the first provider
/// logo. [`prepare`] makes the same item from it; a build keeps records in
/// this form while they wait in feeds, to hold less memory.
pub(crate) fn trimmed(mut record: Record) -> Record {
    record.amp_web_url = None;
    record.cdn_amp_web_url = None;
    record.quality = None;
    record.heat = None;
    for related in &mut record.related {
        related.excerpt = None;
        related.published = None;
    }
    for image in &mut record.images {
        image.is_cached = None;
    }
    if let Some(provider) = &mut record.provider {
        provider.images.truncate(1);
    }
    record
}

/// Build the item for one record.
pub(crate) fn prepare(record: &Record) -> Item {
    let base = &record.link;
    let title = plain_text(&record.title);
    let images: Vec<ItemImage> = record.images.iter().map(item_image).collect();
    let summary_html = record.excerpt.as_deref().map(|html| sanitise_html(html, base)).and_then(non_empty);
    let summary_text = record.excerpt.as_deref().map(html_to_text).and_then(non_empty);
    let featured = record
        .featured_content
        .as_deref()
        .map(|html| sanitise_html_with_embeds(html, base, featured_embed(&title, images.first())))
        .and_then(non_empty);
    let body = non_empty(markdown_to_html(&record.body, base));
    let related: Vec<ItemLink> = record.related.iter().map(item_link).collect();

    let content_html = (featured.is_some() || body.is_some() || !related.is_empty()).then(|| {
        let mut parts: Vec<String> = featured.into_iter().collect();
        parts.extend(body.or_else(|| summary_html.as_deref().map(as_block)));
        if !related.is_empty() {
            parts.push(related_html(&related));
        }
        parts.join("\n")
    });

    let Labels { id, topics, mut provider, category, kind } = labels(record);
    if let Some(provider) = &mut provider {
        provider.home = provider.domain.as_deref().and_then(provider_home);
        provider.logo = provider_logo(record).map(str::to_owned);
    }
    Item {
        link: xml_safe(record.link.as_str()).into_owned(),
        id,
        title,
        published: record.published,
        updated: record.updated,
        summary_html,
        summary_text,
        content_html,
        kind,
        category,
        topics,
        tags: clean_names(&record.tags),
        provider,
        images,
        related,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{LoadOptions, Parsed, parse_record};

    #[test]
    fn a_trimmed_record_makes_the_same_item() {
        let text = "---\ntitle: T\npublishedDateTime: 2025-01-01\noriginalUrl: https://a.test/x\nampWebUrl: https://a.test/amp\n\
                    quality: 3\nheat: 4\nexcerpt: <b>E</b> &amp; more\nprovider: {name: P, domain: www.p.test, images: [{url: https://p.test/1.png}, {url: https://p.test/2.png}]}\n\
                    images: [{url: https://a.test/i.jpg, isCached: true, title: Cap}]\ntopics: [AI]\n\
                    related: [{title: R, excerpt: <i>X</i>, publishedDateTime: 2025-01-02, webUrl: https://b.test/r, provider: {name: B}}]\n---\nBody *text*\n";
        let Ok(Parsed::Record(record, _)) =
            parse_record(std::path::Path::new("r.md"), text.as_bytes(), LoadOptions::default())
        else {
            panic!("not a record")
        };
        let trimmed_record = trimmed((*record).clone());
        assert_ne!(trimmed_record, *record, "nothing was trimmed");
        assert_eq!(prepare(&trimmed_record), prepare(&record));
    }

    #[test]
    fn domains_are_normalised_to_feed_keys() {
        assert_eq!(normalise_domain(" WWW.Example.COM. ").as_deref(), Some("example.com"));
        assert_eq!(normalise_domain("https://www.example.com/news").as_deref(), Some("example.com"));
        assert_eq!(normalise_domain("www."), None);
    }
}
