"""The README's quick start: the demo suite in examples/ recorded, then read back with vpt."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pytest_vpt.cli import cli

EXAMPLES = Path(__file__).parent.parent / "examples"


def test_quick_start(tmp_path, monkeypatch) -> None:
    demo = tmp_path / "examples"
    shutil.copytree(EXAMPLES, demo, ignore=shutil.ignore_patterns(".vpt", "__pycache__", ".pytest_cache"))
    done = subprocess.run([sys.executable, "-m", "pytest", "--vpt"], cwd=demo, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout  # the demo has one failing test on purpose
    assert "= vpt =" in done.stdout and "recorded run" in done.stdout

    monkeypatch.chdir(demo)
    result = CliRunner().invoke(cli, ["runs", "--json"])
    [run] = json.loads(result.output)
    assert run["project"] == "set-top-box-demo" and run["labels"] == {"rig": "demo-rig"}
    assert (run["tests"], run["skipped"], run["xfailed"]) == (9, 1, 1)
    # The pairing test is flaky on purpose: it passes within its three attempts 96 % of the time.
    assert run["failed"] in (1, 2) and run["passed"] == 7 - run["failed"]

    result = CliRunner().invoke(cli, ["run", run["run_id"][:8], "--outcome", "failed", "--wide"])
    assert "test_set_top_box.py::test_epg_has_tomorrow" in result.output
    assert "the programme guide has no entries for tomorrow" in result.output

    result = CliRunner().invoke(cli, ["flaky", "--status", "all", "--json"])
    verdicts = {row["nodeid"].split("::")[1]: row["status"] for row in json.loads(result.output)}
    assert len(verdicts) == 7  # the skipped and the xfailed test have no verdict
    pairing = [t for t in json.loads(CliRunner().invoke(cli, ["run", run["run_id"], "--attempts", "--json"]).output)["tests"]
               if t["nodeid"].endswith("test_remote_control_pairing")]
    passed_on_retry = pairing[-1]["outcome"] == "passed" and len(pairing) > 1
    assert verdicts["test_remote_control_pairing"] == ("flaky" if passed_on_retry else "new")
    assert verdicts["test_epg_has_tomorrow"] == "new"

    # The tuning tests ran on the demo box, which was sampled in the background all along.
    tune = [t for t in json.loads(CliRunner().invoke(cli, ["run", run["run_id"], "--json"]).output)["tests"]
            if "test_tune" in t["nodeid"]]
    assert len(tune) == 3
    [box] = json.loads(CliRunner().invoke(cli, ["devices", "--json"]).output)
    assert (box["device"], box["kind"], box["uptime"], box["incidents"]) == ("demo-stb", "set-top-box", 1.0, 0)
    assert box["samples"] >= 1
