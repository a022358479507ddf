//! Writes a synthetic corpus of article records for benchmarks:
//!
//! ```text
//! cargo run --release --example gen_corpus -- OUT N [--seed S]
//! ```
//!
//! The records follow the seed's format and field mix: 1–3 of 40 topics, a
//! long-tailed (Zipf) choice among 400 providers, images, related articles,
//! about 30% `published: false`, some records without `published`,
//! `quality` or `heat`, HTML entities in excerpts, a Markdown body in some,
//! a `secured` value in every one, and about 1% later versions of an earlier
//! record (same link, later `updatedDateTime`). The same N and seed always
//! write the same bytes. Files go into OUT as one flat folder, as in the
//! shared corpus sample; OUT is created if missing and existing files with
//! the same names are overwritten.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Zipf};

const TOPICS: [&str; 40] = [
    "AI",
    "Machine Learning",
    "Natural Language Processing",
    "Computer Vision",
    "AWS AI",
    "Rust",
    "Go",
    "C++",
    "WebAssembly",
    "Databases",
    "PostgreSQL",
    "Cloud",
    "Kubernetes",
    "Serverless",
    "Security",
    "Privacy",
    "Open Source",
    "Linux",
    "Networking",
    "5G",
    "Semiconductors",
    "Quantum Computing",
    "Robotics",
    "Startups",
    "Funding",
    "Mobile",
    "Android",
    "iOS",
    "Browsers",
    "Developer Tools",
    "DevOps",
    "Observability",
    "Power Apps",
    "Low Code",
    "Gaming",
    "Energy",
    "Climate Tech",
    "人工知能",
    "Édition numérique",
    "Data Engineering",
];

const SYLLABLES: [&str; 24] = [
    "tide", "fern", "marrow", "owl", "quill", "nim", "skarn", "bright", "gate", "wood", "finch", "lane", "holm",
    "vault", "post", "wire", "byte", "herald", "ledger", "signal", "beacon", "forge", "harbor", "loom",
];

const WORDS: [&str; 48] = [
    "runtime",
    "release",
    "compiler",
    "outage",
    "benchmark",
    "pricing",
    "study",
    "chip",
    "database",
    "kernel",
    "browser",
    "funding",
    "license",
    "update",
    "security",
    "model",
    "cluster",
    "network",
    "edge",
    "storage",
    "startup",
    "memo",
    "patch",
    "prototype",
    "vulnerability",
    "report",
    "survey",
    "launch",
    "preview",
    "roadmap",
    "migration",
    "replication",
    "inference",
    "latency",
    "throughput",
    "adoption",
    "regulation",
    "deal",
    "merger",
    "lawsuit",
    "standard",
    "protocol",
    "toolchain",
    "framework",
    "library",
    "platform",
    "service",
    "feature",
];

const ENTITY_PHRASES: [&str; 8] = [
    "R&amp;D",
    "it&#8217;s",
    "&quot;cloud-first&quot;",
    "AT&amp;T",
    "&lt;Vec&lt;T&gt;&gt;",
    "caf&eacute;",
    "&#8220;fast&#8221;",
    "Q&amp;A",
];

/// Where the corpus goes, how many records, which seed.
struct Args {
    out: PathBuf,
    count: usize,
    seed: u64,
}

fn parse_args() -> Result<Args, String> {
    let usage = "usage: gen_corpus OUT N [--seed S]";
    let mut positional = Vec::new();
    let mut seed = 1;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--seed" {
            let value = args.next().ok_or(usage)?;
            seed = value.parse().map_err(|_| format!("--seed: not a number: {value}"))?;
        } else {
            positional.push(arg);
        }
    }
    let [out, count] = <[String; 2]>::try_from(positional).map_err(|_| usage)?;
    let count = count.replace('_', "").parse().map_err(|_| format!("N: not a number: {count}"))?;
    Ok(Args { out: PathBuf::from(out), count, seed })
}

