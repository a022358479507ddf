#!/usr/bin/env python3
"""Read every feed in a feedgen output folder with real feed readers.

Serves FEEDS_DIR over HTTP on loopback, then
  - feedparser parses every .rss.xml and .atom.xml feed: bozo must be 0;
  - newsboat imports every RSS and Atom feed headless (`-x reload`), one
    cache per feed (newsboat stores an item once per guid across feeds), and
    the items in its cache are counted;
and both counts must equal the items feedgen wrote (counted from the file).
JSON feeds: Debian's feedparser (6.0) cannot read JSON Feed, so they are
checked for the keys JSON Feed 1.1 requires (feed-rs reads them in the tests).
Exit 0 when every count matches, 1 otherwise. Needs Debian's newsboat and
python3-feedparser (run with /usr/bin/python3).
"""

import functools
import http.server
import json
import pathlib
import sqlite3
import subprocess
import sys
import tempfile
import threading
import xml.etree.ElementTree as ET

import feedparser


def written_items(path):
    """How many items feedgen wrote into one feed file."""
    if path.suffix == ".json":
        return len(json.loads(path.read_text(encoding="utf-8"))["items"])
    root = ET.parse(path).getroot()
    return len(root.findall("./channel/item")) + len(root.findall("{http://www.w3.org/2005/Atom}entry"))


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(folder):
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def newsboat_count(url):
    """Items newsboat stores after fetching `url` into an empty cache."""
    with tempfile.TemporaryDirectory() as scratch:
        scratch = pathlib.Path(scratch)
        (scratch / "urls").write_text(url + "\n")
        (scratch / "config").write_text("")
        subprocess.run(
            ["newsboat", "-u", scratch / "urls", "-c", scratch / "cache.db", "-C", scratch / "config", "-x", "reload"],
            check=True, capture_output=True, timeout=120,
        )
        with sqlite3.connect(scratch / "cache.db") as db:
            return db.execute("SELECT COUNT(*) FROM rss_item WHERE feedurl = ?", (url,)).fetchone()[0]


def json_feed_count(path):
    """Items of a JSON feed, or a message naming a missing required key."""
    feed = json.loads(path.read_text(encoding="utf-8"))
    missing = [key for key in ("version", "title", "items") if key not in feed]
    missing += [f"items[{i}].id" for i, item in enumerate(feed.get("items", [])) if "id" not in item]
    missing += [f"items[{i}] content" for i, item in enumerate(feed.get("items", []))
                if "content_html" not in item and "content_text" not in item]
    if feed.get("version") != "https://jsonfeed.org/version/1.1":
        missing.append("version 1.1")
    return f"missing {missing}" if missing else len(feed["items"])


def main(folder):
    folder = pathlib.Path(folder)
    feeds = sorted(p for p in folder.rglob("*") if p.name.endswith((".rss.xml", ".atom.xml", ".json")))
    if not feeds:
        sys.exit(f"no feeds in {folder}")
    server, base = serve(folder)
    try:
        problems = 0
        print(f"{'feed':<55} {'written':>7} {'feedparser':>10} {'newsboat':>8}")
        for path in feeds:
            url = base + path.relative_to(folder).as_posix()
            expected = written_items(path)
            if path.suffix == ".xml":
                parsed = feedparser.parse(url)
                fp_count = len(parsed.entries) if not parsed.bozo else f"bozo: {parsed.bozo_exception}"
                nb_count = newsboat_count(url)
            else:
                fp_count, nb_count = json_feed_count(path), "-"
            ok = fp_count == expected and nb_count in (expected, "-")
            problems += not ok
            print(f"{path.relative_to(folder).as_posix():<55} {expected:>7} {fp_count!s:>10} {nb_count!s:>8}{'' if ok else '  MISMATCH'}")
        xml_feeds = sum(p.suffix == ".xml" for p in feeds)
        total = sum(written_items(p) for p in feeds)
        print(f"readers: {len(feeds)} feeds ({xml_feeds} read by newsboat and feedparser, "
              f"{len(feeds) - xml_feeds} JSON checked), "
              f"{total} items written, {problems} mismatches")
        return 1 if problems else 0
    finally:
        server.shutdown()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: readers.py FEEDS_DIR")
    sys.exit(main(sys.argv[1]))
