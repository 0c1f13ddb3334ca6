"""The documentation site builds offline with warnings as errors (the notebooks executed,
small), every relative link in it resolves, and no page loads anything from the web."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

import coopsim

from .conftest import ROOT

DOCS = ROOT / "docs"
#: Seconds the whole build may take (it executes the four notebooks, small, in about a minute).
BUILD_TIMEOUT = 900
GUIDE_PAGES = (
    "baseline",
    "output-folder",
    "metrics",
    "command",
    "large-runs",
    "reliability",
    "scoring",
    "calibration",
    "comparing",
    "time-to-target",
    "sensitivity",
    "policy-brief",
    "python",
    "model",
    "scenario-files",
    "adding-a-province",
    "reproducibility",
    "benchmarks",
    "dependencies",
    "code-layout",
    "development",
    "data-sources",
)
NOTEBOOKS = sorted(path.stem for path in (ROOT / "notebooks").glob("*.ipynb"))


class _Page(HTMLParser):
    """The links, embedded resources and element ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []  # <a href>
        self.resources: list[tuple[str, str]] = []  # (tag, src or href) loaded by the page
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "a" and "href" in values:
            self.links.append(values["href"])
        if tag in ("script", "img", "iframe", "source", "video", "audio") and "src" in values:
            self.resources.append((tag, values["src"]))
        if tag == "link" and "href" in values:
            self.resources.append((tag, values["href"]))


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML site, built once: sphinx-build -W --keep-going -b html docs OUT."""
    out = tmp_path_factory.mktemp("docs") / "html"
    env = {**os.environ, "COOPSIM_QUICK": "1"}
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    done = subprocess.run(
        [*command, str(DOCS), str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"sphinx-build failed:\n{done.stderr[-6000:]}"
    return out


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_page_is_built(site: Path) -> None:
    """The guide, the tutorials (one per notebook), the contracts and the API pages exist."""
    wanted = [
        "index.html",
        "contracts.html",
        "api/index.html",
        "api/coopsim.html",
        "api/engines.html",
        "api/simulate.html",
        "api/plots.html",
        "tutorials/index.html",
        *(f"guide/{name}.html" for name in GUIDE_PAGES),
        *(f"tutorials/{name}.html" for name in NOTEBOOKS),
    ]
    missing = [name for name in wanted if not (site / name).is_file()]
    assert not missing, f"pages not built: {missing}"


def test_relative_links_resolve(site: Path) -> None:
    """Every relative link and resource points to a file of the site, and every #fragment to
    an id on its page."""
    pages = {path: _parse(path) for path in _pages(site)}
    broken = []
    for path, page in pages.items():
        for target in [*page.links, *(src for _, src in page.resources)]:
            parts = urlsplit(target)
            if parts.scheme or parts.netloc:
                continue
            linked = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if linked.is_dir():
                linked = linked / "index.html"
            if not linked.is_file():
                broken.append(f"{path.relative_to(site)}: {target}")
                continue
            if parts.fragment and linked.suffix == ".html":
                ids = pages[linked].ids if linked in pages else _parse(linked).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{path.relative_to(site)}: {target} (no such id)")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_no_page_loads_anything_from_the_web(site: Path) -> None:
    """Scripts, styles, fonts and images all come with the site, so it works offline."""
    remote = []
    for path in _pages(site):
        for tag, src in _parse(path).resources:
            if urlsplit(src).scheme in ("http", "https") or src.startswith("//"):
                remote.append(f"{path.relative_to(site)}: <{tag}> {src}")
    for path in site.rglob("*.css"):
        text = path.read_text(encoding="utf-8", errors="replace")
        for marker in ("url(http", "url('http", 'url("http', "@import url(//"):
            if marker in text:
                remote.append(f"{path.relative_to(site)}: {marker}")
    assert not remote, "loaded from the web:\n" + "\n".join(remote)


def test_tutorials_show_their_charts(site: Path) -> None:
    """Each notebook page was executed: its charts are images of the site."""
    for name in NOTEBOOKS:
        images = [
            src
            for tag, src in _parse(site / "tutorials" / f"{name}.html").resources
            if tag == "img" and src.endswith(".png")
        ]
        assert images, f"tutorials/{name}.html shows no chart"


def test_api_reference_covers_the_public_api(site: Path) -> None:
    """Every name of coopsim.__all__ has its entry, generated from its docstring."""
    ids = _parse(site / "api" / "coopsim.html").ids
    missing = [name for name in coopsim.__all__ if f"coopsim.{name}" not in ids]
    assert not missing, f"not in the API reference: {missing}"


def test_contracts_list_every_command(site: Path) -> None:
    """The contracts page has every command of the parser, with its --help text."""
    from coopsim.cli.main import build_parser

    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    text = (site / "contracts.html").read_text(encoding="utf-8")
    for name in commands.choices:
        assert f"usage: coopsim {name}" in text, f"no --help for coopsim {name}"