/// A publisher: display name, domain, and a logo for some.
struct Provider {
    name: String,
    domain: String,
    logo: Option<String>,
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn providers(rng: &mut ChaCha8Rng) -> Vec<Provider> {
    (0..400)
        .map(|index| {
            let first = SYLLABLES[index % SYLLABLES.len()];
            let second = SYLLABLES[(index / SYLLABLES.len() + index + 1) % SYLLABLES.len()];
            let name = format!(
                "{} {} {}",
                capitalised(first),
                capitalised(second),
                ["News", "Daily", "Review", "Wire"][index % 4]
            );
            let www = if rng.random_bool(0.3) { "www." } else { "" };
            let domain = format!("{www}{first}{second}{index}.example");
            let logo =
                rng.random_bool(0.4).then(|| format!("https://cdn.{first}{second}{index}.example/logo-{index}.png"));
            Provider { name, domain, logo }
        })
        .collect()
}

fn words(rng: &mut ChaCha8Rng, count: usize) -> Vec<&'static str> {
    (0..count).map(|_| *WORDS.choose(rng).expect("words")).collect()
}

fn title(rng: &mut ChaCha8Rng) -> String {
    let count = rng.random_range(5..11);
    let mut text = capitalised(&words(rng, count).join(" "));
    if rng.random_bool(0.1) {
        text.push_str(" & \"more\"");
    }
    text
}

fn excerpt(rng: &mut ChaCha8Rng) -> String {
    let sentences = rng.random_range(1..4);
    let mut text = String::new();
    for _ in 0..sentences {
        let count = rng.random_range(8..20);
        let mut sentence = words(rng, count);
        if rng.random_bool(0.5) {
            let at = rng.random_range(0..sentence.len());
            sentence.insert(at, ENTITY_PHRASES.choose(rng).expect("phrases"));
        }
        let _ = write!(text, "{}. ", capitalised(&sentence.join(" ")));
    }
    text.trim_end().to_owned()
}

/// A timestamp between 2019-01-01 and 2026-10-31, in one of the accepted spellings.
fn timestamp(seconds: i64, rng: &mut ChaCha8Rng) -> String {
    let at = chrono::DateTime::from_timestamp(seconds, 0).expect("in range");
    if rng.random_bool(0.9) {
        at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        at.format("%Y-%m-%d %H:%M:%S +0000").to_string()
    }
}

fn images(out: &mut String, indent: &str, rng: &mut ChaCha8Rng, host: &str, count: usize) {
    let _ = writeln!(out, "{indent}images:");
    for index in 0..count {
        let (width, height) = *[(1200, 675), (800, 533), (640, 380), (1600, 1600)].choose(rng).expect("sizes");
        let extension = ["jpg", "png", "webp", "JPG"].choose(rng).expect("extensions");
        let _ = writeln!(
            out,
            "{indent}  - url: \"https://{host}/images/{}-{index}.{extension}\"",
            rng.random_range(0..1_000_000)
        );
        let _ = writeln!(out, "{indent}    width: {width}\n{indent}    height: {height}\n{indent}    isCached: true");
    }
}

/// The identity of one record: its link, provider and dates.
#[derive(Clone)]
struct Version {
    link: String,
    provider: usize,
    published_at: i64,
    updated_at: i64,
}

