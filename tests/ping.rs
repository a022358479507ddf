//! `feedgen build --ping`: the WebSub hub is told of exactly the
//! subscription feed documents a build added or changed, after they are
//! written; a hub that fails is a warning, never a failed build. The hub is
//! a recording HTTP server on a loopback port.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;

/// The site's `base_url`.
const BASE_URL: &str = "https://ping.test/feeds/";

/// How the recording hub answers.
#[derive(Debug, Clone, Copy)]
enum Answer {
    /// With this status and no body.
    Status(u16),
    /// The nth request with the nth status, the rest with the last one.
    Script(&'static [u16]),
    /// With this status and a plain-text body.
    Plain(u16, &'static str),
    /// Never: it reads the request and holds the connection open.
    Never,
}

/// One request the hub received.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    path: String,
    /// Header names in lowercase.
    headers: Vec<(String, String)>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// The form fields of the body, decoded.
    fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.body.as_bytes()).into_owned().collect()
    }

    /// The `hub.url` of a well-formed publish notification; panics on any other request.
    fn announced(&self) -> String {
        assert_eq!((self.method.as_str(), self.path.as_str()), ("POST", "/hub"), "{self:?}");
        assert_eq!(self.header("content-type"), Some("application/x-www-form-urlencoded"), "{self:?}");
        match self.form().as_slice() {
            [(mode, publish), (key, url)] if mode == "hub.mode" && publish == "publish" && key == "hub.url" => {
                url.clone()
            }
            form => panic!("not a publish notification: {form:?} in {self:?}"),
        }
    }
}

/// A hub on 127.0.0.1 that records every request and answers as told.
struct Hub {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
    /// How it answers the next connections.
    answer: Arc<Mutex<Answer>>,
}

impl Hub {
    fn start(answer: Answer) -> Hub {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hub", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&received);
        let answer = Arc::new(Mutex::new(answer));
        let answers = Arc::clone(&answer);
        // The thread ends with the test process; each connection's thread
        // ends when the client closes it, or after a minute at most.
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let record = Arc::clone(&record);
                let answer = *answers.lock().unwrap();
                std::thread::spawn(move || serve(stream, answer, &record));
            }
        });
        Hub { url, received, answer }
    }

    /// Answer the next connections with `answer`.
    fn answer(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }

    /// Every request received so far, in order.
    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The `hub.url` of every request received so far, in order.
    fn announced(&self) -> Vec<String> {
        self.received().iter().map(Received::announced).collect()
    }
}

