//! Checking what serde cannot: required fields, dates, links. Every problem
//! in a record is reported, each at the position of the offending value.
//!
//! Primary fields (title, `publishedDateTime`, the article's link) decide
//! whether there is an item at all: a problem with one is an error.
//! Secondary data (an image, a related article, a related article's date)
//! that cannot be used is left out with a warning instead, and the record
//! builds without it. Warnings are only made when something is wrong, so
//! a valid record costs nothing more to read.

use std::path::Path;

use chrono::{DateTime, Utc};
use url::Url;

use super::date::{EXPECTED_DATE, parse_timestamp};
use super::depth;
use super::front_matter::{Locator, Position, YAML_FIRST_LINE};
use super::problem::RecordProblem;
use super::raw::{PublishedValue, RawImage, RawProvider, RawRecord, RawRelated};
use super::unknown::{SkippedKey, skipped_keys};
use crate::markup::plain_text;
use crate::model::{Image, Provider, Record, Related};
use crate::uri::parse_web_link;

/// `Some(text)` unless the value is absent or blank.
fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|text| !text.trim().is_empty())
}

/// What to write instead of an article link that is not absolute http(s).
const LINK_HINT: &str = "write a full link such as https://example.com/news/article";

/// What to write instead of an `id` that is not an absolute URI.
const ID_HINT: &str = "write a permanent id that starts with a scheme, such as tag:example.com,2026:article-1 or \
                       https://example.com/news/article, or leave id out to use the link";

/// What to write instead of an image link that cannot be used.
const IMAGE_HINT: &str = "write a full link such as https://example.com/images/photo.jpg, or remove the image";

/// What to write instead of a related article's link that cannot be used.
const RELATED_HINT: &str = "write a full link such as https://example.com/news/article, or remove the entry";

/// A value its field cannot use: where it is written and what is wrong
/// (the message starts with the field's path), before it is reported as
/// an error or a warning.
struct Unusable {
    at: Position,
    message: String,
}

/// Collects problems while converting raw values.
struct Checker<'a> {
    source: &'a Path,
    yaml: &'a str,
    locator: Locator<'a>,
    /// Problems that keep the record from being built.
    errors: Vec<RecordProblem>,
    /// Secondary data left out of a record that builds.
    warnings: Vec<RecordProblem>,
    /// The keys the record does not read, found only once a required one
    /// is missing (to say which it was probably meant to be).
    skipped: Option<Vec<SkippedKey>>,
}

