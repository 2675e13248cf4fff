#!/usr/bin/env python3
"""The visual run report (--report-html) as a browser renders it.

Runs zhclean on examples/dump with --summary S.json --report-html R.html,
renders R.html in headless Chromium (installed by scripts/install-chromium.sh
where missing), reads the rendered DOM and checks its figures (files,
bytes, errors, interrupted, changes per rule, encodings, decoding, skips)
against S.json; checks that the page loads nothing and runs no script;
then renders a page made from a file named `<script>alert(1)</script>.txt`
whose sample holds `</script>` and checks that no element was injected.
Exits non-zero, saying what differs, on any mismatch.

    python3 scripts/report-browser-test.py                  # the check
    python3 scripts/report-browser-test.py --screenshot docs/report.png

ZHCLEAN names the binary to use (default: target/debug/zhclean, built with
cargo when missing); CHROMIUM the browser.
"""

import argparse
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("MISMATCH:", what, file=sys.stderr)


class Dom(html.parser.HTMLParser):
    """Every element of the dumped DOM: tag, attributes, text content."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.stack = []

    def handle_starttag(self, tag, attrs):
        # Text of elements side by side (table cells) stays apart.
        for el in self.stack:
            el["text"].append(" ")
        el = {"tag": tag, "attrs": dict(attrs), "text": []}
        self.elements.append(el)
        if tag not in VOID:
            self.stack.append(el)

    def handle_startendtag(self, tag, attrs):
        self.elements.append({"tag": tag, "attrs": dict(attrs), "text": []})

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i]["tag"] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for el in self.stack:
            el["text"].append(data)

    def with_attr(self, name):
        return [e for e in self.elements if name in e["attrs"]]


def text(el):
    return "".join(el["text"]).strip()


def number(s):
    return int(s.replace(",", ""))


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, timeout=300, **kw)


def chromium():
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return explicit
    out = run(["bash", os.path.join(ROOT, "scripts/install-chromium.sh")],
              stdout=subprocess.PIPE, text=True)
    return out.stdout.strip().splitlines()[-1]


def browser_args(browser, tmp):
    # As root (CI) Chromium's sandbox cannot start; the page is ours and
    # local. No network: every host name resolves to nothing.
    return [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-extensions", "--hide-scrollbars",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--user-data-dir=" + os.path.join(tmp, "profile")]


def render_dom(browser, tmp, page):
    out = run(browser_args(browser, tmp) + ["--dump-dom", "file://" + page],
              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    dom = Dom()
    dom.feed(out.stdout)
    check(len(dom.elements) > 50, "the browser rendered a page (%d elements)" % len(dom.elements))
    return dom


def counts(dom, attr):
    """ATTR value -> (data-count, element) for every element with ATTR."""
    out = {}
    for el in dom.with_attr(attr):
        key = el["attrs"][attr]
        check(key not in out, "%s=%r appears once" % (attr, key))
        out[key] = (int(el["attrs"]["data-count"]), el)
    return out


def check_map(dom, attr, want, shown):
    got = counts(dom, attr)
    check(sorted(got) == sorted(want), "%s keys: page %s, summary %s"
          % (attr, sorted(got), sorted(want)))
    for key, n in want.items():
        if key not in got:
            continue
        count, el = got[key]
        check(count == n, "%s %s: page %d, summary %d" % (attr, key, count, n))
        check(shown(el, n), "%s %s: the rendered text %r shows %d" % (attr, key, text(el), n))


def shows_count(el, n):
    """The element's text holds n as a separate (comma-grouped) number."""
    words = text(el).replace("\u00a0", " ").split()
    return any(w.replace(",", "").isdigit() and number(w) == n for w in words)


def check_self_contained(dom, label):
    for el in dom.elements:
        a = el["attrs"]
        check(el["tag"] not in ("script", "iframe", "object", "embed", "link"),
              "%s: no <%s> element" % (label, el["tag"]))
        check("src" not in a, "%s: no src attribute (%s)" % (label, el["tag"]))
        href = a.get("href")
        check(href is None or href.startswith("#"), "%s: link %r stays in the page" % (label, href))
        check(not any(k.startswith("on") for k in a), "%s: no event handler on <%s>"
              % (label, el["tag"]))


