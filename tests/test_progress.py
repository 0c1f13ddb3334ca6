from __future__ import annotations

import io

from coopsim.runs.progress import Progress, in_notebook


def test_bar_shows_done_rate_and_time_left():
    sink = io.StringIO()
    bar = Progress(10, enabled=True, stream=sink, delay=0)
    bar.advance(5)
    bar.advance(5)
    bar.close()
    text = sink.getvalue()
    assert "10/10 replicates" in text and "/s" in text and "left" in text
    assert text.endswith("\n")


def test_bar_stays_silent_when_disabled_or_quick():
    sink = io.StringIO()
    Progress(10, enabled=False, stream=sink, delay=0).advance(10)
    quick = Progress(10, enabled=True, stream=sink, delay=60)
    quick.advance(10)
    quick.close()
    assert sink.getvalue() == ""


def test_off_by_default_when_neither_a_terminal_nor_a_notebook():
    sink = io.StringIO()  # not a terminal; pytest is no Jupyter kernel
    assert not in_notebook()
    bar = Progress(10, stream=sink, delay=0)
    bar.advance(10)
    bar.close()
    assert sink.getvalue() == ""


def test_a_resumed_run_starts_at_its_saved_count():
    sink = io.StringIO()
    bar = Progress(100, enabled=True, stream=sink, delay=0)
    bar.skip(60)
    assert bar.done == 60
    bar.advance(40)
    bar.close()
    assert bar.done == 100 and "100/100" in sink.getvalue()
    assert bar._bar.initial == 60  # the rate counts the 40 this run did


def test_a_growing_run_moves_its_end():
    bar = Progress(100, enabled=False)
    bar.advance(100)
    bar.total = 250
    assert bar.total == 250 and bar.done == 100


def test_a_disabled_bar_still_counts_a_resumed_run():
    bar = Progress(100, enabled=False)
    bar.skip(60)
    bar.advance(40)
    bar.close()
    assert bar.done == 100
