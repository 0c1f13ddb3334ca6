"""The page around the sections: one HTML5 document with its styles inline and nothing fetched.

string.Template is enough for a skeleton with a handful of slots; the sections are built by
coopsim.brief.markup, which escapes text where it enters.
"""

from __future__ import annotations

import html
from string import Template

from coopsim.brief.catalogue import Lang
from coopsim.brief.markup import Html, el, render

#: Fonts the reader's system already has (no web fonts): each covers Vietnamese.
CSS = """
:root { --ink: #1d2733; --muted: #5b6673; --line: #d5dbe3; --accent: #1f5fa8;
  --soft: #f3f6fa; --good: #2e8b57; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.5;
  font-family: "Segoe UI", "Noto Sans", Roboto, "DejaVu Sans", "Helvetica Neue", Arial,
  sans-serif; font-size: 16px; }
header.top { background: var(--accent); color: #fff; padding: 1.6rem 2rem 1.2rem; }
header.top h1 { margin: 0 0 .3rem; font-size: 1.7rem; }
header.top p { margin: .2rem 0; opacity: .92; }
nav.contents { padding: .6rem 2rem; background: var(--soft); border-bottom: 1px solid var(--line); }
nav.contents ol { margin: 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap;
  gap: .4rem 1.4rem; }
nav.contents a { color: var(--accent); text-decoration: none; }
main { max-width: 1180px; margin: 0 auto; padding: 0 2rem 2rem; }
section { padding-top: 1.2rem; border-bottom: 1px solid var(--line); padding-bottom: 1rem; }
h2 { font-size: 1.35rem; margin: .6rem 0; color: var(--accent); }
h3 { font-size: 1.1rem; margin: 1rem 0 .4rem; }
h4 { font-size: 1rem; margin: .8rem 0 .3rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .93rem; }
th, td { border-bottom: 1px solid var(--line); padding: .4rem .5rem; text-align: left;
  vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
td.muted, .muted { color: var(--muted); }
.nowrap { white-space: nowrap; }
code { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: .85em;
  overflow-wrap: anywhere; }
code.hash { color: var(--muted); }
.target { display: block; }
.p { font-size: 1.25rem; font-weight: 700; }
.ci { color: var(--muted); white-space: nowrap; }
.reading { display: block; font-size: .85rem; color: var(--muted); font-style: italic; }
.bar { display: block; height: .45rem; background: var(--soft); border: 1px solid var(--line);
  border-radius: .2rem; margin: .2rem 0; max-width: 12rem; overflow: hidden; }
.bar .fill { display: block; height: 100%; background: var(--good); }
.scenario-name { font-weight: 600; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 1rem; }
figure { margin: .5rem 0; }
img.chart { max-width: 100%; height: auto; display: block; border: 1px solid var(--line); }
details { margin: .6rem 0; }
summary { cursor: pointer; color: var(--accent); }
pre { white-space: pre-wrap; background: var(--soft); padding: .8rem; font-size: .85rem;
  border-left: 3px solid var(--line); }
ul.plain { list-style: none; padding: 0; margin: 0; }
footer { max-width: 1180px; margin: 0 auto; padding: 1rem 2rem 2rem; color: var(--muted);
  font-size: .9rem; }
@media print {
  header.top { background: none; color: var(--ink); }
  nav.contents { display: none; }
  figure, table, article { break-inside: avoid; }
  .charts { display: block; }
}
"""

PAGE = Template(
    """<!DOCTYPE html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="$generator">
<title>$title</title>
<style>$css</style>
</head>
<body>
<header class="top">
<h1>$title</h1>
$subtitle
</header>
$contents
<main>
$sections
</main>
<footer>
$footer
</footer>
</body>
</html>
"""
)


def page(
    lang: Lang,
    title: str,
    subtitle: list[str],
    sections: list[tuple[str, str, Html]],
    footer: str,
    generator: str,
) -> str:
    """The whole document; `sections` are (id, heading, html) in reading order."""
    entries = [el("li", el("a", heading, href=f"#{ident}")) for ident, heading, _ in sections]
    contents = el("nav", el("ol", entries), class_="contents", aria_label=lang.t("contents"))
    return PAGE.substitute(
        lang=lang.code,
        generator=html.escape(generator, quote=True),
        title=render(title),
        subtitle="\n".join(el("p", line) for line in subtitle),
        css=CSS,
        contents=contents,
        sections="\n".join(html for _, _, html in sections),
        footer=el("p", footer),
    )
