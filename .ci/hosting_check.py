#!/usr/bin/env python3
"""Check that a web server serves a feedgen output folder as docs/hosting.md says.

Usage: hosting_check.py NAME BASE_URL FOLDER

NAME labels the output lines (nginx, apache); BASE_URL is where the server
serves FOLDER (http://127.0.0.1:PORT/). Prints one line per check and a
summary; exits 1 if any check failed.
"""

import gzip
import http.client
import sys
import urllib.parse
from pathlib import Path

CONTENT_TYPES = {
    ".rss.xml": "application/rss+xml",
    ".atom.xml": "application/atom+xml",
    ".json": "application/feed+json",
    ".opml": "text/x-opml",
    ".html": "text/html",
}
FEED_SUFFIXES = (".rss.xml", ".atom.xml", ".json", ".opml")


def suffix_of(name):
    for suffix in CONTENT_TYPES:
        if name.endswith(suffix):
            return suffix
    return None


class Checker:
    def __init__(self, name, base, folder):
        self.name = name
        self.base = urllib.parse.urlsplit(base)
        self.folder = Path(folder)
        self.failures = 0
        self.passed = 0

    def get(self, path, headers=None):
        connection = http.client.HTTPConnection(self.base.hostname, self.base.port, timeout=10)
        connection.request("GET", self.base.path.rstrip("/") + path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        connection.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body

    def expect(self, what, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failures += 1
            print(f"{self.name}: FAILED {what}{': ' + detail if detail else ''}")
        return ok

    def check_file(self, path, suffix):
        """Content type, bytes, validators, 304s, CORS, caching, gzip for one file."""
        expected_type = CONTENT_TYPES[suffix]
        on_disk = (self.folder / path.lstrip("/")).read_bytes()
        status, headers, body = self.get(path)
        content_type = headers.get("content-type", "")
        media_type, _, parameters = content_type.partition(";")
        self.expect(f"{path} answers 200", status == 200, str(status))
        self.expect(f"{path} is {expected_type}", media_type.strip() == expected_type, content_type)
        self.expect(f"{path} says charset=utf-8", parameters.strip().lower() == "charset=utf-8", content_type)
        self.expect(f"{path} is served byte for byte", body == on_disk)
        self.expect(f"{path} has Cache-Control", "max-age=" in headers.get("cache-control", ""))
        cors = headers.get("access-control-allow-origin")
        if suffix in FEED_SUFFIXES:
            self.expect(f"{path} allows any origin (CORS)", cors == "*", str(cors))
        etag = headers.get("etag")
        last_modified = headers.get("last-modified")
        if self.expect(f"{path} has an ETag", etag is not None):
            status, _, body = self.get(path, {"If-None-Match": etag})
            self.expect(f"{path} If-None-Match gives 304", status == 304 and body == b"", str(status))
        if self.expect(f"{path} has Last-Modified", last_modified is not None):
            status, _, _ = self.get(path, {"If-Modified-Since": last_modified})
            self.expect(f"{path} If-Modified-Since gives 304", status == 304, str(status))
        status, headers, body = self.get(path, {"Accept-Encoding": "gzip"})
        gzipped = headers.get("content-encoding") == "gzip"
        self.expect(f"{path} is gzipped on request", gzipped, str(headers.get("content-encoding")))
        if gzipped:
            self.expect(f"{path} gunzips to the file", gzip.decompress(body) == on_disk)
        return content_type

    def check_hidden(self, path):
        status, _, body = self.get(path)
        self.expect(f"{path} is 404", status == 404, str(status))
        secret = (self.folder / path.lstrip("/")).read_bytes()
        self.expect(f"{path} leaks nothing", secret not in body)

    def run(self):
        files = sorted(
            p.relative_to(self.folder).as_posix()
            for p in self.folder.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(self.folder).parts)
        )
        seen = {}
        for name in files:
            suffix = suffix_of(name)
            if self.expect(f"{name} is a type feedgen writes", suffix is not None):
                seen.setdefault(suffix, []).append(self.check_file("/" + name, suffix))
        for suffix, types in sorted(seen.items()):
            print(f"{self.name}: {len(types):3} {suffix:9} files served as {sorted(set(types))[0]}")
        status, _, body = self.get("/")
        self.expect("/ serves index.html", status == 200 and body == (self.folder / "index.html").read_bytes())
        hidden = sorted(
            "/" + p.relative_to(self.folder).as_posix()
            for p in self.folder.rglob(".*")
            if p.is_file()
        )
        for path in hidden:
            self.check_hidden(path)
        print(f"{self.name}: hidden files checked for 404: {', '.join(hidden)}")
        status, _, _ = self.get("/no-such-feed.rss.xml")
        self.expect("a missing feed is 404", status == 404, str(status))
        print(
            f"{self.name}: {len(files)} files checked for content type, bytes, ETag/If-None-Match 304, "
            f"Last-Modified/If-Modified-Since 304, gzip, Cache-Control and CORS"
        )
        print(f"{self.name}: {self.passed} checks passed, {self.failures} failed")
        return self.failures == 0


def main():
    name, base, folder = sys.argv[1:4]
    sys.exit(0 if Checker(name, base, folder).run() else 1)


if __name__ == "__main__":
    main()
