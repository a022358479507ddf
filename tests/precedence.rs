//! Where `base_url` and the output folder come from: flags, then the
//! environment (`FEEDGEN_BASE_URL`, `FEEDGEN_OUTPUT`), then `feedgen.yaml`,
//! then the default; and which folder relative paths start from.

mod common;

use std::fs;
use std::path::Path;

use common::*;

const RECORD: &str =
    "---\ntitle: Hello\npublishedDateTime: 2025-01-01T00:00:00Z\noriginalUrl: https://ok.test/hello\n---\n";

/// `site/feedgen.yaml` (`input: records` and `extra`) and one record, in a
/// fresh folder that also holds an empty `elsewhere/`.
fn site(extra: &str) -> tempfile::TempDir {
    let config = format!("input: records\n{extra}");
    let dir = records_dir(&[("site/feedgen.yaml", &config), ("site/records/hello.md", RECORD)]);
    fs::create_dir(dir.path().join("elsewhere")).unwrap();
    dir
}

/// Every `all.json` under `dir`, by its folder relative to `dir`.
fn built_folders(dir: &Path) -> Vec<String> {
    let mut folders: Vec<String> =
        read_tree(dir).into_keys().filter_map(|path| path.strip_suffix("/all.json").map(str::to_owned)).collect();
    folders.sort();
    folders
}

fn feed_url(feeds: &Path) -> String {
    let json: serde_json::Value = serde_json::from_slice(&fs::read(feeds.join("all.json")).unwrap()).unwrap();
    json["feed_url"].as_str().unwrap().to_owned()
}

#[test]
fn base_url_flag_beats_environment_beats_feedgen_yaml() {
    let yaml = "base_url: https://yaml.test/feeds/\n";
    let env = [("FEEDGEN_BASE_URL", "https://env.test/f")];
    for (args, env, expected) in [
        (&["build"][..], &[][..], "https://yaml.test/feeds/all.json"),
        (&["build"], &env, "https://env.test/f/all.json"),
        (&["build", "--base-url", "https://flag.test/"], &env, "https://flag.test/all.json"),
    ] {
        let dir = site(yaml);
        let output = run_feedgen(&dir.path().join("site"), args, env);
        assert_eq!(output.status.code(), Some(0), "{args:?} {env:?}: {}", stderr_of(&output));
        assert_eq!(feed_url(&dir.path().join("site/feeds")), expected, "{args:?} {env:?}");
    }
}

#[test]
fn output_flag_beats_environment_beats_feedgen_yaml_beats_the_default() {
    let base = "base_url: https://ok.test/\n";
    let yaml = "base_url: https://ok.test/\noutput: from-yaml\n";
    let env = [("FEEDGEN_OUTPUT", "from-env")];
    for (config, args, env, expected) in [
        (base, &["build"][..], &[][..], "site/feeds"),
        (yaml, &["build"], &[], "site/from-yaml"),
        (yaml, &["build"], &env, "site/from-env"),
        (yaml, &["build", "--output", "from-flag"], &env, "site/from-flag"),
    ] {
        let dir = site(config);
        let output = run_feedgen(&dir.path().join("site"), args, env);
        assert_eq!(output.status.code(), Some(0), "{args:?} {env:?}: {}", stderr_of(&output));
        assert_eq!(built_folders(dir.path()), [expected], "{config:?} {args:?} {env:?}");
    }
}

#[test]
fn output_in_feedgen_yaml_is_relative_to_the_file_and_feedgen_output_to_the_working_directory() {
    for (env, expected) in [(&[][..], "site/from-yaml"), (&[("FEEDGEN_OUTPUT", "from-env")][..], "elsewhere/from-env")]
    {
        let dir = site("base_url: https://ok.test/\noutput: from-yaml\n");
        let config = dir.path().join("site/feedgen.yaml");
        let output = run_feedgen(&dir.path().join("elsewhere"), &["build", "--config", config.to_str().unwrap()], env);
        assert_eq!(output.status.code(), Some(0), "{env:?}: {}", stderr_of(&output));
        assert_eq!(built_folders(dir.path()), [expected], "{env:?}");
    }
}

#[cfg(unix)]
#[test]
fn with_config_dev_null_the_default_output_is_in_the_working_directory() {
    let dir = site("");
    let args = ["build", "--config", "/dev/null", "--input", "records", "--base-url", "https://ok.test/"];
    let output = run_feedgen(&dir.path().join("site"), &args, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(built_folders(dir.path()), ["site/feeds"]);
}

#[test]
fn an_empty_feedgen_output_exits_2_and_writes_nothing() {
    let dir = site("base_url: https://ok.test/\n");
    let output = run_feedgen(&dir.path().join("site"), &["build"], &[("FEEDGEN_OUTPUT", "")]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    assert!(built_folders(dir.path()).is_empty(), "{:?}", built_folders(dir.path()));
}

#[test]
fn build_help_names_both_environment_variables() {
    let dir = tempfile::tempdir().unwrap();
    let output = run_feedgen(dir.path(), &["build", "--help"], &[]);
    assert_eq!(output.status.code(), Some(0));
    let help = stdout_of(&output);
    let line_of = |flag: &str| help.lines().find(|line| line.trim_start().starts_with(flag)).unwrap_or_default();
    assert!(line_of("--output <DIR>").contains("[env: FEEDGEN_OUTPUT="), "{help}");
    assert!(line_of("--base-url <URL>").contains("[env: FEEDGEN_BASE_URL="), "{help}");
}

#[cfg(feature = "serve")]
#[test]
fn serve_takes_feedgen_output_for_the_deployed_folder_and_refuses_drafts_into_it() {
    let dir = site("base_url: https://ok.test/\n");
    // A port in use: were the drafts let through, serve would fail to
    // listen (saying so) rather than run until killed.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let args = ["serve", "--port", &port, "--unpublished"];
    let output = run_feedgen(&dir.path().join("site"), &args, &[("FEEDGEN_OUTPUT", "preview")]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    assert_eq!(
        stderr_of(&output),
        "error: --unpublished would write drafts into preview (FEEDGEN_OUTPUT), the folder you deploy; \
         preview them elsewhere with --output DIR (e.g. --output /tmp/preview)\n"
    );
    assert!(built_folders(dir.path()).is_empty(), "{:?}", built_folders(dir.path()));
}
