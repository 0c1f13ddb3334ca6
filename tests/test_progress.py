from __future__ import annotations

import io

from coopsim.runs.progress import Progress


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