/// The text of one record.
fn record(rng: &mut ChaCha8Rng, providers: &[Provider], version: &Version) -> String {
    let Version { link, provider, published_at, updated_at } = version;
    let (provider, published_at, updated_at) = (&providers[*provider], *published_at, *updated_at);
    let mut out = String::from("---\n");
    let _ = writeln!(out, "category: {}", ["news", "analysis", "opinion"].choose(rng).expect("categories"));
    let _ = writeln!(out, "title: {:?}", title(rng));
    let _ = writeln!(out, "excerpt: {:?}", excerpt(rng));
    let _ = writeln!(out, "publishedDateTime: {}", timestamp(published_at, rng));
    if updated_at > published_at {
        let _ = writeln!(out, "updatedDateTime: {}", timestamp(updated_at, rng));
    }
    let _ = writeln!(out, "originalUrl: \"{link}\"\nwebUrl: \"{link}\"");
    let _ = writeln!(out, "type: {}", if rng.random_bool(0.9) { "article" } else { "video" });
    if rng.random_bool(0.85) {
        let _ = writeln!(out, "quality: {}", rng.random_range(0..120));
    }
    if rng.random_bool(0.85) {
        let _ = writeln!(out, "heat: {}", rng.random_range(-1..100));
    }
    let roll: f64 = rng.random();
    if roll < 0.30 {
        out.push_str("published: false\n");
    } else if roll < 0.90 {
        out.push_str("published: true\n");
    }
    let _ = writeln!(out, "\nprovider:\n  name: {}\n  domain: {}", provider.name, provider.domain);
    if let Some(logo) = &provider.logo {
        let _ = writeln!(out, "  images:\n    - url: \"{logo}\"\n      width: 50\n      height: 50");
    }
    out.push_str("\ntopics:\n");
    let topic_count = rng.random_range(1..4);
    for topic in TOPICS.sample(rng, topic_count) {
        let _ = writeln!(out, "  - {topic}");
    }
    let image_count = rng.random_range(0..3);
    if image_count > 0 {
        out.push('\n');
        images(&mut out, "", rng, &provider.domain, image_count);
    }
    let related_count = *[0, 0, 1, 2, 3, 4].choose(rng).expect("counts");
    if related_count > 0 {
        out.push_str("\nrelated:\n");
        for _ in 0..related_count {
            let other = &providers[rng.random_range(0..providers.len())];
            let _ = writeln!(out, "  - title: {:?}\n    excerpt: {:?}", title(rng), excerpt(rng));
            let _ =
                writeln!(out, "    publishedDateTime: {}", timestamp(published_at + rng.random_range(0..86_400), rng));
            let _ = writeln!(out, "    webUrl: \"https://{}/{}\"", other.domain, words(rng, 4).join("-"));
            let _ = writeln!(
                out,
                "    type: article\n    provider:\n      name: {}\n      domain: {}",
                other.name, other.domain
            );
            if rng.random_bool(0.5) {
                images(&mut out, "    ", rng, &other.domain, 1);
            }
        }
    }
    let secret: String = (0..88)
        .map(|_| {
            *b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".choose(rng).expect("alphabet") as char
        })
        .collect();
    let _ = writeln!(out, "\nsecured: \"{secret}\"\n---");
    if rng.random_bool(0.15) {
        let _ = write!(out, "\n## {}\n\n{}\n\n- {}\n- {}\n", title(rng), excerpt(rng), title(rng), title(rng));
    }
    out
}

fn generate(args: &Args) -> std::io::Result<()> {
    std::fs::create_dir_all(&args.out)?;
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let providers = providers(&mut rng);
    let zipf = Zipf::new(providers.len() as f64, 1.0).expect("valid Zipf parameters");
    let start = 1_546_300_800; // 2019-01-01
    let end = 1_793_404_800; // 2026-10-31
    // Recent records, some of which get a later version.
    let mut earlier: Vec<Version> = Vec::new();
    for index in 0..args.count {
        let version = match earlier.choose(&mut rng) {
            Some(old) if rng.random_bool(0.01) => {
                Version { updated_at: old.published_at + rng.random_range(60..30 * 86_400), ..old.clone() }
            }
            _ => {
                let published_at = rng.random_range(start..end);
                let provider = (zipf.sample(&mut rng) as usize - 1).min(providers.len() - 1);
                let slug = words(&mut rng, 3).join("-");
                let link = format!("https://{}/{}/{slug}-{index}", providers[provider].domain, published_at / 86_400);
                Version { link, provider, published_at, updated_at: published_at }
            }
        };
        if earlier.len() < 10_000 {
            earlier.push(version.clone());
        } else {
            let slot = rng.random_range(0..earlier.len());
            earlier[slot] = version.clone();
        }
        let text = record(&mut rng, &providers, &version);
        let day = chrono::DateTime::from_timestamp(version.published_at, 0).expect("in range").format("%Y-%m-%d");
        write_record(&args.out, &format!("{day}-{index:07}.md"), &text)?;
    }
    Ok(())
}

fn write_record(out: &Path, name: &str, text: &str) -> std::io::Result<()> {
    std::fs::write(out.join(name), text)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("gen_corpus: {message}");
            return ExitCode::from(2);
        }
    };
    match generate(&args) {
        Ok(()) => {
            eprintln!("gen_corpus: wrote {} records to {}", args.count, args.out.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("gen_corpus: cannot write to {}: {error}", args.out.display());
            ExitCode::FAILURE
        }
    }
}
