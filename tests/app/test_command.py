"""`coopsim app` as a person runs it: it prints its address on 127.0.0.1 and a free port,
serves the page until stopped, warns when exposed to a network, and without the app extra
exits 2 with the install line and no traceback."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request

from coopsim.cli.main import main
from tests.app.conftest import ROOT, SCENARIOS


def test_without_the_app_extra_it_exits_2_with_the_install_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tornado", None)  # import tornado fails
    assert main(["app", str(SCENARIOS)]) == 2
    err = capsys.readouterr().err
    assert 'pip install "coopsim[app]"' in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_a_host_other_than_loopback_prints_a_warning(monkeypatch, capsys, tmp_path):
    import coopsim.app.server as server
    import coopsim.cli.app as command

    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(server.Server, "start", lambda self: "http://192.0.2.1:1/")
    monkeypatch.setattr(command, "serve_forever", interrupted)
    args = ["app", str(SCENARIOS), "--host", "192.0.2.1", "--export-dir", str(tmp_path)]
    assert main(args) == 130
    err = capsys.readouterr().err
    assert "warning: --host 192.0.2.1 exposes the explorer to the network" in err
    assert main(["app", str(SCENARIOS), "--export-dir", str(tmp_path)]) == 130
    assert "warning" not in capsys.readouterr().err  # 127.0.0.1 by default: no warning
    assert server.is_loopback("127.0.0.1") and server.is_loopback("::1")
    assert not server.is_loopback("0.0.0.0") and not server.is_loopback("192.168.1.2")


def test_the_command_prints_its_address_serves_the_page_and_stops(tmp_path):
    command = [sys.executable, "-m", "coopsim", "app", "scenarios", "--export-dir", str(tmp_path)]
    process = subprocess.Popen(
        [*command, "--workers", "1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    try:
        line = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert found, line
        page = urllib.request.urlopen(found.group(0), timeout=30).read().decode()
        assert "<title>coopsim scenario explorer</title>" in page
        assert int(found.group(1)) > 0
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 143, err
    assert "Traceback" not in err


def test_from_a_notebook_the_explorer_shows_as_a_frame_of_the_page(tmp_path):
    from coopsim.app.notebook import explore

    running = explore(SCENARIOS / "baseline.toml", export_dir=tmp_path, workers=1)
    try:
        frame = running._repr_html_()
        assert f'<iframe src="{running.url}"' in frame
        page = urllib.request.urlopen(running.url, timeout=30).read().decode()
        assert "coopsim scenario explorer" in page
    finally:
        running.stop()
