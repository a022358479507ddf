//! The user guide's links: every relative link and image in `README.md` and
//! `docs/*.md` names a file or folder of the repository, every `#anchor`
//! names a heading of the page it points into (as GitHub and GitLab spell
//! heading anchors), and no page names a file outside the repository, which
//! a clone would not have.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

use percent_encoding::percent_decode_str;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// The repository's root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `README.md` and every Markdown file in `docs/`, sorted.
fn markdown_files() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md")];
    let mut pages: Vec<PathBuf> = fs::read_dir(root().join("docs"))
        .expect("a docs/ folder")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "md"))
        .collect();
    pages.sort();
    files.extend(pages);
    files
}

/// What a link checker needs of a Markdown file.
#[derive(Debug)]
struct Page {
    /// Destinations of links and images, in document order.
    links: Vec<String>,
    /// The anchors of its headings, duplicates already numbered.
    anchors: BTreeSet<String>,
}

fn parser(text: &str) -> Parser<'_> {
    Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH)
}

/// The destinations of `text`'s links and images, and the text of its
/// headings (code spans included, without their backticks), in order.
fn links_and_headings(text: &str) -> (Vec<String>, Vec<String>) {
    let (mut links, mut headings) = (Vec::new(), Vec::new());
    let mut heading: Option<String> = None;
    for event in parser(text) {
        match event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                links.push(dest_url.into_string())
            }
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => headings.extend(heading.take()),
            Event::Text(text) | Event::Code(text) => {
                if let Some(heading) = heading.as_mut() {
                    heading.push_str(&text);
                }
            }
            _ => {}
        }
    }
    (links, headings)
}

fn read_page(path: &Path) -> Page {
    let text = fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let (links, headings) = links_and_headings(&text);
    Page { links, anchors: anchors(headings.iter().map(String::as_str)) }
}

/// The anchor GitHub gives a heading whose text is `heading`: lowercased,
/// every character but letters, digits, `-`, `_` and spaces removed, and
/// each space made a `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a page's headings, in order: a heading whose slug an
/// earlier one already took gets `-1`, `-2`, … appended.
fn anchors<'a>(headings: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    let mut taken = BTreeSet::new();
    for heading in headings {
        let base = slug(heading);
        let anchor = (0..)
            .map(|n| if n == 0 { base.clone() } else { format!("{base}-{n}") })
            .find(|anchor| !taken.contains(anchor))
            .unwrap();
        taken.insert(anchor);
    }
    taken
}

/// An absolute URL, which this test does not follow.
fn is_absolute_url(link: &str) -> bool {
    let scheme = link.split_once(':').map(|(scheme, _)| scheme.to_ascii_lowercase());
    matches!(scheme.as_deref(), Some("http" | "https" | "mailto"))
}

/// A relative link split into the file it names (`None`: the page itself)
/// and its anchor.
fn split_link(link: &str) -> (Option<String>, Option<String>) {
    let (path, anchor) = match link.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor.to_owned())),
        None => (link, None),
    };
    let path = path.split_once('?').map_or(path, |(path, _)| path);
    let path = (!path.is_empty()).then(|| percent_decode_str(path).decode_utf8_lossy().into_owned());
    (path, anchor)
}

/// `path` with `.` and `..` resolved without touching the file system, so
/// that a link through a missing folder still resolves (and can be seen to
/// leave the repository).
fn normalise(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    normal
}

/// Every relative link of every page: the page, the link as written, the
/// file it resolves to and its anchor.
fn relative_links() -> Vec<(PathBuf, String, PathBuf, Option<String>)> {
    let mut links = Vec::new();
    for file in markdown_files() {
        for link in read_page(&file).links {
            if is_absolute_url(&link) {
                continue;
            }
            let (path, anchor) = split_link(&link);
            let target = match path {
                Some(path) => normalise(&file.parent().unwrap().join(path)),
                None => file.clone(),
            };
            links.push((file.clone(), link, target, anchor));
        }
    }
    links
}

fn shown(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).display().to_string()
}

#[test]
fn every_relative_link_in_the_docs_resolves() {
    let broken: Vec<String> = relative_links()
        .into_iter()
        .filter(|(_, _, target, _)| !target.exists())
        .map(|(file, link, _, _)| format!("{}: {link}", shown(&file)))
        .collect();
    assert!(broken.is_empty(), "links to nothing:\n{}", broken.join("\n"));
}