impl Checker<'_> {
    fn report(&mut self, at: Position, message: String) {
        self.errors.push(RecordProblem::new(self.source, Some(at), message));
    }

    fn report_with_hint(&mut self, at: Position, message: String, hint: &'static str) {
        self.errors.push(RecordProblem::new(self.source, Some(at), message).with_hint(hint));
    }

    /// Secondary data at `at` is left out: `message` says what and why.
    fn warn(&mut self, at: Position, message: String, hint: &'static str) {
        self.warnings.push(RecordProblem::new(self.source, Some(at), message).with_hint(hint));
    }

    /// A required field is missing (or blank): `message` is reported with
    /// `hint` at the first of `keys` written, else at the start of the
    /// file; but when the record writes a near spelling of one of `keys`
    /// (`publishedDatetime`, `Title`, `webURL`), it is reported at that
    /// key, asking whether it was meant. Only this error path looks for
    /// near spellings, so a valid record pays nothing for it.
    fn missing(&mut self, keys: &[&str], message: String, hint: &'static str) {
        let yaml = self.yaml;
        let skipped = self.skipped.get_or_insert_with(|| skipped_keys(yaml));
        let problem = match skipped.iter().find_map(|key| key.misspelling_of(keys, yaml)) {
            Some((at, meant)) => {
                RecordProblem::new(self.source, Some(at), message).with_hint(format!("did you mean `{meant}`?"))
            }
            None => {
                let at = keys.iter().find_map(|key| self.locator.key(key)).unwrap_or(Position::START);
                RecordProblem::new(self.source, Some(at), message).with_hint(hint)
            }
        };
        self.errors.push(problem);
    }

    /// A URL field, at `path` under the top-level `top_key`: `Ok(None)` when
    /// absent or blank.
    fn web_link(&self, top_key: &str, path: &str, value: &Option<String>) -> Result<Option<Url>, Unusable> {
        let Some(text) = present(value) else { return Ok(None) };
        parse_web_link(text).map(Some).ok_or_else(|| Unusable {
            at: self.locator.value(top_key, text),
            message: format!("{path}: not an absolute http(s) URL{}", self.locator.shown(top_key, text)),
        })
    }

    /// A date field, at `path` under the top-level `top_key`.
    fn parse_date(&self, top_key: &str, path: &str, value: &str) -> Result<DateTime<Utc>, Unusable> {
        parse_timestamp(value).ok_or_else(|| Unusable {
            at: self.locator.value(top_key, value),
            message: format!("{path}: not a date{}", self.locator.shown(top_key, value)),
        })
    }

    /// The article's link field: `Ok(None)` when absent or blank, `Err(())`
    /// when reported as an error.
    fn link(&mut self, top_key: &str, path: &str, value: &Option<String>) -> Result<Option<Url>, ()> {
        self.web_link(top_key, path, value).map_err(|unusable| {
            self.report_with_hint(unusable.at, unusable.message, LINK_HINT);
        })
    }

    /// The record's `id`, trimmed: an absolute URI (a scheme, a colon and
    /// more) without spaces or control characters, since readers compare
    /// ids as exact strings; `None` when reported as an error.
    fn id(&mut self, text: &str) -> Option<String> {
        let id = text.trim();
        if is_absolute_uri(id) {
            return Some(id.to_owned());
        }
        let at = self.locator.value("id", text);
        let message = format!("id: not an absolute URI{}", self.locator.shown("id", text));
        self.report_with_hint(at, message, ID_HINT);
        None
    }

    /// One of the record's own dates; `None` when reported as an error.
    fn date(&mut self, top_key: &str, path: &str, value: &str) -> Option<DateTime<Utc>> {
        match self.parse_date(top_key, path, value) {
            Ok(date) => Some(date),
            Err(unusable) => {
                self.report_with_hint(unusable.at, unusable.message, EXPECTED_DATE);
                None
            }
        }
    }

    /// `published` must be a YAML boolean: `published: no` means "not
    /// published" to a Jekyll user but is a string in YAML 1.2, so it is
    /// refused rather than guessed at, and the record is never published.
    fn refuse_published(&mut self, value: &serde_yaml::Value) {
        let written = match value {
            serde_yaml::Value::String(text) => text.clone(),
            serde_yaml::Value::Null => String::new(),
            other => serde_yaml::to_string(other).unwrap_or_default().trim().to_owned(),
        };
        let at = self.locator.value("published", &written);
        let not = match (written.is_empty(), self.locator.shown("published", &written)) {
            (true, _) => ", not empty".to_owned(),
            (false, value) if value.is_empty() => String::new(),
            (false, value) => format!(", not {}", &value[2..]),
        };
        self.report_with_hint(
            at,
            format!("published: must be true or false{not}"),
            "write `published: false` to keep a draft out",
        );
    }

    /// An HTML field must not nest deeper than [`depth::MAX_HTML_DEPTH`].
    fn html_depth(&mut self, key: &str, html: &str) {
        if depth::html_too_deep(html).is_some() {
            let at = self.locator.key(key).unwrap_or(Position::START);
            let limit = depth::MAX_HTML_DEPTH;
            self.report(at, format!("{key}: HTML nests more than {limit} elements deep; records that deep are refused to keep builds fast"));
        }
    }

    /// The Markdown body (and HTML in it) must not nest too deeply; its
    /// lines are counted from the one after the closing `---`.
    fn body_depth(&mut self, yaml: &str, body: &str) {
        let first_body_line = YAML_FIRST_LINE + yaml.lines().count() + 1;
        if let Some(line) = depth::markdown_too_deep(body) {
            let limit = depth::MAX_MARKDOWN_CONTAINERS;
            let message = format!(
                "body: a line opens more than {limit} nested lists or quotes; records that deep are refused to keep builds fast"
            );
            self.report(Position { line: first_body_line + line, column: 1 }, message);
        } else if let Some(offset) = depth::html_too_deep(body) {
            let line = body[..offset].matches('\n').count();
            let limit = depth::MAX_HTML_DEPTH;
            let message = format!(
                "body: HTML nests more than {limit} elements deep; records that deep are refused to keep builds fast"
            );
            self.report(Position { line: first_body_line + line, column: 1 }, message);
        }
    }

    /// The images of the list at `path` under the top-level `top_key` that
    /// have a usable link; each other one is left out with a warning.
    fn images(&mut self, top_key: &str, path: &str, raw: Option<Vec<RawImage>>) -> Vec<Image> {
        let mut images = Vec::new();
        for (index, image) in raw.unwrap_or_default().into_iter().enumerate() {
            let url_path = format!("{path}[{index}].url");
            match self.web_link(top_key, &url_path, &image.url) {
                Ok(Some(url)) => images.push(Image {
                    url,
                    width: image.width,
                    height: image.height,
                    is_cached: image.is_cached,
                    title: image.title,
                }),
                Ok(None) => {
                    let at = self.locator.key(top_key).unwrap_or(Position::START);
                    self.warn(at, format!("{url_path}: missing; image left out"), IMAGE_HINT);
                }
                Err(unusable) => self.warn(unusable.at, format!("{}; image left out", unusable.message), IMAGE_HINT),
            }
        }
        images
    }

    fn provider(&mut self, top_key: &str, path: &str, raw: Option<RawProvider>) -> Option<Provider> {
        let raw = raw?;
        let images = self.images(top_key, &format!("{path}.images"), raw.images);
        Some(Provider { name: raw.name, domain: raw.domain, images })
    }

    /// The related articles with a usable link (`originalUrl`, else
    /// `webUrl`); each other one is left out with a warning, and so is a
    /// link field that cannot be used or a date that is not one (the entry
    /// keeps its usable link, and goes without a date).
    fn related(&mut self, raw: Option<Vec<RawRelated>>) -> Vec<Related> {
        let mut related = Vec::new();
        for (index, entry) in raw.unwrap_or_default().into_iter().enumerate() {
            let path = format!("related[{index}]");
            let original = self.web_link("related", &format!("{path}.originalUrl"), &entry.original_url);
            let web = self.web_link("related", &format!("{path}.webUrl"), &entry.web_url);
            let published = match present(&entry.published_date_time) {
                Some(text) => match self.parse_date("related", &format!("{path}.publishedDateTime"), text) {
                    Ok(date) => Some(date),
                    Err(unusable) => {
                        self.warn(unusable.at, format!("{}; date left out", unusable.message), EXPECTED_DATE);
                        None
                    }
                },
                None => None,
            };
            let provider = self.provider("related", &format!("{path}.provider"), entry.provider);
            let link = match (&original, &web) {
                (Ok(Some(link)), _) | (_, Ok(Some(link))) => Some(link.clone()),
                _ => None,
            };
            for (other, checked) in [("webUrl", original), ("originalUrl", web)] {
                if let Err(unusable) = checked {
                    let left_out = match link {
                        Some(_) => format!("ignored, the entry links to its {other}"),
                        None => "related article left out".to_owned(),
                    };
                    self.warn(unusable.at, format!("{}; {left_out}", unusable.message), RELATED_HINT);
                }
            }
            match link {
                Some(link) => related.push(Related {
                    title: entry.title,
                    link,
                    excerpt: entry.excerpt,
                    published,
                    provider_name: provider.and_then(|p| p.name),
                }),
                None if present(&entry.original_url).is_none() && present(&entry.web_url).is_none() => {
                    let at = self.locator.key("related").unwrap_or(Position::START);
                    let hint = "set originalUrl or webUrl to an absolute http(s) URL, or remove the entry";
                    self.warn(at, format!("{path}: no link; related article left out"), hint);
                }
                None => {}
            }
        }
        related
    }
}

