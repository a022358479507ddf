//! `feedgen serve`, driven as a user would: the real binary on an ephemeral
//! loopback port, spoken to with raw HTTP/1.1 requests so that paths such as
//! `/../secret.txt` reach the server exactly as written.

#![cfg(feature = "serve")]

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use common::records_dir;

const CONFIG: &str = "title: Preview\nbase_url: https://serve.test/feeds/\ninput: records\n";

/// What sits beside the output folder; it must never be served.
const SECRET: &str = "TOP-SECRET-beside-the-output-folder";

fn record(title: &str, day: u32) -> String {
    format!(
        "---\ntitle: {title}\npublishedDateTime: 2025-01-{day:02}T00:00:00Z\n\
         originalUrl: https://serve.test/articles/{day}\ntopics: [Previews]\n---\n"
    )
}

/// A site (`feedgen.yaml`, `records/`, `secret.txt`) in a temporary folder,
/// with `feedgen serve` running in it until dropped.
struct Served {
    /// Holds the site and the server's stderr log.
    dir: tempfile::TempDir,
    child: Child,
    port: u16,
}

impl Served {
    /// Serve a site holding `records` on an ephemeral port.
    fn start(records: &[(&str, String)]) -> Served {
        Served::start_with(records, &[])
    }

    /// [`Served::start`], with more arguments for `feedgen serve`.
    fn start_with(records: &[(&str, String)], args: &[&str]) -> Served {
        let dir = site(records);
        let (child, line) = spawn(dir.path(), &[&["--port", "0"][..], args].concat());
        let Some(line) = line else { panic!("no `serving` line; stderr:\n{}", log(dir.path())) };
        let address = line
            .strip_prefix("serving http://")
            .and_then(|rest| rest.strip_suffix("/ (Ctrl-C to stop)\n"))
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        let port = address.rsplit_once(':').and_then(|(_, port)| port.parse().ok()).unwrap();
        Served { dir, child, port }
    }

    fn site(&self) -> PathBuf {
        self.dir.path().join("site")
    }

    fn output(&self) -> PathBuf {
        self.site().join("feeds")
    }

    /// What the server has printed on stderr so far.
    fn log(&self) -> String {
        log(self.dir.path())
    }

    /// Send `method path` with `headers` (each a full `Name: value` line).
    fn request(&self, method: &str, path: &str, headers: &[&str]) -> Response {
        self.request_to("127.0.0.1", method, path, headers)
    }

    /// [`Served::request`] with `Host: host`.
    fn request_to(&self, host: &str, method: &str, path: &str, headers: &[&str]) -> Response {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
        for header in headers {
            head.push_str(header);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        Response::parse(&raw)
    }

    fn get(&self, path: &str) -> Response {
        self.request("GET", path, &[])
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The site folder: `site/feedgen.yaml`, `site/records/…`, `site/secret.txt`.
fn site(records: &[(&str, String)]) -> tempfile::TempDir {
    let mut files: Vec<(String, String)> =
        records.iter().map(|(name, text)| (format!("site/records/{name}"), text.clone())).collect();
    files.push(("site/feedgen.yaml".into(), CONFIG.into()));
    files.push(("site/secret.txt".into(), SECRET.into()));
    let refs: Vec<(&str, &str)> = files.iter().map(|(name, text)| (name.as_str(), text.as_str())).collect();
    records_dir(&refs)
}

/// Start `feedgen serve` with `args` in `dir/site`, stderr to
/// `dir/stderr.log`, and read its first line of stdout (`None` if it ended
/// without one).
fn spawn(dir: &Path, args: &[&str]) -> (Child, Option<String>) {
    let stderr = fs::File::create(dir.join("stderr.log")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_feedgen"))
        .current_dir(dir.join("site"))
        .arg("serve")
        .args(args)
        .env_remove("FEEDGEN_BASE_URL")
        .env_remove("FEEDGEN_OUTPUT")
        .env_remove("SOURCE_DATE_EPOCH")
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut line = String::new();
    let read = BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (child, (read > 0).then_some(line))
}

fn log(dir: &Path) -> String {
    fs::read_to_string(dir.join("stderr.log")).unwrap_or_default()
}

/// An HTTP response, header names in lower case.
#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn parse(raw: &[u8]) -> Response {
        let end = raw.windows(4).position(|window| window == b"\r\n\r\n").expect("no end of head");
        let head = std::str::from_utf8(&raw[..end]).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers = lines
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap();
                (name.trim().to_ascii_lowercase(), value.trim().to_owned())
            })
            .collect();
        let mut response = Response { status, headers, body: raw[end + 4..].to_vec() };
        if response.header("transfer-encoding") == Some("chunked") {
            response.body = dechunk(&response.body);
        }
        response
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Every header but `date`, which moves with the clock.
    fn headers_but_date(&self) -> Vec<(String, String)> {
        let mut headers: Vec<_> = self.headers.iter().filter(|(name, _)| name != "date").cloned().collect();
        headers.sort();
        headers
    }
}

/// The body of a `Transfer-Encoding: chunked` message.
fn dechunk(mut chunked: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = chunked.windows(2).position(|window| window == b"\r\n").expect("no chunk size");
        let size_text = std::str::from_utf8(&chunked[..line_end]).unwrap();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        if size == 0 {
            return body;
        }
        let start = line_end + 2;
        body.extend_from_slice(&chunked[start..start + size]);
        chunked = &chunked[start + size + 2..];
    }
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut plain).unwrap();
    plain
}

