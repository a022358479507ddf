//! File names for feeds: lowercase ASCII words joined by `-`, transliterated
//! from any script, never empty, at most [`MAX_SLUG_BYTES`], and unable to
//! leave the output folder because they hold nothing but `[a-z0-9-]`.

use std::collections::{BTreeMap, HashSet};

use deunicode::deunicode;

/// Longest slug, in bytes (ASCII, so also in characters): leaves room for a
/// folder and an extension far below any file system's name limit.
pub(crate) const MAX_SLUG_BYTES: usize = 80;

/// Device names Windows refuses as file names, whatever the extension.
const RESERVED: [&str; 22] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9", "lpt1", "lpt2",
    "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// Eight hex digits that depend only on `key`, to tell colliding names apart.
fn fingerprint(key: &str) -> String {
    format!("{:08x}", crc32fast::hash(key.as_bytes()))
}

/// At most `max` bytes of `slug`, cut so that it does not end in `-`.
fn truncated(slug: &str, max: usize) -> &str {
    slug[..slug.len().min(max)].trim_end_matches('-')
}

/// The slug `name` would get if no other name competed for it.
pub(super) fn slugify(name: &str) -> String {
    let ascii = deunicode(name).to_ascii_lowercase();
    let words: Vec<&str> = ascii.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let slug = truncated(&words.join("-"), MAX_SLUG_BYTES).to_owned();
    if slug.is_empty() {
        fingerprint(name)
    } else if RESERVED.contains(&slug.as_str()) {
        format!("{slug}-feed")
    } else {
        slug
    }
}

/// Distinct slugs for distinct keys. Keys whose slugs collide are ordered by
/// key: the first keeps the plain slug, the others get a suffix derived from
/// their own key, so a slug depends only on the set of names, never on the
/// order records were read in.
pub(super) fn assign<'a>(keys: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, String> {
    let mut by_slug: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for key in keys.into_iter().collect::<std::collections::BTreeSet<_>>() {
        by_slug.entry(slugify(key)).or_default().push(key);
    }
    let mut taken: HashSet<String> = by_slug.keys().cloned().collect();
    let mut assigned = BTreeMap::new();
    for (slug, keys) in &by_slug {
        assigned.insert(keys[0].to_owned(), slug.clone());
        for key in &keys[1..] {
            let stem = format!("{}-{}", truncated(slug, MAX_SLUG_BYTES - 9), fingerprint(key));
            let mut candidate = stem.clone();
            let mut counter = 2;
            while taken.contains(&candidate) {
                candidate = format!("{}-{counter}", truncated(&stem, MAX_SLUG_BYTES - 4));
                counter += 1;
            }
            taken.insert(candidate.clone());
            assigned.insert((*key).to_owned(), candidate);
        }
    }
    assigned
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_safe(slug: &str) -> bool {
        !slug.is_empty()
            && slug.len() <= MAX_SLUG_BYTES
            && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !slug.starts_with('-')
            && !slug.ends_with('-')
    }

    #[test]
    fn words_are_lowercased_and_joined() {
        assert_eq!(slugify("AWS AI"), "aws-ai");
        assert_eq!(slugify("  Natural   Language--Processing "), "natural-language-processing");
    }

    #[test]
    fn other_scripts_are_transliterated() {
        assert_eq!(slugify("人工知能"), "ren-gong-zhi-neng");
        assert_eq!(slugify("Ünïcödé Café"), "unicode-cafe");
    }

    #[test]
    fn hostile_names_give_safe_slugs() {
        for name in ["../../etc/x", "..", "/", "", "🦀", "C++", "\u{0}", &"long name ".repeat(40), "con"] {
            let slug = slugify(name);
            assert!(is_safe(&slug), "{name:?} -> {slug:?}");
        }
        assert_eq!(slugify("../../etc/x"), "etc-x");
        assert_eq!(slugify("con"), "con-feed");
    }

    #[test]
    fn colliding_names_get_distinct_deterministic_slugs() {
        let slugs = assign(["C++", "C#", "C"]);
        let distinct: HashSet<&String> = slugs.values().collect();
        assert_eq!(distinct.len(), 3);
        assert_eq!(slugs["C"], "c");
        assert!(slugs.values().all(|slug| is_safe(slug)));
        assert_eq!(assign(["C", "C#", "C++"]), slugs);
    }

    #[test]
    fn suffixed_slug_does_not_steal_another_names_slug() {
        let taken_suffix = format!("c {}", fingerprint("C#"));
        let slugs = assign(["C", "C#", taken_suffix.as_str()]);
        let distinct: HashSet<&String> = slugs.values().collect();
        assert_eq!(distinct.len(), 3, "{slugs:?}");
    }
}
