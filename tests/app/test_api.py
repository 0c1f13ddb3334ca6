"""The explorer's API without a browser: what the page may not do (read or write outside
the scenario and export folders, change a setting that is not a lever), and Monte Carlo
answers that show progress, refine in place, give `coopsim forecast`'s numbers and are
cancelled by a newer change."""

from __future__ import annotations

import http.client
import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.app.conftest import REPLICATIONS, SCENARIOS, SEED, forecast_summary


def request(server, method: str, path: str, body: Any = None, headers: dict | None = None):
    """One raw HTTP request (the path sent as given, not normalised); status and body."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    data = None if body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", **(headers or {})}
    connection.request(method, path, body=data, headers=sent)
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, payload


def post(server, path: str, body: Any) -> tuple[int, dict[str, Any]]:
    status, payload = request(server, "POST", path, body)
    return status, json.loads(payload)


@pytest.mark.parametrize(
    "path",
    [
        "/static/../../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/exports/../../../../etc/passwd",
        "/exports/%2e%2e%2f%2e%2e%2fscenarios%2fbaseline.toml",
        "/static//etc/passwd",
        "/static/%252e%252e/%252e%252e/etc/passwd",
        "/exports/outside.toml",
    ],
)
def test_no_path_reaches_a_file_outside_the_served_folders(server, exports, path):
    link = exports / "outside.toml"  # a link in the export folder to a file outside it
    if not link.is_symlink():
        link.symlink_to(SCENARIOS / "baseline.toml")
    status, payload = request(server, "GET", path)
    assert status in (403, 404)
    assert b"root:" not in payload and b"[founding]" not in payload


def test_the_api_names_scenarios_and_exports_only_by_listed_id_and_plain_name(server, exports):
    status, reply = post(server, "/api/answer", {"scenario": "../../etc/passwd", "changes": {}})
    assert status == 400 and reply["field"] == "scenario"
    status, reply = post(server, "/api/answer", {"scenario": str(SCENARIOS / "baseline.toml")})
    assert status == 400 and reply["field"] == "scenario"
    # Only movable settings change: `region` names a data file, so it is refused.
    status, reply = post(
        server, "/api/answer", {"scenario": "baseline", "changes": {"region": "/etc/passwd"}}
    )
    assert status == 400 and "unknown lever path 'region'" in reply["refused"]["region"]
    before = sorted(p.name for p in exports.parent.iterdir())
    for name in ("../evil", "/tmp/evil", "a/b", "..", ".hidden", "x" * 65, 7):
        status, reply = post(
            server, "/api/export", {"scenario": "baseline", "changes": {}, "name": name}
        )
        assert status == 400 and reply["field"] == "name", name
    assert sorted(p.name for p in exports.parent.iterdir()) == before
    assert not list(exports.glob("*evil*"))


def test_requests_for_another_host_and_form_posts_are_refused(server):
    status, _ = request(server, "GET", "/api/scenarios", headers={"Host": "attacker.example"})
    assert status == 403
    status, _ = request(
        server, "POST", "/api/answer", {"scenario": "baseline"}, {"Content-Type": "text/plain"}
    )
    assert status == 415


def test_an_existing_file_not_written_by_the_explorer_is_never_replaced(server, exports):
    mine = exports / "notes.toml"
    mine.write_text("# my own notes\n")
    status, reply = post(
        server, "/api/export", {"scenario": "baseline", "changes": {}, "name": "notes"}
    )
    assert status == 400 and "not written by coopsim" in reply["error"]
    assert mine.read_text() == "# my own notes\n"


def wait_final(server, answer: dict[str, Any], seen: list[dict[str, Any]]) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while not answer["final"]:
        assert answer["state"] not in ("failed", "cancelled"), answer
        assert time.monotonic() < deadline
        time.sleep(0.1)
        status, payload = request(server, "GET", f"/api/answer/{answer['answer']}?lang=en")
        assert status == 200
        answer = json.loads(payload)
        seen.append(answer)
    return answer


def test_monte_carlo_answers_refine_in_place_and_a_newer_change_cancels_an_older(server, tmp_path):
    # model_coop_project has a support programme, which the exact engine cannot run.
    lever = "founding.mean_per_year"
    ask = {"scenario": "model_coop_project", "lang": "en", "client": "mc-test"}
    status, older = post(server, "/api/answer", {**ask, "changes": {lever: "31"}})
    assert status == 200 and not older["exact"] and older["engine"] == "fast"
    status, newer = post(server, "/api/answer", {**ask, "changes": {lever: "29"}})
    assert status == 200
    seen: list[dict[str, Any]] = []
    final = wait_final(server, newer, seen)
    _, payload = request(server, "GET", f"/api/answer/{older['answer']}?lang=en")
    assert json.loads(payload)["state"] == "cancelled"
    # Progress was shown, and an estimate from the first round came before the full run.
    assert any(view["total"] > 0 for view in seen)
    assert final["version"] == 2 and "512 of 512 replicates" in final["status"]
    summary = forecast_summary(
        tmp_path,
        SCENARIOS / "model_coop_project.toml",
        "--engine",
        "fast",
        "--replications",
        str(REPLICATIONS),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--set",
        f"{lever}=29",
    )
    shown = {row["name"]: row["probability"] for row in final["rows"]}
    assert shown == {name: entry["probability"] for name, entry in summary["targets"].items()}
    assert final["command"] == (
        "coopsim forecast scenarios/model_coop_project.toml --engine fast --replications 512 "
        f"--seed 2024 --set {lever}=29"
    )
    # The paired difference from the unchanged scenario: fewer founded, on common numbers.
    founding = next(row for row in final["rows"] if row["name"] == "new_cooperatives_2024")
    assert "[" in founding["difference"]


def test_exported_file_lists_only_changed_settings(server, exports):
    changes = {"founding.mean_per_year": "35", "founding.dispersion": "4"}  # 35 is the file's
    status, reply = post(
        server, "/api/export", {"scenario": "baseline", "changes": changes, "name": "campaigns"}
    )
    assert status == 200
    text = Path(reply["file"]).read_text()
    assert "dispersion = 4" in text and "mean_per_year" not in text.split("\n\n", 1)[1]


def test_the_exact_answer_shown_is_the_full_exact_forecasts(server):
    from coopsim.analyses.forecast import forecast
    from coopsim.app.charts import chart_metrics

    explorer = server.explorer
    answer = explorer.answer("resolution20", {"levers.training.effects.upgrade": "1.3"}, "t")
    full = forecast(
        answer.applied.loaded.scenario, engine="exact", region=answer.applied.base.region
    )
    shown = answer.result
    assert {n: e.probability for n, e in shown.targets.items()} == {
        n: e.probability for n, e in full.targets.items()
    }
    for metric in chart_metrics(shown):
        assert shown.metric_quantiles(metric).equals(
            full.metric_quantiles(metric).drop(columns="metric")
        )


def test_blas_stays_single_threaded_while_the_explorer_runs(server):
    """Threads that limit BLAS around their work must not hand another a threaded BLAS when
    they finish (the limit is process-wide): the server holds it at one thread."""
    from threadpoolctl import threadpool_info

    from coopsim.threads import single_threaded_blas

    server.explorer.answer("baseline", {"founding.mean_per_year": "33.3"}, "blas")
    with single_threaded_blas():
        pass
    assert {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"} <= {1}