/// Wait up to 20 s, looking every 100 ms, for `done`.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn one_record() -> Served {
    Served::start(&[("hello.md", record("Hello", 1))])
}

#[test]
fn each_kind_of_file_has_its_content_type() {
    let served = one_record();
    fs::write(served.output().join("subscriptions.opml"), "<opml version=\"2.0\"/>").unwrap();
    fs::write(served.output().join("about.html"), "<!doctype html><title>About</title>").unwrap();
    for (path, expected) in [
        ("/all.rss.xml", "application/rss+xml"),
        ("/all.atom.xml", "application/atom+xml"),
        ("/all.json", "application/feed+json"),
        ("/topics/previews.rss.xml", "application/rss+xml"),
        ("/subscriptions.opml", "text/x-opml; charset=utf-8"),
        ("/about.html", "text/html; charset=utf-8"),
    ] {
        let response = served.get(path);
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.header("content-type"), Some(expected), "{path}");
        assert_eq!(response.body, fs::read(served.output().join(&path[1..])).unwrap(), "{path}");
    }
}

#[test]
fn a_folder_path_serves_its_index() {
    let served = one_record();
    fs::create_dir(served.output().join("guide")).unwrap();
    fs::write(served.output().join("guide/index.html"), "<!doctype html><title>Guide</title>").unwrap();
    let response = served.get("/guide/");
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "<!doctype html><title>Guide</title>");
    assert_eq!(served.get("/guide").status, 404, "a folder itself is not served");
}

#[test]
fn the_preview_is_built_with_the_configured_base_url() {
    let served = one_record();
    let feed: serde_json::Value = serde_json::from_slice(&served.get("/all.json").body).unwrap();
    assert_eq!(feed["feed_url"], "https://serve.test/feeds/all.json");
}

#[test]
fn etag_then_if_none_match_answers_304_without_body() {
    let served = one_record();
    let first = served.get("/all.rss.xml");
    let etag = first.header("etag").expect("an ETag").to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "a strong tag: {etag}");
    let again = served.request("GET", "/all.rss.xml", &[&format!("If-None-Match: {etag}")]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    assert_eq!(again.header("last-modified"), first.header("last-modified"));
    let other = served.request("GET", "/all.rss.xml", &["If-None-Match: \"something-else\""]);
    assert_eq!(other.status, 200);
    assert_eq!(other.body, first.body);
}

#[test]
fn last_modified_then_if_modified_since_answers_304() {
    let served = one_record();
    let first = served.get("/all.atom.xml");
    let last_modified = first.header("last-modified").expect("a Last-Modified").to_owned();
    let again = served.request("GET", "/all.atom.xml", &[&format!("If-Modified-Since: {last_modified}")]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), first.header("etag"));
    let long_ago = served.request("GET", "/all.atom.xml", &["If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT"]);
    assert_eq!(long_ago.status, 200);
}

#[test]
fn if_none_match_takes_precedence_over_if_modified_since() {
    let served = one_record();
    let last_modified = served.get("/all.json").header("last-modified").unwrap().to_owned();
    let changed_tag = served.request(
        "GET",
        "/all.json",
        &["If-None-Match: \"not-the-tag\"", &format!("If-Modified-Since: {last_modified}")],
    );
    assert_eq!(changed_tag.status, 200);
}

#[test]
fn head_has_the_headers_of_get_and_no_body() {
    let served = one_record();
    for headers in [&[][..], &["Accept-Encoding: gzip"]] {
        let get = served.request("GET", "/all.json", headers);
        let head = served.request("HEAD", "/all.json", headers);
        assert_eq!(head.status, 200);
        assert!(head.body.is_empty(), "{headers:?}");
        let not_framing = |response: &Response| {
            let mut headers = response.headers_but_date();
            headers.retain(|(name, _)| name != "transfer-encoding");
            headers
        };
        assert_eq!(not_framing(&head), not_framing(&get), "{headers:?}");
    }
}

