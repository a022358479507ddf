#!/usr/bin/env python3
"""Check a feedgen build of a record corpus against the records themselves.

usage: corpus_check.py RECORDS_DIR FEEDS_DIR

Reads every record's front matter independently of feedgen (PyYAML), then
checks the JSON feeds of FEEDS_DIR (built with a limit above the corpus size):
  - every published record is in all.json, in exactly the topic feeds it
    names (names compared ignoring case and spacing) and in the feed of its
    provider's domain (`www.` dropped);
  - no link of an unpublished record and no `secured` value appears in any
    output file, in any format.
Exit 0 when all holds, 1 otherwise. Needs python3-yaml.
"""

import json
import pathlib
import re
import sys

import yaml


def front_matter(path):
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        return None
    return yaml.safe_load(text[4:].split("\n---", 1)[0])


def name_key(name):
    return " ".join(str(name).split()).lower()


def domain_slug(domain):
    domain = domain.strip().lower()
    domain = domain[4:] if domain.startswith("www.") else domain
    return re.sub("[^a-z0-9]+", "-", domain).strip("-")


def expected_feeds(record):
    feeds = {"all"} | {"topic:" + name_key(t) for t in record.get("topics") or [] if str(t).strip()}
    domain = (record.get("provider") or {}).get("domain")
    if domain:
        feeds.add("provider:" + domain_slug(domain))
    return feeds


def actual_feeds(feeds_dir):
    """link -> set of feed keys, read from the JSON feeds."""
    holders = {}
    for path in feeds_dir.rglob("*.json"):
        feed = json.loads(path.read_text(encoding="utf-8"))
        family = path.parent.name if path.parent != feeds_dir else ""
        if family == "topics":
            key = "topic:" + name_key(feed["title"].split(" — ", 1)[1])
        elif family == "providers":
            key = "provider:" + path.name[: -len(".json")]
        else:
            key = path.name[: -len(".json")]
        for item in feed["items"]:
            holders.setdefault(item["url"], set()).add(key)
    return holders


def main(records_dir, feeds_dir):
    records_dir, feeds_dir = pathlib.Path(records_dir), pathlib.Path(feeds_dir)
    records = [r for r in (front_matter(p) for p in sorted(records_dir.rglob("*")) if p.is_file()) if r]
    published = [r for r in records if r.get("published", True) is not False]
    unpublished = [r for r in records if r.get("published", True) is False]
    holders = actual_feeds(feeds_dir)
    problems = []
    for record in published:
        link = record.get("originalUrl") or record.get("webUrl")
        want, got = expected_feeds(record), holders.get(link, set())
        if want != got:
            problems.append(f"{link}: expected in {sorted(want)}, found in {sorted(got)}")
    outputs = {p: p.read_text(encoding="utf-8") for p in feeds_dir.rglob("*") if p.is_file()}
    secrets = [r["secured"] for r in records if r.get("secured")]
    hidden_links = [u for r in unpublished for u in (r.get("originalUrl"), r.get("webUrl")) if u]
    published_links = {r.get("originalUrl") for r in published} | {r.get("webUrl") for r in published}
    for path, text in outputs.items():
        problems += [f"{path}: holds a secured value" for s in secrets if s in text]
        problems += [f"{path}: holds unpublished link {u}" for u in hidden_links
                     if u not in published_links and u in text]
    for problem in problems:
        print("problem:", problem)
    print(f"corpus: {len(records)} records, {len(published)} published, {len(unpublished)} unpublished; "
          f"{len(holders)} links in {sum(1 for p in outputs if p.suffix == '.json')} JSON feeds; "
          f"{len(outputs)} files searched for {len(hidden_links)} unpublished links and {len(secrets)} secured values; "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: corpus_check.py RECORDS_DIR FEEDS_DIR")
    sys.exit(main(sys.argv[1], sys.argv[2]))
