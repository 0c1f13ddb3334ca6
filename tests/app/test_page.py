"""The explorer in a real browser: a lever moved on the page gives the probability
`coopsim forecast --set` gives; the page switches language; an export validates and
reproduces the numbers shown; a refused value shows the message --set prints; charts are
drawn (and the check that says so fails on a broken chart); nothing is fetched from
anywhere but the server."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from matplotlib.figure import Figure

from coopsim.cli.main import main
from tests.app.conftest import SCENARIOS, answered, forecast_summary, shown_probabilities

LEVER = "founding.mean_per_year"
#: Counts a chart's pixels in the fan's blue (coopsim.plots.style.BAND_COLOUR, #1f5fa8, and
#: its bands' lighter shades); 0 for an image that did not decode.
BLUE_PIXELS = """async (img) => {
  if (!img.complete) {
    await new Promise((r) => { img.addEventListener('load', r, {once: true});
                               img.addEventListener('error', r, {once: true}); });
  }
  if (!img.naturalWidth) return 0;
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let blue = 0;
  for (let i = 0; i < data.length; i += 4) {
    // the fan's colour, or a band of it blended over white: blue clearly the strongest
    if (data[i + 2] > data[i] + 15 && data[i + 2] > data[i + 1] + 8) blue++;
  }
  return blue;
}"""


def lever_row(tab, path: str):
    return tab.locator(f'.lever[data-path="{path}"]')


def test_moving_a_lever_gives_the_probability_forecast_set_gives(page, tmp_path):
    slider = lever_row(page, LEVER).locator("input[type=range]")
    slider.focus()
    for _ in range(3):  # three steps of 0.1 on the keyboard, as a person would
        page.keyboard.press("ArrowRight")
    value = lever_row(page, LEVER).locator("input.value").input_value()
    assert value == "35.3"
    view = answered(page, LEVER, value)
    assert view["exact"] and view["engine"] == "exact"
    shown = shown_probabilities(page)
    summary = forecast_summary(
        tmp_path, SCENARIOS / "baseline.toml", "--engine", "exact", "--set", f"{LEVER}={value}"
    )
    for name, entry in summary["targets"].items():
        probability, text = shown[name]
        assert probability == pytest.approx(entry["probability"], abs=1e-12)
        assert text == f"{100 * entry['probability']:.1f}%"
    assert f"--set {LEVER}={value}" in page.locator("#command").text_content()


def test_the_page_switches_language(page):
    english = page.locator("#table thead th").nth(1).text_content()
    page.select_option("#lang", "vi")
    page.wait_for_function("document.documentElement.lang === 'vi'")
    page.wait_for_function("document.querySelector('#title').textContent.includes('Hà Tĩnh')")
    assert page.locator("#table thead th").nth(1).text_content() == "Xác suất"
    assert english == "Probability"
    page.wait_for_function(
        "document.querySelector('#table tbody td.probability').textContent.includes(',')"
    )
    first_target = page.locator("#table tbody tr td").first.text_content()
    assert "Số hợp tác xã thành lập mới" in first_target or "hợp tác xã" in first_target
    page.select_option("#lang", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.locator("#table thead th").nth(1).text_content() == "Probability"


def test_an_export_extends_the_scenario_validates_and_reproduces_the_numbers(page, tmp_path):
    text = lever_row(page, LEVER).locator("input.value")
    text.fill("28")
    text.press("Enter")
    answered(page, LEVER, "28")
    shown = shown_probabilities(page)
    page.fill("#export-name", "fewer-founded")
    page.click("#export-scenario")
    link = page.locator("#export-answer a")
    link.wait_for()
    written = Path(link.get_attribute("data-file"))
    assert written.name == "fewer-founded.toml"
    body = [line for line in written.read_text().splitlines() if not line.startswith("#")]
    extends, *settings = [line for line in body if line]
    assert extends.startswith('extends = "') and extends.endswith('/scenarios/baseline.toml"')
    assert settings == ["[founding]", "mean_per_year = 28"]  # only what was changed
    assert main(["validate", str(written)]) == 0
    summary = forecast_summary(tmp_path, written, "--engine", "exact")
    for name, entry in summary["targets"].items():
        assert shown[name][0] == pytest.approx(entry["probability"], abs=1e-12)
    # The export is listed among the scenarios the page may open.
    assert page.locator('#scenario option[value="exports/fewer-founded"]').count() == 1


@pytest.mark.parametrize("typed", ["abc", "-1"])
def test_a_refused_value_shows_the_message_set_gives(page, capsys, typed):
    capsys.readouterr()
    assert main(["validate", str(SCENARIOS / "baseline.toml"), "--set", f"{LEVER}={typed}"]) == 2
    printed = capsys.readouterr().err.strip().removeprefix("coopsim: error: ")
    before = page.evaluate("window.coopsim.answers")
    text = lever_row(page, LEVER).locator("input.value")
    text.fill(typed)
    text.press("Enter")
    message = lever_row(page, LEVER).locator(".refused")
    message.wait_for(state="visible")
    assert message.text_content() == printed
    assert page.evaluate("window.coopsim.answers") == before  # the answer shown stays


def test_charts_are_drawn_and_the_check_fails_on_a_broken_chart(page):
    page.wait_for_function(
        "[...document.querySelectorAll('#charts img')].length >= 3 &&"
        " [...document.querySelectorAll('#charts img')].every((i) => i.complete && i.naturalWidth)",
        timeout=20_000,
    )
    images = page.locator("#charts img")
    for index in range(images.count()):
        assert images.nth(index).evaluate(BLUE_PIXELS) > 2_000
    # Controls: a blank chart and one that does not decode are both refused by the check.
    buffer = io.BytesIO()
    Figure(figsize=(7.6, 4.4)).savefig(buffer, format="png")
    blank = "data:image/png;base64," + __import__("base64").b64encode(buffer.getvalue()).decode()
    for source in (blank, "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA"):
        page.evaluate(
            "(src) => { const img = document.querySelector('#charts img');"
            " img.removeAttribute('src'); img.src = src; }",
            source,
        )
        page.wait_for_function("document.querySelector('#charts img').complete")
        assert page.locator("#charts img").first.evaluate(BLUE_PIXELS) == 0


def test_nothing_is_fetched_from_outside_this_machine(browser, server):
    seen: list[str] = []
    tab = browser.new_page()
    tab.on("request", lambda request: seen.append(request.url))
    tab.goto(server.url + "?scenario=resolution20")
    tab.wait_for_function("window.coopsim.answers > 0")
    tab.wait_for_function(
        "[...document.querySelectorAll('#charts img')].every((i) => i.complete)",
        timeout=20_000,
    )
    tab.close()
    hosts = {urlparse(url).hostname for url in seen if not url.startswith("data:")}
    assert hosts == {"127.0.0.1"}
    kinds = {urlparse(url).path.rsplit(".", 1)[-1] for url in seen}
    assert {"js", "css", "png"} <= kinds


def test_goal_seek_answer_is_marked_on_the_control(page):
    page.select_option("#goal-target", "new_cooperatives_2024_at_least_20")
    page.select_option("#goal-lever", LEVER)
    page.fill("#goal-probability", "0.9")
    page.click("#goal-run")
    page.locator("#goal-apply").wait_for(state="visible", timeout=30_000)
    answer = page.locator("#goal-answer").text_content()
    value = float(re.search(rf"{re.escape(LEVER)} = ([0-9.]+)", answer).group(1))
    # The closed form (tests/test_goal_seek.py) is 36.217; the search's grid step here is 0.1.
    assert 36.217 <= value <= 36.217 + 0.1
    mark = lever_row(page, LEVER).locator(".goal-mark")
    assert mark.is_visible() and float(mark.get_attribute("data-value")) == value
    page.click("#goal-apply")
    answered(page, LEVER, f"{value:g}")
    assert shown_probabilities(page)["new_cooperatives_2024_at_least_20"][0] >= 0.9


@pytest.mark.slow
def test_the_brief_of_the_settings_is_exported(page):
    text = lever_row(page, LEVER).locator("input.value")
    text.fill("30")
    text.press("Enter")
    answered(page, LEVER, "30")
    page.select_option("#lang", "vi")
    page.wait_for_function("document.documentElement.lang === 'vi'")
    page.fill("#export-name", "brief-30")
    page.click("#export-brief")
    link = page.locator("#export-answer a")
    link.wait_for(timeout=120_000)
    written = Path(link.get_attribute("data-file"))
    html = written.read_text()
    assert written.name == "brief-30.html" and 'lang="vi"' in html
    assert (written.parent / "brief-30.toml").exists()  # the scenario it is the brief of
    page.select_option("#lang", "en")