#[test]
fn gzip_when_asked_decompresses_to_the_plain_body() {
    let served = one_record();
    let plain = served.get("/all.rss.xml");
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("vary"), Some("accept-encoding"));
    let gzipped = served.request("GET", "/all.rss.xml", &["Accept-Encoding: gzip, deflate"]);
    assert_eq!(gzipped.status, 200);
    assert_eq!(gzipped.header("content-encoding"), Some("gzip"));
    assert_eq!(gzipped.header("vary"), Some("accept-encoding"));
    assert_eq!(gunzip(&gzipped.body), plain.body);
}

#[test]
fn identity_when_gzip_is_not_accepted() {
    let served = one_record();
    let plain = fs::read(served.output().join("all.json")).unwrap();
    for headers in [&[][..], &["Accept-Encoding: gzip;q=0, identity"], &["Accept-Encoding: br"]] {
        let response = served.request("GET", "/all.json", headers);
        assert_eq!(response.status, 200, "{headers:?}");
        assert_eq!(response.header("content-encoding"), None, "{headers:?}");
        assert_eq!(response.body, plain, "{headers:?}");
    }
}

#[test]
fn the_gzip_representation_has_its_own_etag() {
    let served = one_record();
    let plain_tag = served.get("/all.json").header("etag").unwrap().to_owned();
    let gzipped = served.request("GET", "/all.json", &["Accept-Encoding: gzip"]);
    let gzip_tag = gzipped.header("etag").unwrap().to_owned();
    assert_ne!(gzip_tag, plain_tag, "strong tags of different bytes must differ");
    let current = served.request("GET", "/all.json", &["Accept-Encoding: gzip", &format!("If-None-Match: {gzip_tag}")]);
    assert_eq!(current.status, 304);
    assert_eq!(current.header("etag"), Some(gzip_tag.as_str()));
    let plain_copy =
        served.request("GET", "/all.json", &["Accept-Encoding: gzip", &format!("If-None-Match: {plain_tag}")]);
    assert_eq!(plain_copy.status, 200, "a client holding the plain bytes gets the gzip ones");
}

#[test]
fn paths_outside_the_folder_are_refused_and_never_leak() {
    let served = one_record();
    assert_eq!(fs::read_to_string(served.site().join("secret.txt")).unwrap(), SECRET);
    #[cfg(unix)]
    std::os::unix::fs::symlink(served.site().join("secret.txt"), served.output().join("linked.txt")).unwrap();
    let refused = [
        ("/../secret.txt", 400),
        ("/topics/../../secret.txt", 400),
        ("/%2e%2e/secret.txt", 400),
        ("/%2E%2E/secret.txt", 400),
        ("/..%2fsecret.txt", 400),
        ("/%2e%2e%2fsecret.txt", 400),
        ("/topics%2f..%2f..%2fsecret.txt", 400),
        ("/..\\secret.txt", 400),
        ("/%2e%2e%5csecret.txt", 400),
        ("/..%00/secret.txt", 400),
        #[cfg(unix)]
        ("/linked.txt", 404),
    ];
    for (path, status) in refused {
        let response = served.get(path);
        assert_eq!(response.status, status, "{path}");
        assert!(!response.text().contains(SECRET), "{path} leaked the secret");
    }
}

#[test]
fn hidden_files_such_as_the_manifest_are_not_found() {
    let served = one_record();
    assert!(served.output().join(".feedgen-manifest").is_file());
    for path in ["/.feedgen-manifest", "/%2efeedgen-manifest", "/topics/.hidden"] {
        assert_eq!(served.get(path).status, 404, "{path}");
    }
}

#[test]
fn missing_files_are_not_found() {
    let served = one_record();
    assert_eq!(served.get("/nothing-here.json").status, 404);
    assert_eq!(served.get("/topics/").status, 404, "a folder without an index");
    assert_eq!(served.get("/all.json/more").status, 404);
}

#[test]
fn post_is_refused_with_405_and_allow() {
    let served = one_record();
    for method in ["POST", "PUT", "DELETE"] {
        let response = served.request(method, "/all.json", &["Content-Length: 0"]);
        assert_eq!(response.status, 405, "{method}");
        assert_eq!(response.header("allow"), Some("GET, HEAD"), "{method}");
    }
}

