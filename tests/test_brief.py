"""The policy brief: valid, self-contained HTML in English and Vietnamese, with its charts in
the reader's language, and visible when a browser opens it."""

from __future__ import annotations

import base64
import re
import shutil
import string
import subprocess
import unicodedata
import warnings
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from coopsim.brief.api import BriefData, render_brief, simulate_brief
from coopsim.brief.catalogue import LANGUAGES, TEXT, Lang
from coopsim.brief.charts import localized_fan
from coopsim.brief.goals import default_lever
from coopsim.brief.markup import VOID
from coopsim.brief.terms import (
    CLASS_NAMES,
    FIGURE_LABELS,
    METRIC_LABELS,
    METRIC_NOUNS,
    POLICY_GROUPS,
    UNITS,
)
from coopsim.cli.main import main
from coopsim.inputs.region_data import DataInconsistencyWarning
from coopsim.metrics import METRICS

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
RESOLUTION20 = ROOT / "scenarios" / "resolution20.toml"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def data() -> BriefData:
    """Two scenarios run once, small and fast; every test renders from them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataInconsistencyWarning)
        return simulate_brief(
            [BASELINE, RESOLUTION20], replications=100, seed=3, engine="fast", workers=1
        )


@pytest.fixture(scope="module")
def pages(data: BriefData) -> dict[str, tuple[str, list[str]]]:
    """Each language's page, with the font warnings its charts raised."""
    found = {}
    for lang in LANGUAGES:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            html = render_brief(data, lang)
        found[lang] = (html, [str(w.message) for w in caught])
    return found


