//! The HTTP side of `feedgen serve`: one handler that answers GET and HEAD
//! with files from the output folder, gzip when the client asks for it, and
//! conditional requests answered from the representation actually sent.
//!
//! A request passes through two layers before the handler: [`conditional`]
//! (outermost) and tower-http's gzip compression. The handler reads the file
//! and marks the response with a [`Fingerprint`] of its bytes; compression
//! decides, from `Accept-Encoding`, whether to encode it; [`conditional`]
//! then sees the final representation, gives it its entity tag and turns
//! the response into a 304 when the client's copy is current. Deciding
//! freshness last is what keeps the gzip and identity representations under
//! different tags without guessing the compression layer's choice. (A
//! compressed body is produced lazily, as it is sent, so a 304 costs no
//! compression.)

use std::fs;
use std::io::{self, Read};
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use headers::{ETag, HeaderMapExt, IfModifiedSince, IfNoneMatch, LastModified};
use tower_http::compression::CompressionLayer;
use xxhash_rust::xxh3::xxh3_64;

use super::media_type::media_type;
use super::path::{Refusal, locate};

/// What the HTTP date format can state: from 1970 to the end of 9999
/// (`httpdate` panics outside it, and a file's mtime can be anything).
const LAST_HTTP_DATE: Duration = Duration::from_secs(253_402_300_799);

/// The methods served, for `Allow`.
const ALLOWED: &str = "GET, HEAD";

/// The router for the output folder `root` (canonical), listening on
/// `bound`.
pub(super) fn router(root: &Path, bound: IpAddr) -> Router {
    Router::new()
        .fallback(serve_file)
        .with_state(Arc::<Path>::from(root))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn(conditional))
        .layer(middleware::from_fn_with_state(bound, check_host))
}

/// Against DNS rebinding: a page on another site can make a browser send
/// requests to 127.0.0.1 under the site's own name (its DNS now answering
/// 127.0.0.1), and read the answers. Such requests carry that name in
/// `Host`. So on a loopback address only requests addressed to this
/// machine by a loopback name are answered; the others get 421
/// Misdirected Request, and no file. On any other address the server is
/// open to the network anyway, under names it cannot know: every `Host`
/// is answered.
async fn check_host(State(bound): State<IpAddr>, request: Request, next: Next) -> Response {
    let host = match request.uri().authority() {
        Some(authority) => Some(authority.as_str()),
        None => request.headers().get(header::HOST).and_then(|value| value.to_str().ok()),
    };
    if !bound.is_loopback() || host.is_some_and(|host| is_loopback_host(host, bound)) {
        return next.run(request).await;
    }
    let message = "misdirected request: this server answers only to localhost, 127.0.0.1 and [::1]\n";
    (StatusCode::MISDIRECTED_REQUEST, message).into_response()
}

/// Whether `host` (a `Host` header: a name or address, maybe a port) names
/// this machine by loopback: `localhost`, `127.0.0.1`, `[::1]`, or the
/// loopback address listened on (`bound`), with any port.
fn is_loopback_host(host: &str, bound: IpAddr) -> bool {
    // The name ends at the first `:`, or after the `]` of an IPv6 address.
    let name_end = if host.starts_with('[') { host.find(']').map(|end| end + 1) } else { host.find(':') };
    let (name, port) = host.split_at(name_end.unwrap_or(host.len()));
    if host.starts_with('[') && name_end.is_none() {
        return false;
    }
    let port_is_valid = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit()));
    let bound = match bound {
        IpAddr::V4(address) => address.to_string(),
        IpAddr::V6(address) => format!("[{address}]"),
    };
    port_is_valid
        && ["localhost", "127.0.0.1", "[::1]", &bound].iter().any(|loopback| name.eq_ignore_ascii_case(loopback))
}

/// A hash of the bytes a response carries before any content coding: the
/// handler's message to [`conditional`], which makes the entity tag.
#[derive(Debug, Clone, Copy)]
struct Fingerprint(u64);

/// A file read for an answer.
struct Contents {
    /// The media type, from the file's name.
    media_type: &'static str,
    bytes: Vec<u8>,
    /// The mtime, when the HTTP date format can state it.
    modified: Option<SystemTime>,
}