#[test]
fn a_file_dated_before_1970_is_served_without_last_modified() {
    let served = one_record();
    let path = served.output().join("old.txt");
    fs::write(&path, "old").unwrap();
    let before_1970 = SystemTime::UNIX_EPOCH - Duration::from_secs(86_400);
    fs::File::options().write(true).open(&path).unwrap().set_modified(before_1970).unwrap();
    let response = served.get("/old.txt");
    assert_eq!(response.status, 200);
    assert_eq!(response.header("last-modified"), None);
    assert_eq!(response.text(), "old");
}

/// Poll `/all.json` until it holds `title`.
fn wait_for_title(served: &Served, title: &str) {
    eventually(&format!("{title:?} in all.json; stderr:\n{}", served.log()), || {
        served.get("/all.json").text().contains(title)
    });
}

#[test]
fn adding_a_record_rebuilds_the_feeds() {
    let served = one_record();
    fs::write(served.site().join("records/second.md"), record("Freshly Added", 2)).unwrap();
    wait_for_title(&served, "Freshly Added");
}

#[test]
fn editing_a_record_rebuilds_the_feeds() {
    let served = one_record();
    fs::write(served.site().join("records/hello.md"), record("Hello, Edited", 1)).unwrap();
    wait_for_title(&served, "Hello, Edited");
    assert!(!served.get("/all.json").text().contains("\"Hello\""));
}

#[test]
fn editing_the_configuration_rebuilds_the_feeds() {
    let served = one_record();
    fs::write(served.site().join("feedgen.yaml"), CONFIG.replace("Preview", "Renamed Site")).unwrap();
    wait_for_title(&served, "Renamed Site");
}

#[test]
fn a_failed_rebuild_keeps_serving_the_last_good_files() {
    let served = one_record();
    let before = served.get("/all.json").body;
    let bad = "---\ntitle: Broken\npublishedDateTime: soon\noriginalUrl: https://serve.test/broken\n---\n";
    fs::write(served.site().join("records/broken.md"), bad).unwrap();
    eventually("the failed rebuild to be reported", || served.log().contains("still serving the last good build"));
    assert!(served.log().contains("error: records/broken.md:3:20: publishedDateTime: not a date"), "{}", served.log());
    assert_eq!(served.get("/all.json").body, before);
    fs::write(served.site().join("records/broken.md"), record("Mended", 3)).unwrap();
    wait_for_title(&served, "Mended");
}

#[test]
fn bad_records_stop_serve_before_it_listens_as_they_stop_build() {
    let bad = "---\ntitle: Broken\npublishedDateTime: soon\noriginalUrl: https://serve.test/broken\n---\n";
    let dir = site(&[("broken.md", bad.to_owned())]);
    let (mut child, line) = spawn(dir.path(), &["--port", "0"]);
    assert_eq!(line, None);
    assert_eq!(child.wait().unwrap().code(), Some(1));
    let log = log(dir.path());
    assert!(log.contains("error: records/broken.md:3:20: publishedDateTime: not a date"), "{log}");
    assert!(log.ends_with("error: 1 problem in the records; nothing was written\n"), "{log}");
}

#[test]
fn a_busy_port_exits_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let dir = site(&[("hello.md", record("Hello", 1))]);
    let (mut child, line) = spawn(dir.path(), &["--port", &port]);
    assert_eq!(line, None);
    assert_eq!(child.wait().unwrap().code(), Some(2));
    assert!(log(dir.path()).contains("cannot listen on 127.0.0.1:"), "{}", log(dir.path()));
}

/// Send SIGINT (Ctrl-C) to `child`.
#[cfg(unix)]
fn interrupt(child: &Child) {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: kill(2) with a valid signal number has no memory effects.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
}

/// How `child` exited, waiting up to 10 s (`None` if it is still running).
fn exit_within_10_s(child: &mut Child) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

#[cfg(unix)]
#[test]
fn ctrl_c_exits_0_despite_open_connections() {
    let mut served = one_record();
    // A browser's spare connection: open, and silent.
    let _idle = TcpStream::connect(("127.0.0.1", served.port)).unwrap();
    // A request whose head never ends: hyper has no timeout for reading it.
    let mut unfinished = TcpStream::connect(("127.0.0.1", served.port)).unwrap();
    unfinished.write_all(b"GET /all.json HTTP/1.1\r\nHost: 127.0.0.1\r\n").unwrap();
    assert_eq!(served.get("/all.json").status, 200, "the server is answering");
    interrupt(&served.child);
    let status = exit_within_10_s(&mut served.child);
    assert_eq!(status.and_then(|status| status.code()), Some(0), "{status:?}; stderr:\n{}", served.log());
}