class StrictChecker(HTMLParser):
    """Every element closed in order, no stray end tags, unique ids, and what the page uses."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.ids: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.images: list[dict[str, str]] = []
        self.tags: list[str] = []
        self.doctype = ""
        self.style = ""
        self.text: list[str] = []

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = {k: v or "" for k, v in attrs}
        self.attributes += [(tag, k, v) for k, v in values.items()]
        if "id" in values:
            self.ids.append(values["id"])
        if tag == "img":
            self.images.append(values)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.problems.append(f"end tag for void element </{tag}>")
        elif not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "style":
            self.style += data
        elif not self.stack or self.stack[-1] != "script":
            self.text.append(data)


def check(html: str) -> StrictChecker:
    checker = StrictChecker()
    checker.feed(html)
    checker.close()
    return checker


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_brief_is_valid_html(pages, lang):
    html, _ = pages[lang]
    page = check(html)
    assert page.doctype.lower() == "doctype html"
    assert not page.problems, page.problems[:5]
    assert page.stack == [], f"unclosed: {page.stack}"
    assert page.tags[:3] == ["html", "head", "meta"] and f'<html lang="{lang}">' in html
    assert '<meta charset="utf-8">' in html and page.tags.count("title") == 1
    assert page.tags.count("main") == 1 and page.tags.count("h1") == 1
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    links = [v for tag, k, v in page.attributes if k == "href"]
    assert links and all(v.startswith("#") and v[1:] in page.ids for v in links)
    for section in ("headline", "forecasts", "comparison", "goal", "assumptions", "sources"):
        assert section in page.ids
    assert "provenance" in page.ids


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_brief_is_self_contained(pages, lang):
    html, _ = pages[lang]
    page = check(html)
    for tag, name, value in page.attributes:
        if name in ("src", "href", "srcset", "action", "poster", "data"):
            assert not re.match(r"\s*(https?:|//|file:|ftp:)", value), (tag, name, value[:60])
            assert name != "src" or value.startswith("data:image/png;base64,"), value[:60]
        assert "url(" not in value or "data:" in value
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", page.style)
    assert "@import" not in page.style and "@font-face" not in page.style
    assert not {"link", "iframe", "object", "embed"} & set(page.tags)
    assert not re.search(r"<script[^>]*\ssrc=", html)
    addresses = [
        v for _, _, v in page.attributes if not v.startswith("data:") and re.search(r"//", v)
    ]
    assert not addresses, "no attribute holds an address"


def test_every_chart_is_an_embedded_png_of_its_stated_size(pages):
    html, _ = pages["en"]
    images = check(html).images
    # 3 fan charts per scenario (cooperatives, founded, well-operating share) + the comparison
    assert len(images) == 7
    for image in images:
        raw = base64.b64decode(image["src"].split(",", 1)[1], validate=True)
        assert raw.startswith(PNG)
        width, height = int.from_bytes(raw[16:20], "big"), int.from_bytes(raw[20:24], "big")
        assert (width, height) == (int(image["width"]), int(image["height"]))
        assert image["alt"]


def test_english_brief_says_what_matters(pages, data):
    html, _ = pages["en"]
    text = " ".join(check(html).text)
    assert "Policy brief: cooperatives in Ha Tinh" in text
    baseline = data.runs[0].result.targets
    for est in baseline.values():
        assert est.description in text
    assert "What it would take" in text and "founding.mean_per_year" in text
    assert "quality.upgrade_per_year.average" in text  # the baseline's default quality lever
    assert "Meeting of the provincial Steering Committee" in text  # a data source
    assert "+8" in text and "+5" in text  # the 2023 inconsistency, stated
    assert "Question it answers" in text  # the scenario file's reasoning
    assert "1,025" in text and "73,691" in text


def test_vietnamese_brief_uses_vietnamese_with_diacritics(pages):
    html, _ = pages["vi"]
    text = " ".join(check(html).text)
    assert unicodedata.is_normalized("NFC", html)
    for phrase in (
        "hợp tác xã",
        "Hà Tĩnh",
        "tổ hợp tác",
        "Kinh tế tập thể",
        "Những điểm chính",
        "Cần gì để đạt mục tiêu",
        "Số hợp tác xã thành lập mới trong năm 2024 từ 20 đến 30",
        "Tỷ lệ hợp tác xã hoạt động hiệu quả cuối năm 2030 trên 60%",
        "tốt, khá",
    ):
        assert phrase in text, phrase
    alts = [image["alt"] for image in check(html).images]
    assert all(a.startswith(("Biểu đồ quạt: ", "Xác suất đạt")) for a in alts), alts
    assert "1.025" in text and "73.691" in text  # thousands with a dot
    assert re.search(r"\b\d+,\d%", text)  # decimals with a comma
    for english in ("Key findings", "What it would take", "Probability", "Scenario “"):
        assert english not in text


def test_vietnamese_charts_have_vietnamese_labels_and_every_glyph(data, pages):
    _, caught = pages["vi"]
    assert not [m for m in caught if "Glyph" in m or "missing from font" in m], caught
    lang = Lang("vi")
    run = data.runs[0]
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font.*")
        for metric in ("founded", "well_operating_share", "cooperatives"):
            figure = Figure(layout="constrained")
            ax = localized_fan(run.result, metric, lang, figure.subplots())
            figure.canvas.draw()  # any missing glyph would raise here
            labels = [t.get_text() for t in ax.get_legend().get_texts()]
            assert {"trung vị", "khoảng 95%", "khoảng 50%"} <= set(labels)
            assert ax.get_xlabel() == "Năm (phân loại cuối năm)"
            assert "Hà Tĩnh, kịch bản “baseline”" in ax.get_title()
    founded = localized_fan(run.result, "founded", lang, Figure().subplots())
    notes = [t.get_text() for t in founded.texts]
    assert any(n.startswith("Mục tiêu 2024: 20–30\nXác suất ") for n in notes), notes
    assert "Số hợp tác xã thành lập mới trong năm" in founded.get_title()
    cooperatives = localized_fan(run.result, "cooperatives", lang, Figure().subplots())
    cooperatives.figure.canvas.draw()
    ticks = [t.get_text() for t in cooperatives.get_yticklabels() if t.get_text()]
    assert any("." in t for t in ticks), ticks  # 1.050, not 1,050


def test_comparison_is_coopsim_compare_on_the_first_scenarios_targets(data):
    rows = data.comparison
    assert rows is not None
    names = list(data.runs[0].result.targets)
    assert [r.target for r in rows] == [n for n in names for _ in data.runs]
    for row in rows:
        assert row.low <= row.probability <= row.high
        if row.reference:
            assert row.scenario == "baseline" and row.difference == 0
        else:
            first = next(r for r in rows if r.reference and r.target == row.target)
            assert row.difference == pytest.approx(row.probability - first.probability)
            assert row.difference == pytest.approx(row.better - row.worse)
            assert row.difference_low <= row.difference <= row.difference_high


def test_what_it_would_take_uses_each_targets_default_lever(data):
    goals = {row.target: row for row in data.goals}
    assert goals["new_cooperatives_2024_at_least_20"].lever == "founding.mean_per_year"
    share = goals["well_operating_share_2024"]
    assert share.lever == "quality.upgrade_per_year.average"
    assert share.reachable and share.probability >= 0.8 and share.value > share.current
    band = goals["new_cooperatives_2024"]  # 20-30 founded: no founding rate makes it likely
    assert not band.reachable and band.best_probability < 0.8
    resolution20 = data.runs[1].loaded.scenario
    target = resolution20.targets["well_operating_share_2030"]
    assert default_lever(resolution20, target) == "levers.land.effects.upgrade"


def test_catalogue_is_complete_in_both_languages():
    fields = string.Formatter()
    for key, texts in TEXT.items():
        assert len(texts) == len(LANGUAGES) and all(texts), key
        names = [{f for _, f, _, _ in fields.parse(t) if f} for t in texts]
        assert all(n == names[0] for n in names), key
        assert unicodedata.is_normalized("NFC", texts[1]), key
    for table in (METRIC_LABELS, METRIC_NOUNS, UNITS, CLASS_NAMES, POLICY_GROUPS, FIGURE_LABELS):
        for key, entry in table.items():
            assert all(entry[:2]) and unicodedata.is_normalized("NFC", entry[1]), key
    # Every metric has its words, and the English chart labels are coopsim.metrics' own.
    for info in METRICS:
        assert METRIC_LABELS[info.name][0] == info.label and info.name in METRIC_NOUNS
        assert info.unit in UNITS


def test_numbers_are_written_the_way_each_language_does():
    en, vi = Lang("en"), Lang("vi")
    assert (en.number(73691), vi.number(73691)) == ("73,691", "73.691")
    assert (en.percent(0.406), vi.percent(0.406)) == ("40.6%", "40,6%")
    assert (en.probability(0.304), vi.probability(0.0004)) == ("30%", "0,0%")
    assert vi.general(0.1558) == "0,1558" and en.general(35.0) == "35"
    assert en.number(-3) == "−3"


def test_report_command_writes_the_file_and_refuses_bad_input(tmp_path, capsys, monkeypatch):
    # The goal seeks are covered by the `data` fixture; here they would only add time.
    monkeypatch.setattr("coopsim.brief.api.what_it_would_take", lambda *args: [])
    out = tmp_path / "brief.html"
    args = ["report", str(BASELINE), "--out", str(out), "--lang", "vi"]
    small = ["--replications", "30", "--engine", "fast", "--workers", "1", "--quiet"]
    assert main([*args, *small]) == 0
    written = out.read_text(encoding="utf-8")
    assert written.startswith("<!DOCTYPE html>") and "hợp tác xã" in written
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary file left"
    capsys.readouterr()
    # An existing file is never overwritten without --overwrite, and is left as it was.
    assert main([*args, *small]) == 2
    assert "exists" in capsys.readouterr().err and out.read_text(encoding="utf-8") == written
    assert main([*args, *small, "--overwrite", "--lang", "en"]) == 0
    assert '<html lang="en">' in out.read_text(encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["report", str(BASELINE), "--out", str(tmp_path / "x.html"), "--lang", "fr"])
    assert exit_info.value.code == 2 and "invalid choice: 'fr'" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "y.html")]) == 2
    assert "nope.toml" in capsys.readouterr().err
    goal = ["--goal-lever", "founding.nope", "--out", str(tmp_path / "z.html")]
    assert main(["report", str(BASELINE), *goal]) == 2
    assert "founding.nope" in capsys.readouterr().err
    assert not {"x.html", "y.html", "z.html"} & {p.name for p in tmp_path.iterdir()}


# --- In a browser ---------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WIDTH, HEIGHT = 1280, 2600
#: Added to a copy of the page: once loaded, it records on <body> how many images there are,
#: how many decoded (naturalWidth > 0) and are laid out at a visible size, and where the first is.
PROBE = """<script>
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const shown = images.filter((i) => i.complete && i.naturalWidth > 0 &&
    i.getBoundingClientRect().width > 300 && i.getBoundingClientRect().height > 150 &&
    getComputedStyle(i).visibility === "visible" && getComputedStyle(i).display !== "none");
  const r = images[0].getBoundingClientRect();
  document.body.dataset.images = images.length;
  document.body.dataset.shown = shown.length;
  document.body.dataset.first = [r.left, r.top + window.scrollY, r.width, r.height]
    .map(Math.round).join(",");
  document.body.dataset.checked = "yes";
});
</script>"""


def browse(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium with a throw-away profile and a fixed window."""
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--window-size={WIDTH},{HEIGHT}",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (.ci/run installs Debian's chromium package)",
)
def test_chromium_renders_the_brief_with_its_charts_visible(pages, tmp_path):
    html, _ = pages["vi"]
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = browse(tmp_path / "profile", "--virtual-time-budget=5000", "--dump-dom", probe.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    body = re.search(r"<body[^>]*>", dom.stdout)
    assert body, dom.stdout[:500]
    seen = dict(re.findall(r'data-(\w+)="([^"]*)"', body.group(0)))
    assert seen.get("checked") == "yes", body.group(0)
    assert seen["images"] == seen["shown"] == "7", seen
    assert "Tóm tắt chính sách: hợp tác xã tỉnh Hà Tĩnh" in dom.stdout

    # The page as written (no probe), as a screenshot: the first fan chart is drawn there.
    page, shot = tmp_path / "brief.html", tmp_path / "brief.png"
    page.write_text(html, encoding="utf-8")
    taken = browse(tmp_path / "profile", f"--screenshot={shot}", page.as_uri())
    assert taken.returncode == 0 and shot.is_file(), taken.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert pixels.shape[:2] == (HEIGHT, WIDTH)
    x, y, w, h = (int(v) for v in seen["first"].split(","))
    assert y + h <= HEIGHT, "the first chart should be within the window"
    chart = pixels[y : y + h, x : x + w]
    drawn = (chart.min(axis=2) < 230).mean()  # anything not (near) white
    bands = (chart[..., 2] - chart[..., 0] > 60).mean()  # the fan's blue bands
    assert drawn > 0.05 and bands > 0.02, (drawn, bands)
    above = pixels[: max(1, y - 10)]
    assert (above.min(axis=2) < 128).mean() > 0.001, "the text above the chart is rendered"

    # The probe does notice an image that does not decode.
    broken = re.sub(r"base64,[A-Za-z0-9+/]{40}", "base64,AAAA", probe.read_text("utf-8"), count=1)
    probe.write_text(broken, encoding="utf-8")
    dom = browse(tmp_path / "profile", "--virtual-time-budget=5000", "--dump-dom", probe.as_uri())
    body = re.search(r"<body[^>]*>", dom.stdout)
    assert body and 'data-shown="6"' in body.group(0), dom.stdout[:300]