def zhclean():
    exe = os.environ.get("ZHCLEAN") or os.path.join(ROOT, "target/debug/zhclean")
    if not os.environ.get("ZHCLEAN"):
        run(["cargo", "build", "--quiet", "--bin", "zhclean"], cwd=ROOT)
    return exe


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--screenshot", help="also save a 1280x1600 screenshot of the page here")
    args = ap.parse_args()
    exe = zhclean()
    browser = chromium()
    with tempfile.TemporaryDirectory() as tmp:
        summary, page = os.path.join(tmp, "S.json"), os.path.join(tmp, "R.html")
        # Relative paths, as a user types them (the page shows them so),
        # from a copy of the tree.
        shutil.copytree(os.path.join(ROOT, "examples/dump"), os.path.join(tmp, "examples/dump"),
                        symlinks=True)
        run([exe, "examples/dump", "-o", "out", "--summary", "S.json", "--report-html", "R.html",
             "--progress=never", "-q"], cwd=tmp)
        with open(summary) as f:
            s = json.load(f)
        dom = render_dom(browser, tmp, page)

        figures = {el["attrs"]["data-figure"]: el for el in dom.with_attr("data-figure")}
        for key in ["files", "processed", "errors", "bytes_in", "bytes_out"]:
            el = figures.get(key)
            check(el is not None, "figure %s is on the page" % key)
            if el is not None:
                check(el["attrs"]["data-value"] == str(s[key]),
                      "%s: page %s, summary %s" % (key, el["attrs"]["data-value"], s[key]))
                check(number(text(el)) == s[key], "%s: shown %r, summary %s"
                      % (key, text(el), s[key]))
        el = figures.get("interrupted")
        check(el is not None and el["attrs"]["data-value"] == json.dumps(s["interrupted"]),
              "interrupted as in the summary")
        el = figures.get("changes")
        check(el is not None and number(text(el)) == sum(s["changes"].values()),
              "total changes %s" % sum(s["changes"].values()))

        check(len(s["changes"]) > 5, "examples/dump exercises many rules")
        check_map(dom, "data-rule", s["changes"], shows_count)
        # Each bar is drawn: a rect with a width, the bars ordered by count.
        rects = [e for e in dom.elements if e["tag"] == "rect"]
        check(len(rects) == len(s["changes"]), "one bar per rule (%d)" % len(rects))
        widths = [float(r["attrs"]["width"]) for r in rects]
        check(widths == sorted(widths, reverse=True) and widths[0] > widths[-1],
              "bars longest first, and of different lengths: %s" % widths)
        check_map(dom, "data-rule-samples", s["changes"], shows_count)
        check_map(dom, "data-encoding", s["encodings"], shows_count)
        check_map(dom, "data-decoding", s["decoding"], shows_count)
        check_map(dom, "data-skip-kind", s["skipped"], shows_count)
        check_self_contained(dom, "examples/dump report")
        samples = [e for e in dom.elements if e["attrs"].get("class") == "where"]
        check(len(samples) >= len(s["changes"]) - 1, "samples with their place (%d)"
              % len(samples))
        check(any(text(e).startswith("examples/dump/damage/name-separator.txt:")
                  for e in samples), "a name-separator sample names its file and line")

        if args.screenshot:
            shot = os.path.abspath(args.screenshot)
            run(browser_args(browser, tmp) + ["--window-size=1280,1600",
                                              "--screenshot=" + shot, "file://" + page],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            with open(shot, "rb") as f:
                check(f.read(8) == b"\x89PNG\r\n\x1a\n", "the screenshot is a PNG")
            print("screenshot:", shot, os.path.getsize(shot), "bytes")

        # Untrusted names and samples: nothing gets into the DOM.
        inj = os.path.join(tmp, "inj")
        os.makedirs(os.path.join(inj, "<script>alert(1)<"))
        with open(os.path.join(inj, "<script>alert(1)</script>.txt"), "w") as f:
            f.write("<p>斯科特?丹恩说</p><script>alert(2)</script><p>好</p>\n")
        with open(os.path.join(inj, "x\"><img src=x onerror=alert(3)>.txt"), "w") as f:
            f.write("ＡＢＣ\n")
        page2 = os.path.join(tmp, "I.html")
        run([exe, inj, "-o", os.path.join(tmp, "injout"), "--html", "strip",
             "--report-html", page2, "--progress=never", "-q"])
        dom2 = render_dom(browser, tmp, page2)
        check_self_contained(dom2, "hostile names report")
        check(not any(e["tag"] == "img" for e in dom2.elements), "no <img> injected")
        paths = [text(e) for e in dom2.elements if e["attrs"].get("class") == "path"]
        check(any(p.endswith("<script>alert(1)</script>.txt") for p in paths),
              "the hostile name is shown as text: %s" % paths)
        befores = [text(e) for e in dom2.elements if e["attrs"].get("class") == "before"]
        check(any("</script>" in b for b in befores), "the </script> sample is shown as text")

    n = len(s["changes"])
    if failures:
        print("report-browser-test: %d mismatches" % len(failures), file=sys.stderr)
        return 1
    print("report-browser-test: the rendered page matches the summary (%d files, %d rules, "
          "%d encodings); hostile names stay text" % (s["files"], n, len(s["encodings"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