#[cfg(unix)]
#[test]
fn a_second_ctrl_c_exits_at_once_with_130() {
    let mut served = one_record();
    let mut unfinished = TcpStream::connect(("127.0.0.1", served.port)).unwrap();
    unfinished.write_all(b"GET /all.json HTTP/1.1\r\n").unwrap();
    assert_eq!(served.get("/all.json").status, 200, "the server is answering");
    interrupt(&served.child);
    std::thread::sleep(Duration::from_millis(300));
    interrupt(&served.child);
    let status = exit_within_10_s(&mut served.child);
    assert_eq!(status.and_then(|status| status.code()), Some(130), "{status:?}; stderr:\n{}", served.log());
}

#[test]
fn drafts_are_not_previewed_into_the_deployed_folder() {
    for (args, config, message) in [
        (&["--unpublished"][..], "", "--unpublished would write drafts into feeds, the folder you deploy; "),
        (&["--future"], "", "--future would write future-dated records into feeds, the folder you deploy; "),
        (&[], "unpublished: true\n", "unpublished: true in feedgen.yaml would write drafts into feeds, "),
        (&[], "future: true\n", "future: true in feedgen.yaml would write future-dated records into feeds, "),
    ] {
        let dir = site(&[("hello.md", record("Hello", 1))]);
        fs::write(dir.path().join("site/feedgen.yaml"), format!("{CONFIG}{config}")).unwrap();
        let (mut child, line) = spawn(dir.path(), &[&["--port", "0"][..], args].concat());
        assert_eq!(line, None, "{args:?} {config:?}");
        assert_eq!(child.wait().unwrap().code(), Some(2), "{args:?} {config:?}");
        let log = log(dir.path());
        assert!(log.starts_with(&format!("error: {message}")), "{log}");
        assert!(log.ends_with("; preview them elsewhere with --output DIR (e.g. --output /tmp/preview)\n"), "{log}");
        assert!(!dir.path().join("site/feeds").exists(), "{args:?} {config:?}: nothing is written");
    }
}

#[test]
fn drafts_are_previewed_into_a_folder_given_with_output() {
    let draft = record("Draft", 2).replace("---\ntitle", "---\npublished: false\ntitle");
    let dir = site(&[("hello.md", record("Hello", 1)), ("draft.md", draft)]);
    let (mut child, line) = spawn(dir.path(), &["--port", "0", "--unpublished", "--output", "../preview"]);
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.is_some_and(|line| line.starts_with("serving http://")), "{}", log(dir.path()));
    assert!(fs::read_to_string(dir.path().join("preview/all.json")).unwrap().contains("Draft"));
    assert!(!dir.path().join("site/feeds").exists());
}

#[test]
fn turning_on_drafts_while_serving_does_not_rebuild_into_the_deployed_folder() {
    let served = one_record();
    let draft = record("Secret Draft", 2).replace("---\ntitle", "---\npublished: false\ntitle");
    fs::write(served.site().join("records/draft.md"), draft).unwrap();
    fs::write(served.site().join("feedgen.yaml"), format!("{CONFIG}unpublished: true\n")).unwrap();
    eventually("the refusal", || served.log().contains("would write drafts into feeds"));
    assert!(served.log().contains("; still serving the last good build"), "{}", served.log());
    assert!(!fs::read_to_string(served.output().join("all.json")).unwrap().contains("Secret Draft"));
}

#[test]
fn on_loopback_only_loopback_host_names_are_answered() {
    let served = one_record();
    let feed = fs::read(served.output().join("all.json")).unwrap();
    for host in ["evil.example", &format!("evil.example:{}", served.port), "localhost.evil.example"] {
        let response = served.request_to(host, "GET", "/all.json", &[]);
        assert_eq!(response.status, 421, "{host}");
        assert!(response.text().starts_with("misdirected request"), "{host}: {}", response.text());
    }
    for host in [format!("localhost:{}", served.port), "localhost".into(), format!("[::1]:{}", served.port)] {
        let response = served.request_to(&host, "GET", "/all.json", &[]);
        assert_eq!(response.status, 200, "{host}");
        assert_eq!(response.body, feed, "{host}");
    }
}

#[test]
fn on_every_address_any_host_name_is_answered() {
    let served = Served::start_with(&[("hello.md", record("Hello", 1))], &["--bind", "0.0.0.0"]);
    let response = served.request_to("preview.lan.example", "GET", "/all.json", &[]);
    assert_eq!(response.status, 200);
    assert_eq!(response.body, fs::read(served.output().join("all.json")).unwrap());
}
