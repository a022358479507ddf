//! Web links in the one spelling feeds write them in.
//!
//! A link is an item's permanent id, so two spellings of the same URL must
//! not become two items, and the id must be the canonical form readers and
//! the W3C validator compare (RFC 3986 §6.2.2): lowercase scheme and host,
//! no default port, no trailing dot on the host, `%XX` escapes in upper case
//! and decoded where they stand for an unreserved character. The `url` crate
//! does the first part; this module does the escapes, and also escapes the
//! characters it leaves as they are (`[`, `]`, `|`, `^`, `{`, `}`, `` ` ``),
//! which RFC 3986 does not allow in a path, query or fragment.

use url::Url;

/// An absolute http(s) URL with a host, in canonical form, or `None`: what
/// a record's links and `base_url` must be.
pub(crate) fn parse_web_link(text: &str) -> Option<Url> {
    let url = Url::parse(text.trim()).ok()?;
    let has_host = url.host_str().is_some_and(|host| !host.is_empty());
    (matches!(url.scheme(), "http" | "https") && has_host).then(|| canonicalise(url))
}

/// Characters that never need escaping (RFC 3986 "unreserved").
fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

/// Characters a path segment, query or fragment may hold as they are
/// (RFC 3986 "pchar" without the unreserved ones and escapes).
fn is_sub_delimiter_or_colon_at(byte: u8) -> bool {
    matches!(byte, b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' | b':' | b'@')
}

fn push_escape(out: &mut String, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    out.push(char::from(HEX[usize::from(byte >> 4)]));
    out.push(char::from(HEX[usize::from(byte & 0x0F)]));
}

fn hex_value(byte: u8) -> Option<u8> {
    char::from(byte).to_digit(16).and_then(|digit| u8::try_from(digit).ok())
}

/// One component (path, query or fragment) in canonical form; `also_safe`
/// are the delimiters the component may hold literally (`/`, `?`).
fn push_component(out: &mut String, component: &str, also_safe: &[u8]) {
    let bytes = component.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        let escaped = (byte == b'%')
            .then(|| Some(hex_value(*bytes.get(index + 1)?)? << 4 | hex_value(*bytes.get(index + 2)?)?))
            .flatten();
        match escaped {
            Some(value) if is_unreserved(value) => out.push(char::from(value)),
            Some(value) => push_escape(out, value),
            None if is_unreserved(byte) || is_sub_delimiter_or_colon_at(byte) || also_safe.contains(&byte) => {
                out.push(char::from(byte))
            }
            None => push_escape(out, byte),
        }
        index += if escaped.is_some() { 3 } else { 1 };
    }
}

/// `url` in canonical form (see the module documentation).
pub(crate) fn canonical(url: &Url) -> String {
    let mut out = format!("{}:", url.scheme());
    if let Some(host) = url.host_str() {
        out.push_str("//");
        if !url.username().is_empty() || url.password().is_some() {
            push_component(&mut out, url.username(), b"");
            if let Some(password) = url.password() {
                out.push(':');
                push_component(&mut out, password, b"");
            }
            out.push('@');
        }
        let without_dots = host.trim_end_matches('.');
        out.push_str(if without_dots.contains('.') { without_dots } else { host });
        if let Some(port) = url.port() {
            out.push_str(&format!(":{port}"));
        }
    }
    push_component(&mut out, url.path(), b"/");
    if let Some(query) = url.query() {
        out.push('?');
        push_component(&mut out, query, b"/?");
    }
    if let Some(fragment) = url.fragment() {
        out.push('#');
        push_component(&mut out, fragment, b"/?");
    }
    out
}

/// `url` re-parsed from its canonical form, so that every later
/// `to_string` gives the canonical spelling.
pub(crate) fn canonicalise(url: Url) -> Url {
    Url::parse(&canonical(&url)).unwrap_or(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical_of(text: &str) -> String {
        canonical(&Url::parse(text).unwrap())
    }

    #[test]
    fn escapes_are_upper_case_and_unreserved_ones_decoded() {
        assert_eq!(
            canonical_of("https://a.test/%7euser/%c3%a9t%C3%A9?q=%41%2f"),
            "https://a.test/~user/%C3%A9t%C3%A9?q=A%2F"
        );
    }

    #[test]
    fn characters_rfc_3986_forbids_are_escaped() {
        assert_eq!(
            canonical_of("https://a.test/a|b^c/[x]?list[]=1&b={2}#frag`ment"),
            "https://a.test/a%7Cb%5Ec/%5Bx%5D?list%5B%5D=1&b=%7B2%7D#frag%60ment"
        );
        assert_eq!(canonical_of("https://a.test/100%"), "https://a.test/100%25");
    }

    #[test]
    fn host_is_lowercase_without_default_port_or_trailing_dot() {
        assert_eq!(canonical_of("HTTPS://News.Example.COM.:443/A"), "https://news.example.com/A");
        assert_eq!(canonical_of("http://localhost.:8080/"), "http://localhost.:8080/");
        assert_eq!(canonical_of("https://A.test../x"), "https://a.test/x");
        assert_eq!(canonical_of("https://us%65r:p%41ss@a.test/"), "https://user:pAss@a.test/");
    }

    #[test]
    fn canonical_form_is_a_fixed_point_of_parsing() {
        for text in [
            "https://a.test/%7e|[x]?a[]=1#f^",
            "https://b.test./x%2fy?q=%zz",
            "https://ü.test/ü?ü#ü",
            "https://A.test../x",
            "https://u%7e:p[w]@c.test/",
        ] {
            let once = canonicalise(Url::parse(text).unwrap());
            assert_eq!(once.as_str(), canonical(&once), "{text}");
        }
    }
}