/// Read one request from `stream`, record it, and answer it (or not).
fn serve(stream: TcpStream, answer: Answer, record: &Mutex<Vec<Received>>) {
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or_default().to_owned(), parts.next().unwrap_or_default().to_owned());
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length =
        headers.iter().find(|(name, _)| name == "content-length").map_or(0, |(_, value)| value.parse().unwrap());
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let body = String::from_utf8(body).unwrap();
    let mut stream = stream;
    let respond = |status: u16, kind: &str, body: &str| {
        format!(
            "HTTP/1.1 {status} Whatever\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let mut received = record.lock().unwrap();
    let nth = received.len();
    received.push(Received { method, path, headers, body });
    drop(received);
    match answer {
        Answer::Status(status) => {
            let _ = stream.write_all(respond(status, "text/html", "").as_bytes());
        }
        Answer::Script(statuses) => {
            let status = statuses.get(nth).or(statuses.last()).copied().unwrap();
            let _ = stream.write_all(respond(status, "text/html", "").as_bytes());
        }
        Answer::Plain(status, text) => {
            let _ = stream.write_all(respond(status, "text/plain; charset=utf-8", text).as_bytes());
        }
        Answer::Never => {
            // Hold the connection until the client gives up and closes it.
            let _ = reader.read(&mut [0; 1]);
        }
    }
}

/// A record dated `date` in `topic`.
fn record(slug: &str, title: &str, date: &str, topic: &str) -> (String, String) {
    let text = format!(
        "---\ntitle: {title}\npublishedDateTime: {date}T08:00:00Z\noriginalUrl: https://news.test/{slug}\ntopics: [{topic}]\n---\n"
    );
    (format!("records/{slug}.md"), text)
}

/// A site folder: `feedgen.yaml` (the base URL, `records` as input, and
/// `config`) and `records`.
fn site(config: &str, records: &[(String, String)]) -> tempfile::TempDir {
    let config = format!("title: Ping Site\nbase_url: {BASE_URL}\ninput: records\n{config}");
    let mut files: Vec<(&str, &str)> = records.iter().map(|(name, text)| (name.as_str(), text.as_str())).collect();
    files.push(("feedgen.yaml", &config));
    records_dir(&files)
}

/// Two topics, a record each.
fn two_topics() -> Vec<(String, String)> {
    vec![record("ferry", "Ferry", "2025-03-01", "Harbour"), record("tram", "Tram", "2025-03-02", "Streets")]
}

/// The `feedgen` command, to run in `dir`, with no variable that could
/// change where it builds or send its requests through a proxy.
fn command(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_feedgen"));
    command.current_dir(dir);
    for name in ["FEEDGEN_BASE_URL", "FEEDGEN_OUTPUT", "SOURCE_DATE_EPOCH"] {
        command.env_remove(name);
    }
    for name in ["http_proxy", "https_proxy", "all_proxy", "no_proxy"] {
        command.env_remove(name).env_remove(name.to_ascii_uppercase());
    }
    command
}

/// Run `feedgen` with `args` in `dir`.
fn feedgen(dir: &Path, args: &[&str]) -> Output {
    command(dir).args(args).output().unwrap()
}

/// Run `feedgen build` with `args`, expecting exit 0; its stderr.
fn build(dir: &Path, args: &[&str]) -> String {
    let output = feedgen(dir, &[&["build"], args].concat());
    assert_eq!(output.status.code(), Some(0), "build {args:?}: {}", stderr_of(&output));
    stderr_of(&output)
}

/// The subscription documents in the output folder (feeds, not archive
/// documents), by absolute URL, in path order, with their text.
fn subscription_documents(dir: &Path) -> Vec<(String, String)> {
    read_tree(&dir.join("feeds"))
        .into_iter()
        .filter(|(path, _)| is_feed(path) && !path.contains("/archive/"))
        .map(|(path, bytes)| (format!("{BASE_URL}{path}"), String::from_utf8(bytes).unwrap()))
        .collect()
}

/// The feeds' URLs of `documents`.
fn urls(documents: &[(String, String)]) -> Vec<String> {
    documents.iter().map(|(url, _)| url.clone()).collect()
}

#[test]
fn a_first_build_tells_the_hub_of_every_subscription_document_by_its_self_url() {
    let hub = Hub::start(Answer::Status(204));
    let dir = site(&format!("hub_url: {}\n", hub.url), &two_topics());
    let stderr = build(dir.path(), &["--ping"]);

    let documents = subscription_documents(dir.path());
    assert_eq!(documents.len(), 9, "three feeds (the firehose and two topics), three formats each");
    assert_eq!(hub.announced(), urls(&documents), "one notification per document, in path order");
    for (url, text) in &documents {
        let named_self = [
            format!("href=\"{url}\" rel=\"self\""),
            format!("rel=\"self\" href=\"{url}\""),
            format!("\"feed_url\": \"{url}\""),
        ];
        assert!(named_self.iter().any(|link| text.contains(link.as_str())), "{url} does not name itself so:\n{text}");
    }
    let hub_url = hub.url.as_str();
    assert!(
        stderr.contains(&format!("\nfeedgen: told the hub {hub_url} about 9 changed feed documents\n")),
        "{stderr}"
    );
    assert!(hub.received()[0].body.starts_with("hub.mode=publish&hub.url=https%3A%2F%2Fping.test%2Ffeeds%2F"));
}

#[test]
fn an_unchanged_rebuild_tells_the_hub_nothing() {
    let hub = Hub::start(Answer::Status(204));
    let dir = site(&format!("hub_url: {}\n", hub.url), &two_topics());
    build(dir.path(), &["--ping"]);
    let first = hub.received().len();

    let stderr = build(dir.path(), &["--ping"]);
    assert_eq!(hub.received().len(), first, "{stderr}");
    assert!(stderr.contains(&format!("feedgen: no feed document changed, so the hub {} was not told", hub.url)));
}

#[test]
fn an_edited_record_tells_the_hub_of_exactly_the_documents_whose_bytes_changed() {
    let hub = Hub::start(Answer::Status(202));
    let records = two_topics();
    let dir = site(&format!("hub_url: {}\n", hub.url), &records);
    build(dir.path(), &[]);
    assert!(hub.received().is_empty(), "no --ping, no ping key: no notification");
    let before = subscription_documents(dir.path());

    let (name, text) = &records[0];
    std::fs::write(dir.path().join(name), text.replace("title: Ferry", "title: Ferry timetable")).unwrap();
    let listed = stdout_of(&feedgen(dir.path(), &["build", "--check"]));
    build(dir.path(), &["--ping"]);

    let after = subscription_documents(dir.path());
    let changed: Vec<String> =
        after.iter().filter(|document| !before.contains(document)).map(|(url, _)| url.clone()).collect();
    assert_eq!(changed.len(), 6, "the firehose and the topic Harbour, in three formats");
    assert_eq!(hub.announced(), changed);
    for url in &changed {
        let path = url.strip_prefix(BASE_URL).unwrap();
        assert!(listed.contains(&format!("would change: {}\n", Path::new("feeds").join(path).display())), "{listed}");
    }
}

#[test]
fn archive_documents_are_never_announced() {
    let hub = Hub::start(Answer::Status(204));
    let records = vec![
        record("old", "Old", "2023-05-01", "Harbour"),
        record("older", "Older", "2022-05-01", "Harbour"),
        record("new", "New", "2025-05-01", "Harbour"),
    ];
    let dir = site(&format!("hub_url: {}\narchives: true\nlimit: 1\n", hub.url), &records);
    build(dir.path(), &["--ping"]);

    let archived = read_tree(&dir.path().join("feeds"))
        .into_keys()
        .filter(|path| path.contains("/archive/") && is_feed(path))
        .count();
    assert!(archived > 0, "the build wrote archive documents");
    assert_eq!(hub.announced(), urls(&subscription_documents(dir.path())));
    assert_eq!(hub.announced().len(), 6, "the firehose and the topic, in three formats");
}

#[test]
fn the_ping_key_pings_as_the_flag_does_and_build_check_never_pings() {
    let hub = Hub::start(Answer::Status(204));
    let dir = site(&format!("hub_url: {}\nping: true\n", hub.url), &two_topics());
    assert_eq!(feedgen(dir.path(), &["build", "--check"]).status.code(), Some(1), "nothing built yet");
    assert!(hub.received().is_empty());

    build(dir.path(), &[]);
    assert_eq!(hub.announced().len(), 9);
    build(dir.path(), &["--check"]);
    assert_eq!(hub.announced().len(), 9);
}

#[test]
fn a_hub_answering_500_is_asked_three_times_for_the_first_document_only_and_the_build_succeeds() {
    let hub = Hub::start(Answer::Status(500));
    let dir = site(&format!("hub_url: {}\n", hub.url), &two_topics());
    let stderr = build(dir.path(), &["--ping"]);

    let first = urls(&subscription_documents(dir.path()))[0].clone();
    assert_eq!(hub.announced(), [first.clone(), first.clone(), first.clone()]);
    let warning = format!(
        "warning: the hub {} did not take the news of {first} (it answered 500 Internal Server Error; 3 attempts): \
         9 changed feed documents not announced; ",
        hub.url
    );
    assert!(stderr.contains(&warning), "{stderr}");
    assert_eq!(feedgen(dir.path(), &["build", "--check"]).status.code(), Some(0), "the folder is complete");
}

#[test]
fn the_documents_a_failing_hub_was_not_told_of_are_announced_by_the_next_ping() {
    let hub = Hub::start(Answer::Status(500));
    let dir = site(&format!("hub_url: {}\n", hub.url), &two_topics());
    build(dir.path(), &["--ping"]);
    let left = dir.path().join("feeds/.feedgen-pings");
    assert!(left.is_file(), "the documents not announced are remembered");
    let every = urls(&subscription_documents(dir.path()));

    hub.answer(Answer::Status(202));
    let before = hub.announced().len();
    let stderr = build(dir.path(), &["--ping"]);
    assert!(stderr.contains("0 files written"), "nothing changed: {stderr}");
    assert_eq!(hub.announced()[before..], every[..], "told of every document it missed, once each");
    assert!(stderr.contains("about 9 changed feed documents (9 of them left from an earlier build"), "{stderr}");
    assert!(!left.exists(), "nothing is left to announce");

    let told = hub.announced().len();
    build(dir.path(), &["--ping"]);
    assert_eq!(hub.announced().len(), told, "an unchanged rebuild tells nothing again");
}

#[test]
fn a_hub_that_refuses_is_asked_once_and_quiet_hides_the_warning() {
    let hub = Hub::start(Answer::Status(403));
    let dir = site(&format!("hub_url: {}\n", hub.url), &two_topics());
    let stderr = build(dir.path(), &["--ping", "--quiet"]);
    assert_eq!(stderr, "");
    assert_eq!(hub.announced().len(), 1, "a 4xx other than 429 is not tried again, and stops the pings");
}

#[test]
fn a_hub_answering_429_is_asked_again_and_then_told_of_the_rest() {
    let hub = Hub::start(Answer::Script(&[429, 204]));
    let dir = site(&format!("hub_url: {}\n", hub.url), &two_topics());
    let stderr = build(dir.path(), &["--ping"]);

    let mut expected = urls(&subscription_documents(dir.path()));
    expected.insert(0, expected[0].clone());
    assert_eq!(hub.announced(), expected);
    assert!(stderr.contains("feedgen: told the hub "), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn a_refusal_quotes_the_hub_s_plain_text_reason_fit_for_a_terminal() {
    let hub = Hub::start(Answer::Plain(400, "\n  Topic \u{1b}[31mnot allowed\r\nsecond line\n"));
    let dir = site(&format!("hub_url: {}\n", hub.url), &two_topics());
    let stderr = build(dir.path(), &["--ping"]);
    assert!(stderr.contains("(it answered 400 Bad Request: \"Topic \u{fffd}[31mnot allowed\"; 1 attempt)"), "{stderr}");
    assert_eq!(hub.received().len(), 1);
}

#[test]
fn a_hub_that_never_answers_is_given_up_within_the_documented_bound() {
    let hub = Hub::start(Answer::Never);
    let dir = site(&format!("hub_url: {}\nping_timeout: 1\n", hub.url), &two_topics());
    let started = Instant::now();
    let stderr = build(dir.path(), &["--ping"]);
    let elapsed = started.elapsed();

    // At most 3 × ping_timeout + 3 s of waiting, and a build of two records:
    // far below this.
    assert!(elapsed < Duration::from_secs(15), "{elapsed:?}");
    assert_eq!(hub.announced().len(), 3, "three attempts for the first document, none for the rest");
    assert!(stderr.contains("(no answer within 1 s; 3 attempts): 9 changed feed documents not announced"), "{stderr}");
}

#[test]
fn ctrl_c_while_the_hub_keeps_silent_stops_the_pings_with_the_folder_complete() {
    let hub = Hub::start(Answer::Never);
    let dir = site(&format!("hub_url: {}\nping_timeout: 3\n", hub.url), &two_topics());
    let child = command(dir.path()).args(["build", "--ping"]).stderr(Stdio::piped()).spawn().unwrap();
    let started = Instant::now();
    while hub.received().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(60), "the build never pinged");
        std::thread::sleep(Duration::from_millis(10));
    }
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: `kill` with a valid signal number on our own child's pid.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let output = child.wait_with_output().unwrap();

    assert_eq!(output.status.code(), Some(130), "{}", stderr_of(&output));
    let expected = format!(
        "error: interrupted by Ctrl-C (SIGINT): feeds is complete; stopped telling the hub {}: 9 changed feed \
         documents not announced\n",
        hub.url
    );
    assert!(stderr_of(&output).ends_with(&expected), "{}", stderr_of(&output));
    assert_eq!(hub.received().len(), 1, "the attempt in flight ended, and no other began");
    assert_eq!(feedgen(dir.path(), &["build", "--check"]).status.code(), Some(0), "the folder is complete");
}

#[test]
fn ping_without_a_hub_is_a_configuration_error() {
    let dir = site("ping: true\n", &two_topics());
    let output = feedgen(dir.path(), &["build"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.starts_with("error: feedgen.yaml:4:7: ping: no hub to tell\n"), "{stderr}");
    assert!(stderr.contains("= help: set hub_url to your WebSub hub"), "{stderr}");

    let dir = site("", &two_topics());
    let output = feedgen(dir.path(), &["build", "--ping"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).starts_with("error: --ping: no hub to tell; set hub_url"), "{}", stderr_of(&output));
    assert!(!dir.path().join("feeds").exists(), "nothing was built");
}

#[test]
fn a_ping_timeout_of_zero_is_a_configuration_error() {
    let dir = site("hub_url: https://hub.test/\nping_timeout: 0\n", &two_topics());
    let output = feedgen(dir.path(), &["build", "--ping"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.starts_with("error: feedgen.yaml:5:15: ping_timeout: not a number of seconds: \"0\"\n"), "{stderr}");
}