#[test]
fn every_anchor_names_a_heading() {
    let mut broken = Vec::new();
    for (file, link, target, anchor) in relative_links() {
        let Some(anchor) = anchor else { continue };
        if target.extension().is_none_or(|extension| extension != "md") {
            broken.push(format!("{}: {link}: an anchor into a file that is not Markdown", shown(&file)));
        } else if !target.is_file() {
            continue; // every_relative_link_in_the_docs_resolves reports it
        } else if !read_page(&target).anchors.contains(&anchor) {
            broken.push(format!("{}: {link}: {} has no heading #{anchor}", shown(&file), shown(&target)));
        }
    }
    assert!(broken.is_empty(), "anchors that name no heading:\n{}", broken.join("\n"));
}

#[test]
fn the_docs_name_no_file_outside_the_repository() {
    let root = root();
    let outside: Vec<String> = relative_links()
        .into_iter()
        .filter(|(_, _, target, _)| !target.starts_with(&root))
        .map(|(file, link, _, _)| format!("{}: {link}", shown(&file)))
        .collect();
    assert!(outside.is_empty(), "links that leave the repository:\n{}", outside.join("\n"));
    for file in markdown_files() {
        let text = fs::read_to_string(&file).unwrap();
        for name in ["PRODUCT.md", "../shared"] {
            assert!(!text.contains(name), "{} mentions {name}, which a clone does not have", shown(&file));
        }
    }
}

#[test]
fn the_guide_has_pages_and_the_readme_links_into_it() {
    let files = markdown_files();
    assert!(files.len() > 2, "no pages in docs/");
    let readme = read_page(&root().join("README.md"));
    assert!(readme.links.iter().any(|link| link == "docs/index.md"), "the README does not link the guide's contents");
}

#[test]
fn the_guide_contents_list_every_page() {
    let index = read_page(&root().join("docs/index.md"));
    let listed: BTreeSet<&str> = index.links.iter().map(String::as_str).collect();
    for file in markdown_files().iter().skip(1) {
        let name = file.file_name().unwrap().to_str().unwrap();
        if name != "index.md" {
            assert!(listed.contains(name), "docs/index.md does not list {name}");
        }
    }
}

#[test]
fn heading_anchors_are_spelt_as_github_spells_them() {
    assert_eq!(slug("Local preview: feedgen serve"), "local-preview-feedgen-serve");
    assert_eq!(slug("Errors and exit codes"), "errors-and-exit-codes");
    assert_eq!(slug("Problems in feedgen.yaml"), "problems-in-feedgenyaml");
    assert_eq!(slug("feedgen build --check"), "feedgen-build---check");
    assert_eq!(slug("FEEDGEN_OUTPUT and feedgen serve"), "feedgen_output-and-feedgen-serve");
    assert_eq!(
        slug("An empty or wrong input never replaces published feeds"),
        "an-empty-or-wrong-input-never-replaces-published-feeds"
    );
    assert_eq!(slug("Slugs: 人工知能 → ren-gong-zhi-neng"), "slugs-人工知能--ren-gong-zhi-neng");
    assert_eq!(slug("What's new? (1.0)"), "whats-new-10");
}

#[test]
fn code_in_a_heading_counts_as_its_text_and_repeated_headings_are_numbered() {
    let text = "# `feedgen init`\n\nSee [x](#examples-1).\n\n## Examples\n\n## Examples\n\n### Examples\n";
    let (links, headings) = links_and_headings(text);
    assert_eq!(links, ["#examples-1"]);
    let found = anchors(headings.iter().map(String::as_str));
    let expected: BTreeSet<String> =
        ["feedgen-init", "examples", "examples-1", "examples-2"].into_iter().map(String::from).collect();
    assert_eq!(found, expected);
}

#[test]
fn links_are_split_into_file_and_anchor_and_resolved_without_the_file_system() {
    assert_eq!(split_link("#exit-codes"), (None, Some("exit-codes".to_owned())));
    assert_eq!(split_link("errors.md#exit-codes"), (Some("errors.md".to_owned()), Some("exit-codes".to_owned())));
    assert_eq!(split_link("my%20page.md"), (Some("my page.md".to_owned()), None));
    assert!(is_absolute_url("https://example.com/") && is_absolute_url("mailto:a@b.test"));
    assert!(!is_absolute_url("docs/ci.md"));
    assert_eq!(normalise(Path::new("/repo/docs/../examples/./x.png")), Path::new("/repo/examples/x.png"));
    assert!(!normalise(&root().join("docs/../../shared/x")).starts_with(root()));
}
