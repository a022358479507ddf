//! The CI recipes in `examples/ci/` are what docs/ci.md says they are: they
//! parse as YAML, run exactly the commands the guide lists, and those
//! commands build and publish a starter site.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_yaml::Value;

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read_yaml(relative: &str) -> Value {
    let text = fs::read_to_string(repository().join(relative)).unwrap();
    serde_yaml::from_str(&text).unwrap_or_else(|error| panic!("{relative} is not YAML: {error}"))
}

/// The lines of the first ```sh block after `heading` in docs/ci.md.
fn commands_the_guide_lists(heading: &str) -> Vec<String> {
    let guide = fs::read_to_string(repository().join("docs/ci.md")).unwrap();
    let section =
        guide.split(&format!("\n{heading}\n")).nth(1).unwrap_or_else(|| panic!("no {heading:?} in docs/ci.md"));
    let block = section.split("```sh\n").nth(1).and_then(|rest| rest.split("```").next()).expect("a sh block");
    command_lines(block)
}

fn command_lines(script: &str) -> Vec<String> {
    script.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')).map(String::from).collect()
}

/// Every `run` step of every job, in order.
fn github_run_steps(workflow: &Value) -> Vec<String> {
    let jobs = workflow["jobs"].as_mapping().expect("jobs");
    jobs.values()
        .flat_map(|job| job["steps"].as_sequence().cloned().unwrap_or_default())
        .filter_map(|step| step["run"].as_str().map(command_lines))
        .flatten()
        .collect()
}

/// The `before_script` and `script` a GitLab job runs, taking what it does
/// not set from the job it `extends`.
fn gitlab_commands(pipeline: &Value, job: &str) -> Vec<String> {
    let own = &pipeline[job];
    let template = own["extends"].as_str().map(|name| &pipeline[name]);
    ["before_script", "script"]
        .into_iter()
        .flat_map(|key| {
            let lines = if own[key].is_null() { template.map(|t| &t[key]) } else { Some(&own[key]) };
            lines.and_then(Value::as_sequence).cloned().unwrap_or_default()
        })
        .map(|line| line.as_str().expect("a script line is a string").trim().to_owned())
        .collect()
}

/// A starter site made by `feedgen init`, with its folder.
fn starter_site() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let output = feedgen().arg("init").arg(&site).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    (dir, site)
}

fn feedgen() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_feedgen"));
    command.env_remove("FEEDGEN_OUTPUT").env_remove("FEEDGEN_BASE_URL").env_remove("SOURCE_DATE_EPOCH");
    command
}

/// Runs `commands` with `sh` in `site`, the feedgen under test first on the
/// PATH; panics with the output if one fails.
fn run_in(site: &Path, commands: &[String]) {
    let binary_folder = Path::new(env!("CARGO_BIN_EXE_feedgen")).parent().unwrap();
    let path = format!("{}:{}", binary_folder.display(), std::env::var("PATH").unwrap_or_default());
    let script = format!("set -e\n{}\n", commands.join("\n"));
    let output = Command::new("sh")
        .args(["-c", &script])
        .current_dir(site)
        .env("PATH", path)
        .env_remove("FEEDGEN_OUTPUT")
        .env_remove("FEEDGEN_BASE_URL")
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{script}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn is_install(command: &str) -> bool {
    command.starts_with("cargo install ")
}

#[test]
fn the_github_workflow_runs_exactly_the_commands_the_guide_lists() {
    let workflow = read_yaml("examples/ci/github-pages.yml");
    assert_eq!(github_run_steps(&workflow), commands_the_guide_lists("### What the GitHub workflow runs"));
}

#[test]
fn the_github_workflow_uploads_the_output_folder_and_deploys_only_from_main() {
    let workflow = read_yaml("examples/ci/github-pages.yml");
    let steps = workflow["jobs"]["build"]["steps"].as_sequence().expect("build steps");
    let upload = steps
        .iter()
        .find(|step| step["uses"].as_str().is_some_and(|uses| uses.starts_with("actions/upload-pages-artifact@")))
        .expect("an upload-pages-artifact step");
    assert_eq!(upload["with"]["path"].as_str(), Some("feeds"));
    let deploy = &workflow["jobs"]["deploy"];
    assert_eq!(deploy["needs"].as_str(), Some("build"));
    assert!(deploy["if"].as_str().is_some_and(|condition| condition.contains("refs/heads/main")));
    assert_eq!(deploy["permissions"]["pages"].as_str(), Some("write"));
    let deploys =
        deploy["steps"].as_sequence().unwrap().iter().filter_map(|step| step["uses"].as_str()).collect::<Vec<_>>();
    assert!(deploys.iter().any(|uses| uses.starts_with("actions/deploy-pages@")), "{deploys:?}");
}

#[test]
fn the_github_workflow_commands_build_a_starter_site_into_the_uploaded_folder() {
    let (_dir, site) = starter_site();
    let commands: Vec<String> =
        github_run_steps(&read_yaml("examples/ci/github-pages.yml")).into_iter().filter(|c| !is_install(c)).collect();
    assert!(!commands.is_empty());
    run_in(&site, &commands);
    assert!(site.join("feeds/all.rss.xml").is_file());
    assert!(site.join("feeds/index.html").is_file());
}

#[test]
fn the_gitlab_jobs_run_exactly_the_commands_the_guide_lists() {
    let pipeline = read_yaml("examples/ci/gitlab-ci.yml");
    let listed = commands_the_guide_lists("### What the GitLab job runs");
    for job in ["check", "pages"] {
        assert_eq!(gitlab_commands(&pipeline, job), listed, "{job}");
    }
    assert_eq!(pipeline["pages"]["artifacts"]["paths"][0].as_str(), Some("public"));
}

#[test]
fn the_gitlab_job_commands_publish_a_starter_site_without_feedgens_hidden_files() {
    let (_dir, site) = starter_site();
    let config = site.join("feedgen.yaml");
    let starter = fs::read_to_string(&config).unwrap();
    assert!(starter.contains("\n# output: feeds\n"), "the starter shows `# output: feeds`");
    fs::write(&config, starter.replace("\n# output: feeds\n", "\noutput: public\n")).unwrap();
    let commands: Vec<String> = gitlab_commands(&read_yaml("examples/ci/gitlab-ci.yml"), "pages")
        .into_iter()
        .filter(|c| !is_install(c))
        .collect();
    run_in(&site, &commands);
    assert!(site.join("public/all.rss.xml").is_file());
    let hidden: Vec<_> = walkdir::WalkDir::new(site.join("public"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().starts_with('.'))
        .map(|entry| entry.path().to_owned())
        .collect();
    assert!(hidden.is_empty(), "hidden files would be published: {hidden:?}");
}
