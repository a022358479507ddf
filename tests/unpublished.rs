//! `published: false` records have no effect on any output, and no
//! `secured` value ever appears in output or messages.

mod common;

use std::fs;
use std::path::Path;

use common::*;

/// Copy the files of `from` (recursively) into `to`.
fn copy_tree(from: &Path, to: &Path) {
    for (relative, bytes) in read_tree(from) {
        let path = to.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
}

/// Files under `dir` whose front matter says `published: false`.
fn unpublished_files(dir: &Path) -> Vec<String> {
    read_tree(dir)
        .into_iter()
        .filter(|(_, bytes)| String::from_utf8_lossy(bytes).lines().any(|line| line.trim() == "published: false"))
        .map(|(relative, _)| relative)
        .collect()
}

/// Every `secured:` value written in the records under `dir`.
fn secured_values(dir: &Path) -> Vec<String> {
    read_tree(dir)
        .values()
        .flat_map(|bytes| {
            String::from_utf8_lossy(bytes)
                .lines()
                .filter_map(|line| line.strip_prefix("secured:"))
                .map(|value| value.trim().trim_matches('"').to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Build `records` with and without their unpublished records, with
/// `archives` on (a feed of one item each, the rest in archive documents of
/// one item, so that every item lands in some archive) or off: the same
/// files, byte for byte.
fn assert_unpublished_changes_nothing(records: &Path, archives: bool) {
    let with = tempfile::tempdir().unwrap();
    copy_tree(records, with.path());
    let without = tempfile::tempdir().unwrap();
    copy_tree(records, without.path());
    let drafts = unpublished_files(records);
    assert!(!drafts.is_empty(), "the corpus must hold unpublished records for this test to mean anything");
    for draft in &drafts {
        fs::remove_file(without.path().join(draft)).unwrap();
    }
    // The same output folder path, so that nothing but the records differs.
    let build = |input: &Path| {
        let out = tempfile::tempdir().unwrap();
        let mut settings = settings(input, &out.path().join("feeds"));
        if archives {
            (settings.archives, settings.limit, settings.archive_items) = (true, 1, 1);
        }
        build_tree(&settings)
    };
    let built_with = build(with.path());
    let built_without = build(without.path());
    assert_eq!(built_with.keys().any(|path| path.contains("/archive/")), archives);
    assert_eq!(built_with.keys().collect::<Vec<_>>(), built_without.keys().collect::<Vec<_>>());
    for (path, bytes) in &built_with {
        assert!(bytes == &built_without[path], "{path} differs when unpublished records are present");
    }
}

#[test]
fn unpublished_record_changes_nothing() {
    assert_unpublished_changes_nothing(&newsroom(), false);
}

#[test]
fn unpublished_record_changes_nothing_with_archives() {
    assert_unpublished_changes_nothing(&newsroom(), true);
}

#[test]
fn unpublished_example_records_change_nothing() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/records");
    assert_unpublished_changes_nothing(&examples, false);
    assert_unpublished_changes_nothing(&examples, true);
}

#[test]
fn names_only_unpublished_records_carry_appear_nowhere() {
    let tree = build_folder(&newsroom());
    for secret in
        ["Zephyrgizmo", "Secret Plans", "secret-plans", "leak.test", "Leaky Source", "Quillwort", "Unfinished Ideas"]
    {
        for (path, bytes) in &tree {
            assert!(!String::from_utf8_lossy(bytes).contains(secret), "{secret:?} leaked into {path}");
        }
    }
}

#[test]
fn secured_values_appear_in_no_output_in_any_mode() {
    let records = records_dir(&[(
        "draft.md",
        "---\ntitle: Draft\npublishedDateTime: 2025-01-01T00:00:00Z\noriginalUrl: https://x.test/d\n\
         published: false\ntopics: [A]\nsecured: \"draft-secret-value-0001\"\n---\n",
    )]);
    copy_tree(&newsroom(), records.path());
    fs::remove_file(records.path().join("draft-unfinished.md")).unwrap();
    let secrets = secured_values(records.path());
    assert!(secrets.len() >= 10, "{secrets:?}");
    for include_unpublished in [false, true] {
        let out = tempfile::tempdir().unwrap();
        let mut settings = settings(records.path(), out.path());
        settings.include_unpublished = include_unpublished;
        let tree = build_tree(&settings);
        assert_eq!(String::from_utf8_lossy(&tree["all.json"]).contains("Zephyrgizmo"), include_unpublished);
        for (path, bytes) in &tree {
            let text = String::from_utf8_lossy(bytes);
            for secret in &secrets {
                assert!(!text.contains(secret.as_str()), "secured value leaked into {path}");
            }
        }
    }
}

#[test]
fn secured_value_appears_in_no_error_message() {
    let secret = "error-path-secret-value-9876";
    let records = records_dir(&[
        ("bad-date.md", &format!("---\ntitle: T\npublishedDateTime: later\nsecured: \"{secret}\"\n---\n")),
        ("bad-type.md", &format!("---\nsecured: \"{secret}\"\ntitle: [1, 2]\n---\n")),
        ("bad-yaml.md", &format!("---\nsecured: \"{secret}\n---\n")),
    ]);
    let out = tempfile::tempdir().unwrap();
    let Err(feedgen::BuildError::InvalidRecords(errors)) = feedgen::plan(&settings(records.path(), out.path())) else {
        panic!("expected invalid records");
    };
    assert_eq!(
        errors
            .iter()
            .map(|e| e.path.file_name().unwrap().to_str().unwrap())
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        3
    );
    for error in &errors {
        let excerpt = error.excerpt.as_ref().map_or("", |excerpt| excerpt.text.as_str());
        assert!(!error.to_string().contains(secret) && !excerpt.contains(secret), "{error:?}");
    }
}

#[test]
fn unpublished_flag_includes_drafts_and_validates_them() {
    let out = tempfile::tempdir().unwrap();
    let mut settings = settings(&newsroom(), out.path());
    settings.include_unpublished = true;
    let Err(feedgen::BuildError::InvalidRecords(errors)) = feedgen::plan(&settings) else {
        panic!("the unfinished draft must be reported once drafts are included");
    };
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(messages[0].ends_with("draft-unfinished.md:3:20: publishedDateTime: not a date: \"sometime next week\"; expected an RFC 3339 date such as 2020-11-12T20:30:00Z, `2020-11-12 20:30:00 +0100` or 2020-11-12, in the years 1900 to 9999"), "{messages:#?}");
    assert!(
        messages[1].ends_with("draft-unfinished.md:1:1: no link; set originalUrl or webUrl to an absolute http(s) URL"),
        "{messages:#?}"
    );
}

/// A draft's unusable image is no warning: drafts are not validated unless
/// they are built.
#[test]
fn an_unpublished_record_draws_no_warning_unless_drafts_are_included() {
    let draft = "---\ntitle: Draft\npublished: false\npublishedDateTime: 2025-01-01\noriginalUrl: https://ok.test/draft\nimages:\n  - url: /relative.png\n---\n";
    let dir = records_dir(&[("draft.md", draft)]);
    let mut settings = settings(dir.path(), &dir.path().join("feeds"));
    let report = feedgen::build(&settings).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let output = run_feedgen(dir.path(), &["check", "--strict", "--input", "."], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(!stderr_of(&output).contains("warning: "), "{}", stderr_of(&output));
    settings.include_unpublished = true;
    let report = feedgen::build(&settings).unwrap();
    let messages: Vec<String> = report.warnings.iter().map(|warning| warning.message.clone()).collect();
    assert_eq!(messages, ["images[0].url: not an absolute http(s) URL: \"/relative.png\"; image left out"]);
}

/// A draft is left out before anything can refuse it: not too large, too
/// deeply nested or unparseable to fail a build that ignores it.
#[test]
fn drafts_too_large_deep_or_broken_to_parse_change_nothing() {
    let good = "---\ntitle: Kept\npublishedDateTime: 2025-01-01\noriginalUrl: https://ok.test/kept\n---\n";
    let mut huge = "---\npublished: false\ntitle: Hulkwrapper\n---\n".to_owned();
    huge.push_str(&"x".repeat(feedgen::MAX_RECORD_BYTES as usize));
    let deep = format!("---\npublished: false\ntitle: Deepwhorl\nx: {}\n---\n", "[".repeat(10_000));
    let broken = "---\ntitle: \"Brokenquill\npublished: false\n---\n";
    let with_drafts = records_dir(&[("good.md", good), ("huge.md", &huge), ("deep.md", &deep), ("broken.md", broken)]);
    let alone = records_dir(&[("good.md", good)]);
    let out = tempfile::tempdir().unwrap();
    let report = feedgen::build(&settings(with_drafts.path(), &out.path().join("feeds"))).unwrap();
    assert_eq!(report.unpublished, 3);
    assert_eq!(read_tree(&out.path().join("feeds")), build_folder(alone.path()));
}