/// Answer GET and HEAD with the file the path names (HEAD's body is dropped
/// by axum, after every header is set as for GET); any other method gets
/// 405 with `Allow`.
async fn serve_file(State(root): State<Arc<Path>>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, ALLOWED)], "only GET and HEAD are served\n")
            .into_response();
    }
    let raw_path = uri.path().to_owned();
    match tokio::task::spawn_blocking(move || read(&root, &raw_path)).await {
        Ok(Ok(contents)) => file_response(contents),
        Ok(Err(Unservable::Refused(Refusal::BadRequest))) => (StatusCode::BAD_REQUEST, "bad request\n").into_response(),
        Ok(Err(Unservable::Refused(Refusal::NotFound))) => (StatusCode::NOT_FOUND, "not found\n").into_response(),
        Ok(Err(Unservable::Unreadable(error))) => {
            (StatusCode::INTERNAL_SERVER_ERROR, format!("cannot read the file: {error}\n")).into_response()
        }
        Err(_cancelled_or_panicked) => (StatusCode::INTERNAL_SERVER_ERROR, "cannot read the file\n").into_response(),
    }
}

/// Why no file is sent.
enum Unservable {
    /// The path names nothing servable.
    Refused(Refusal),
    /// The file is there but could not be read.
    Unreadable(io::Error),
}

/// Read the file `raw_path` names under `root`. Its bytes and mtime come
/// from one open file, so a rebuild replacing it (by rename) meanwhile
/// cannot mix the old file's date with the new one's bytes.
fn read(root: &Path, raw_path: &str) -> Result<Contents, Unservable> {
    let path = locate(root, raw_path).map_err(Unservable::Refused)?;
    let unreadable = |error: io::Error| match error.kind() {
        io::ErrorKind::NotFound => Unservable::Refused(Refusal::NotFound),
        _ => Unservable::Unreadable(error),
    };
    let mut file = fs::File::open(&path).map_err(unreadable)?;
    let metadata = file.metadata().map_err(unreadable)?;
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.read_to_end(&mut bytes).map_err(unreadable)?;
    let name = path.file_name().map(|name| name.to_string_lossy()).unwrap_or_default();
    Ok(Contents { media_type: media_type(&name), bytes, modified: metadata.modified().ok().filter(has_http_date) })
}

/// Whether `time` can be written as an HTTP date.
fn has_http_date(time: &SystemTime) -> bool {
    time.duration_since(SystemTime::UNIX_EPOCH).is_ok_and(|since| since <= LAST_HTTP_DATE)
}