/// Whether `text` is an absolute URI (RFC 3986 §4.3) that needs no
/// escaping to be an id: a scheme, a colon, and at least one character,
/// none of them a space or a control character.
fn is_absolute_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else { return false };
    let mut scheme_chars = scheme.chars();
    let scheme_ok = scheme_chars.next().is_some_and(|first| first.is_ascii_alphabetic())
        && scheme_chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    scheme_ok
        && !rest.is_empty()
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
        && Url::parse(text).is_ok()
}

/// Names in a list, without null or blank ones.
fn names(raw: Option<Vec<Option<String>>>) -> Vec<String> {
    raw.unwrap_or_default().into_iter().flatten().filter(|name| !name.trim().is_empty()).collect()
}

/// Turn a parsed record into a [`Record`] and the warnings about data left
/// out of it, or every error it has.
pub(super) fn validate(
    source: &Path,
    raw: RawRecord,
    yaml: &str,
    body: &str,
) -> Result<(Record, Vec<RecordProblem>), Vec<RecordProblem>> {
    let mut check =
        Checker { source, yaml, locator: Locator::new(yaml), errors: Vec::new(), warnings: Vec::new(), skipped: None };

    let title = present(&raw.title).filter(|title| !plain_text(title).is_empty()).map(str::to_owned);
    match (&title, present(&raw.title)) {
        (Some(_), _) => {}
        (None, Some(_)) => {
            let at = check.locator.key("title").unwrap_or(Position::START);
            check.report_with_hint(at, "title: has no visible characters".to_owned(), "every record needs a title");
        }
        (None, None) => check.missing(&["title"], "title: missing".to_owned(), "every record needs a title"),
    }

    let published = match present(&raw.published_date_time) {
        Some(text) => check.date("publishedDateTime", "publishedDateTime", text),
        None => {
            check.missing(&["publishedDateTime"], "publishedDateTime: missing".to_owned(), EXPECTED_DATE);
            None
        }
    };
    let updated =
        present(&raw.updated_date_time).and_then(|text| check.date("updatedDateTime", "updatedDateTime", text));

    let original = check.link("originalUrl", "originalUrl", &raw.original_url);
    let web = check.link("webUrl", "webUrl", &raw.web_url);
    let link = match (original, web) {
        (Ok(Some(link)), Ok(_)) | (Ok(None), Ok(Some(link))) => Some(link),
        (Ok(None), Ok(None)) => {
            let hint = "set originalUrl or webUrl to an absolute http(s) URL";
            check.missing(&["originalUrl", "webUrl"], "no link".to_owned(), hint);
            None
        }
        _ => None,
    };

    let id = present(&raw.id).and_then(|text| check.id(text));

    let is_published = match &raw.published {
        None => true,
        Some(PublishedValue::Flag(flag)) => *flag,
        Some(PublishedValue::Other(value)) => {
            check.refuse_published(value);
            false
        }
    };

    for (key, html) in [("excerpt", &raw.excerpt), ("featuredContent", &raw.featured_content)] {
        if let Some(html) = html {
            check.html_depth(key, html);
        }
    }
    check.body_depth(yaml, body);

    let provider = check.provider("provider", "provider", raw.provider);
    let images = check.images("images", "images", raw.images);
    let related = check.related(raw.related);

    match (title, published, link) {
        (Some(title), Some(published), Some(link)) if check.errors.is_empty() => Ok((
            Record {
                source: source.to_owned(),
                title,
                published,
                updated: updated.map_or(published, |updated| updated.max(published)),
                link,
                id,
                amp_web_url: raw.amp_web_url,
                cdn_amp_web_url: raw.cdn_amp_web_url,
                excerpt: raw.excerpt,
                featured_content: raw.featured_content,
                kind: raw.kind,
                category: raw.category,
                quality: raw.quality,
                heat: raw.heat,
                is_published,
                provider,
                topics: names(raw.topics),
                tags: names(raw.tags),
                images,
                related,
                body: body.to_owned(),
            },
            check.warnings,
        )),
        _ => Err(check.errors),
    }
}
