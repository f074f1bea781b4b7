"""Each option also as an env var and an ini key: command line > env > ini > default."""

from __future__ import annotations

import pytest

from pytest_vpt.store import open_store, queries


def _project_and_labels(pytester: pytest.Pytester, store: str = ".vpt/vpt.db") -> tuple[str, dict]:
    with open_store(f"sqlite:///{pytester.path / store}", create=False) as opened:
        run = queries.runs(opened.conn, limit=1)[0]
    return run["project"], run["labels"]


def test_defaults(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest("--vpt")
    result.stdout.fnmatch_lines([f"vpt *: recording run * into {pytester.path}/.vpt/vpt.db"])
    assert (pytester.path / ".vpt" / "vpt.db").is_file()
    assert _project_and_labels(pytester) == (pytester.path.name, {})


def test_ini_then_env_then_command_line(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile("def test_ok(): pass")
    pytester.makeini(
        """
        [pytest]
        vpt = true
        vpt_store = sqlite:///ini.db
        vpt_project = from-ini
        vpt_labels =
            rig=ini-rig
            lab=ini-lab
        """
    )
    pytester.runpytest()  # enabled by the ini file alone
    assert _project_and_labels(pytester, "ini.db") == ("from-ini", {"rig": "ini-rig", "lab": "ini-lab"})

    monkeypatch.setenv("VPT_STORE", "sqlite:///env.db")
    monkeypatch.setenv("VPT_PROJECT", "from-env")
    monkeypatch.setenv("VPT_LABELS", "rig=env-rig,firmware=2.1")
    pytester.runpytest()
    assert _project_and_labels(pytester, "env.db") == (
        "from-env", {"rig": "env-rig", "lab": "ini-lab", "firmware": "2.1"}
    )

    pytester.runpytest("--vpt-store", "sqlite:///cli.db", "--vpt-project", "from-cli", "--vpt-label", "rig=cli-rig")
    assert _project_and_labels(pytester, "cli.db") == (
        "from-cli", {"rig": "cli-rig", "lab": "ini-lab", "firmware": "2.1"}
    )

    monkeypatch.setenv("VPT_ENABLED", "0")
    pytester.runpytest("--vpt-store", "sqlite:///off.db")
    assert not (pytester.path / "off.db").exists()
    pytester.runpytest("--vpt", "--vpt-store", "sqlite:///on.db")
    assert (pytester.path / "on.db").exists()
    monkeypatch.setenv("VPT_ENABLED", "1")
    pytester.runpytest("--no-vpt", "--vpt-store", "sqlite:///no.db")
    assert not (pytester.path / "no.db").exists()


def test_pyproject_table(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok(): pass")
    pytester.makepyprojecttoml(
        """
        [tool.pytest.ini_options]
        vpt = true
        vpt_project = "toml-project"
        vpt_labels = ["suite=smoke"]
        """
    )
    pytester.runpytest()
    assert _project_and_labels(pytester) == ("toml-project", {"suite": "smoke"})


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["--vpt-store", "mysql://db/x"], {}, "ERROR: --vpt-store: 'mysql://db/x': unsupported scheme 'mysql' (supported: sqlite, postgresql)"),
        (["--vpt-store", "vpt.db"], {}, "ERROR: --vpt-store: 'vpt.db' is not a store URL (expected sqlite:///PATH or postgresql://HOST/DATABASE)"),
        (["--vpt-store", "sqlite:///x.db?timeout=soon"], {}, "ERROR: --vpt-store: *option 'timeout' needs a number*"),
        (["--vpt-label", "nolabel"], {}, "ERROR: --vpt-label: 'nolabel' is not KEY=VALUE"),
        (["--vpt-label", "9x=1"], {}, "ERROR: --vpt-label: label key '9x' must start with a letter*"),
        ([], {"VPT_STORE": "ftp://x"}, "ERROR: VPT_STORE: 'ftp://x': unsupported scheme 'ftp'*"),
        ([], {"VPT_LABELS": "a=1,oops"}, "ERROR: VPT_LABELS: 'oops' is not KEY=VALUE"),
        ([], {"VPT_ENABLED": "maybe"}, "ERROR: VPT_ENABLED: expected a boolean*"),
    ],
)
def test_malformed_value_is_a_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict, message: str
) -> None:
    pytester.makepyfile("def test_ok(): pass")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if "VPT_ENABLED" not in env:
        args = ["--vpt", *args]
    result = pytester.runpytest_subprocess(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert len([line for line in result.stderr.lines if line.strip()]) == 1
    assert not (pytester.path / ".vpt").exists()


def test_bad_settings_are_ignored_when_not_recording(pytester: pytest.Pytester, monkeypatch) -> None:
    pytester.makepyfile("def test_ok(): pass")
    monkeypatch.setenv("VPT_STORE", "nonsense")
    pytester.runpytest().assert_outcomes(passed=1)


def test_help_documents_every_option(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines([
        "pytest-vpt: record runs, tests and metrics:",
        "*--vpt *record this run*",
        "*--no-vpt*",
        "*--vpt-store=URL*",
        "*--vpt-project=NAME*",
        "*--vpt-label=KEY=VALUE",
    ])
    text = " ".join(" ".join(result.stdout.lines).split())
    for name in ("VPT_ENABLED", "VPT_STORE", "VPT_PROJECT", "VPT_LABELS"):
        assert f"env {name}" in text
    for ini in ("vpt (bool)", "vpt_store (string)", "vpt_project (string)", "vpt_labels (linelist)"):
        assert ini in text


@pytest.mark.parametrize(("ini", "message"), [
    ("vpt_flaky_threshold = 1.5", "vpt_flaky_threshold (ini): 1.5 is outside (0, 1)"),
    ("vpt_quarantine_passes = many", "vpt_quarantine_passes (ini): expected an integer, got 'many'"),
    ("vpt_quarantine_auto = perhaps", "vpt_quarantine_auto (ini): expected a boolean"),
])
def test_bad_flakiness_settings_are_usage_errors(pytester: pytest.Pytester, ini: str, message: str) -> None:
    pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile("def test_a(): pass")
    result = pytester.runpytest("--vpt")
    assert result.ret == 4
    result.stderr.fnmatch_lines([f"*{message}*"])