/// A 200 with the file, its type and `Last-Modified`, marked with its
/// [`Fingerprint`]. `Cache-Control: no-cache`: a preview changes under the
/// reader, so caches must ask every time (and get a 304 when nothing
/// changed). `Vary: Accept-Encoding` on every file, gzipped or not, so that
/// no cache hands one client's encoding to another.
fn file_response(contents: Contents) -> Response {
    let fingerprint = Fingerprint(xxh3_64(&contents.bytes));
    let mut response = Response::new(Body::from(contents.bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(contents.media_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(modified) = contents.modified {
        headers.typed_insert(LastModified::from(modified));
    }
    response.extensions_mut().insert(fingerprint);
    response
}

/// The strong entity tag of a representation: the hash of the file's bytes,
/// with the content coding appended when the bytes are sent encoded
/// (`"<hash>-gzip"`). Strong tags promise identical bytes, so the gzip and
/// identity representations of one file must not share one (RFC 9110
/// §8.8.3.3); gzip of the same bytes at the same level is always the same.
fn entity_tag(fingerprint: Fingerprint, coding: Option<&str>) -> Option<ETag> {
    let Fingerprint(hash) = fingerprint;
    let tag = match coding {
        Some(coding) => format!("\"{hash:016x}-{coding}\""),
        None => format!("\"{hash:016x}\""),
    };
    tag.parse().ok()
}

/// The client's conditions on a GET or HEAD.
struct Conditions {
    if_none_match: Option<IfNoneMatch>,
    if_modified_since: Option<IfModifiedSince>,
}

impl Conditions {
    /// The conditions in `headers`; one that cannot be parsed counts as
    /// absent (RFC 9110 §13.1.3 says so for a bad date).
    fn of(headers: &HeaderMap) -> Self {
        Conditions { if_none_match: headers.typed_get(), if_modified_since: headers.typed_get() }
    }

    /// Whether the client already holds the representation tagged `etag`,
    /// modified at `last_modified`: `If-None-Match` decides when present
    /// (weak comparison), and only without it does `If-Modified-Since`
    /// (RFC 9110 §13.2.2).
    fn client_is_current(&self, etag: &ETag, last_modified: Option<LastModified>) -> bool {
        match (&self.if_none_match, &self.if_modified_since) {
            (Some(if_none_match), _) => !if_none_match.precondition_passes(etag),
            (None, Some(if_modified_since)) => {
                last_modified.is_some_and(|modified| !if_modified_since.is_modified(modified.into()))
            }
            (None, None) => false,
        }
    }
}

/// Tag every file response with the entity tag of the representation it
/// carries, and answer 304 instead when the client's copy is current.
async fn conditional(request: Request, next: Next) -> Response {
    let conditions = Conditions::of(request.headers());
    let mut response = next.run(request).await;
    let Some(&fingerprint) = response.extensions().get::<Fingerprint>() else { return response };
    if response.status() != StatusCode::OK {
        return response;
    }
    let coding = response.headers().get(header::CONTENT_ENCODING).and_then(|value| value.to_str().ok());
    let Some(etag) = entity_tag(fingerprint, coding) else { return response };
    let current = conditions.client_is_current(&etag, response.headers().typed_get());
    response.headers_mut().typed_insert(etag);
    if current { not_modified(response.headers()) } else { response }
}

/// A 304 with the validators and caching headers a 200 would carry
/// (RFC 9110 §15.4.5), and no body.
fn not_modified(full: &HeaderMap) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    for name in [header::ETAG, header::LAST_MODIFIED, header::CACHE_CONTROL, header::VARY] {
        for value in full.get_all(&name) {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_with_any_port_are_this_machine() {
        let localhost = IpAddr::from([127, 0, 0, 1]);
        for host in ["localhost", "LocalHost:8000", "127.0.0.1", "127.0.0.1:1", "[::1]", "[::1]:8000"] {
            assert!(is_loopback_host(host, localhost), "{host}");
        }
        assert!(is_loopback_host("127.0.0.2:80", IpAddr::from([127, 0, 0, 2])), "the address listened on");
        assert!(is_loopback_host("[::1]:80", IpAddr::from([0, 0, 0, 0, 0, 0, 0, 1])));
        for host in [
            "evil.example",
            "evil.example:8000",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "127.0.0.2",
            "localhost:",
            "localhost:80x",
            "localhost:80:80",
            "[::1",
            "[::1]x",
            "[::2]:80",
            "",
        ] {
            assert!(!is_loopback_host(host, localhost), "{host}");
        }
    }

    #[test]
    fn gzip_and_identity_have_different_strong_tags() {
        let fingerprint = Fingerprint(0xabc);
        let identity = entity_tag(fingerprint, None).unwrap();
        let gzip = entity_tag(fingerprint, Some("gzip")).unwrap();
        assert_eq!(identity, "\"0000000000000abc\"".parse::<ETag>().unwrap());
        assert_eq!(gzip, "\"0000000000000abc-gzip\"".parse::<ETag>().unwrap());
        assert!(!identity.is_weak() && !gzip.is_weak());
    }

    #[test]
    fn dates_the_http_format_cannot_state_are_left_out() {
        assert!(has_http_date(&SystemTime::UNIX_EPOCH));
        assert!(has_http_date(&(SystemTime::UNIX_EPOCH + LAST_HTTP_DATE)));
        assert!(!has_http_date(&(SystemTime::UNIX_EPOCH - Duration::from_secs(1))));
        assert!(!has_http_date(&(SystemTime::UNIX_EPOCH + LAST_HTTP_DATE + Duration::from_secs(1))));
        // The last date is one the header accepts (it panics past it).
        let _ = LastModified::from(SystemTime::UNIX_EPOCH + LAST_HTTP_DATE);
    }

    fn conditions(if_none_match: Option<&str>, if_modified_since: Option<&str>) -> Conditions {
        let mut headers = HeaderMap::new();
        for (name, value) in [(header::IF_NONE_MATCH, if_none_match), (header::IF_MODIFIED_SINCE, if_modified_since)] {
            if let Some(value) = value {
                headers.insert(name, HeaderValue::from_str(value).unwrap());
            }
        }
        Conditions::of(&headers)
    }

    #[test]
    fn if_none_match_takes_precedence_over_if_modified_since() {
        let etag: ETag = "\"1\"".parse().unwrap();
        let modified = Some(LastModified::from(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000)));
        let later = "Sun, 01 Jan 2040 00:00:00 GMT";
        let earlier = "Sat, 01 Jan 2000 00:00:00 GMT";
        assert!(conditions(Some("\"1\""), None).client_is_current(&etag, modified));
        assert!(conditions(Some("\"0\", W/\"1\""), None).client_is_current(&etag, modified), "weak comparison");
        assert!(conditions(Some("*"), None).client_is_current(&etag, modified));
        assert!(!conditions(Some("\"2\""), Some(later)).client_is_current(&etag, modified));
        assert!(conditions(Some("\"1\""), Some(earlier)).client_is_current(&etag, modified));
        assert!(conditions(None, Some(later)).client_is_current(&etag, modified));
        assert!(!conditions(None, Some(earlier)).client_is_current(&etag, modified));
        assert!(!conditions(None, Some(later)).client_is_current(&etag, None), "no date, no match");
        assert!(!conditions(None, Some("yesterday")).client_is_current(&etag, modified), "a bad date is ignored");
        assert!(!conditions(None, None).client_is_current(&etag, modified));
    }
}
