"""The GitLab CI template (ci/gitlab/vpt.gitlab-ci.yml): GitLab's schema, gitlab-ci-local's view of a
pipeline that includes it, and real pipelines run by gitlab-ci-local on this machine whose push job
sends a real pytest suite's JUnit XML to a real `vpt server`."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import pytest_vpt
from pytest_vpt.cli import cli

from ci_tools import command
from gitlab_ci_local import TEMPLATE, WorkTree
from server_process import Server, free_port

INPUT = re.compile(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]")
TOKEN_SHAPE = re.compile(r"\S{20,}")


class _GitLabLoader(yaml.SafeLoader):
    """YAML as GitLab reads it: ``!reference [job, key, ...]`` kept as a path to resolve."""


class Reference(tuple):
    pass


_GitLabLoader.add_constructor("!reference", lambda loader, node: Reference(loader.construct_sequence(node)))


def template_parts() -> tuple[dict[str, Any], str]:
    """The template's ``spec:`` header, parsed, and its body as text."""
    head, body = TEMPLATE.read_text().split("\n---\n")
    return yaml.safe_load(head), body


def body_with(inputs: dict[str, Any]) -> dict[str, Any]:
    """The template's jobs as GitLab makes them: ``inputs`` (over the defaults) in place of
    ``$[[ inputs.x ]]`` (a whole value keeps its type), ``!reference`` resolved."""
    spec, body = template_parts()
    values = {name: field.get("default") for name, field in spec["spec"]["inputs"].items()} | inputs
    assert None not in values.values(), "a mandatory input was not given"

    def interpolate(node: Any) -> Any:
        if isinstance(node, Reference):
            return node
        if isinstance(node, dict):
            return {key: interpolate(value) for key, value in node.items()}
        if isinstance(node, list):
            return [interpolate(value) for value in node]
        if isinstance(node, str):
            whole = INPUT.fullmatch(node.strip())
            return values[whole.group(1)] if whole else INPUT.sub(lambda m: str(values[m.group(1)]), node)
        return node

    return resolve_references(interpolate(yaml.load(body, _GitLabLoader)))


def push_script() -> list[str]:
    """The lines of ``.vpt-push-script``'s script."""
    return body_with({"test-job": "unit-tests"})[".vpt-push-script"]["script"]


def resolve_references(document: dict[str, Any]) -> dict[str, Any]:
    def resolved(node: Any) -> Any:
        if isinstance(node, Reference):
            target: Any = document
            for key in node:
                target = target[key]
            return resolved(target)
        if isinstance(node, dict):
            return {key: resolved(value) for key, value in node.items()}
        if isinstance(node, list):  # a reference to a list inside a list is spliced in, as GitLab does
            out: list[Any] = []
            for value in node:
                out.extend(resolved(value) if isinstance(value, Reference) else [resolved(value)])
            return out
        return node

    return resolved(document)


def schema_check(tmp_path: Path, document: dict[str, Any], name: str = "pipeline.yml") -> subprocess.CompletedProcess:
    (tmp_path / name).write_text(yaml.safe_dump(document, sort_keys=False))
    return subprocess.run([command("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(tmp_path / name)],
                          capture_output=True, text=True, timeout=120)


TEST_JOB = {"stage": "test", "script": ["pytest --junitxml=report.xml"],
            "artifacts": {"when": "always", "paths": ["report.xml"], "reports": {"junit": "report.xml"}}}


# ---- the template against GitLab's schema ----------------------------------------------------------


def test_header_alone_is_valid_gitlab_ci_and_every_input_is_described_and_used(tmp_path) -> None:
    spec, body = template_parts()
    done = schema_check(tmp_path, spec, "header.yml")
    assert done.returncode == 0, done.stdout + done.stderr
    inputs = spec["spec"]["inputs"]
    assert {name for name, field in inputs.items() if "default" not in field} == {"test-job"}  # the one to name
    assert all(field.get("description") for field in inputs.values())
    assert set(INPUT.findall(body)) == set(inputs)


def test_body_with_the_inputs_substituted_is_valid_gitlab_ci_and_runs_after_the_tests(tmp_path) -> None:
    jobs = body_with({"test-job": "pytest", "server": "https://vpt.example.com"})
    done = schema_check(tmp_path, {"pytest": TEST_JOB, **jobs})
    assert done.returncode == 0, done.stdout + done.stderr
    push = jobs["vpt-push"]
    assert push["stage"] == ".post" and push["needs"] == [{"job": "pytest", "artifacts": True}]
    assert push["rules"] == [{"if": "$VPT_TOKEN", "when": "always"}]  # no token, no job; failed tests: still pushed
    assert push["allow_failure"] is True
    assert push["variables"]["VPT_CI_JOB"] == "pytest"
    assert jobs[".vpt-push-script"]["variables"]["VPT_PUSH_SERVER"] == "https://vpt.example.com"


def test_allow_failure_false_is_a_boolean_gitlab_accepts_and_a_string_is_not(tmp_path) -> None:
    jobs = body_with({"test-job": "pytest", "allow-failure": False})
    assert jobs["vpt-push"]["allow_failure"] is False
    assert schema_check(tmp_path, {"pytest": TEST_JOB, **jobs}).returncode == 0
    jobs["vpt-push"]["allow_failure"] = "false"
    done = schema_check(tmp_path, {"pytest": TEST_JOB, **jobs})
    assert done.returncode == 1 and "allow_failure" in done.stdout


def test_pip_default_installs_the_release_the_template_comes_with() -> None:
    spec, _ = template_parts()
    assert spec["spec"]["inputs"]["pytest-vpt"]["default"] == f"pytest-vpt=={pytest_vpt.__version__}"


def test_script_passes_shellcheck_as_posix_sh(tmp_path) -> None:
    script = push_script()
    (tmp_path / "push.sh").write_text("#!/bin/sh\n" + "\n".join(script))
    done = subprocess.run([command("shellcheck"), "-s", "sh", str(tmp_path / "push.sh")], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout


def test_script_never_mentions_the_token() -> None:
    script = "\n".join(push_script())
    assert "VPT_TOKEN" not in script and "set -x" not in script  # vpt reads it from the environment itself


def readme_section() -> str:
    readme = (TEMPLATE.parents[2] / "README.md").read_text()
    return readme.split("\n## GitLab CI\n", 1)[1].split("\n## ", 1)[0]


def merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` merged into ``base`` as GitLab merges a job of the user's file over an included one."""
    out = dict(base)
    for key, value in over.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


@pytest.mark.parametrize("example", range(4))
def test_every_readme_example_makes_a_valid_pipeline_with_the_template(tmp_path, example) -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", readme_section(), re.S)
    assert len(blocks) == 4
    users = yaml.load(blocks[example], _GitLabLoader)
    inputs = users.pop("include", [{}])[0].get("inputs", {"test-job": "pytest"})
    pipeline = resolve_references(merged({"pytest": TEST_JOB, **body_with(inputs)}, users))
    done = schema_check(tmp_path, pipeline)
    assert done.returncode == 0, done.stdout + done.stderr


def test_readme_inputs_table_names_every_input_with_its_default() -> None:
    rows = dict(re.findall(r"^\| `([\w-]+)` \| ([^|]+) \|", readme_section(), re.M))
    spec, _ = template_parts()
    for name, field in spec["spec"]["inputs"].items():
        default = field.get("default")
        shown = "(required)" if default is None else "empty" if default == "" else f"`{str(default).lower()}`"
        assert rows.get(name, "").strip() == shown, name


# ---- gitlab-ci-local: the pipeline a user's .gitlab-ci.yml makes ----------------------------------------

USER_PIPELINE = """\
include:
  - local: ci/gitlab/vpt.gitlab-ci.yml
    inputs:
      test-job: unit-tests
      junit: reports/*.xml
      server: {server}
      project: stb
stages: [test]
unit-tests:
  stage: test
  script:
    - mkdir -p reports
    - echo "pipeline $CI_PIPELINE_ID"
    - python -m pytest -q -p no:cacheprovider --junitxml=reports/unit.xml
  artifacts:
    when: always
    paths: [reports/]
    reports:
      junit: reports/unit.xml
"""
SUITE = {
    "pytest.ini": "[pytest]\n",
    "test_box.py": (
        "import pytest\n\n"
        "def test_boots(): pass\n\n"
        "def test_tunes(): pass\n\n"
        "def test_records(): assert 1 + 1 == 3\n\n"
        "@pytest.mark.skip(reason='no remote control')\n"
        "def test_remote(): pass\n"
    ),
}
PASSING_SUITE = {"pytest.ini": "[pytest]\n", "test_box.py": "def test_boots(): pass\n"}


def preview(tree: WorkTree) -> dict[str, Any]:
    done = tree.gitlab_ci_local("--preview")
    assert done.returncode == 0, done.stdout + done.stderr
    return yaml.safe_load(done.stdout[done.stdout.index("---\n"):])


def listed(tree: WorkTree, *args: str) -> dict[str, dict[str, str]]:
    """``--list``'s table: job name to its columns."""
    done = tree.gitlab_ci_local("--list", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout[done.stdout.index("name "):].splitlines()
    columns = [(match.group(), match.start()) for match in re.finditer(r"\S+", lines[0])]
    starts = [start for _, start in columns] + [None]
    return {line.split()[0]: {name: line[start:end].strip() for (name, start), end in zip(columns, starts[1:])}
            for line in lines[1:] if line.strip()}


def test_preview_expands_the_push_job_into_post_after_the_test_job(tmp_path) -> None:
    tree = WorkTree(tmp_path, USER_PIPELINE.format(server="https://vpt.example.com"), SUITE)
    pipeline = preview(tree)
    assert pipeline["stages"][-1] == ".post"
    push = pipeline["vpt-push"]
    assert (push["stage"], push["needs"][0]["job"], push["needs"][0]["artifacts"]) == (".post", "unit-tests", True)
    assert push["variables"] == {"VPT_PUSH_FILES": "reports/*.xml", "VPT_PUSH_SERVER": "https://vpt.example.com",
                                 "VPT_PUSH_PROJECT": "stb", "VPT_PUSH_ARGS": "", "VPT_PUSH_PIP_SPEC":
                                 f"pytest-vpt=={pytest_vpt.__version__}", "VPT_CI_JOB": "unit-tests"}
    assert push["script"] == push_script()


def test_list_shows_the_push_job_only_where_vpt_token_is_set(tmp_path) -> None:
    tree = WorkTree(tmp_path, USER_PIPELINE.format(server="https://vpt.example.com"), SUITE)
    assert set(listed(tree)) == {"unit-tests"}  # a fork's merge request: no token, no push job, nothing fails
    jobs = listed(tree, "--variable", "VPT_TOKEN=vpt_0123456789abcdef0123")
    assert jobs["vpt-push"]["stage"] == ".post" and jobs["vpt-push"]["when"] == "always"
    assert jobs["vpt-push"]["allow_failure"] == "true" and jobs["vpt-push"]["needs"] == "[unit-tests]"


def test_a_job_of_the_users_own_pushes_through_the_reference(tmp_path) -> None:
    own = USER_PIPELINE.format(server="https://vpt.example.com") + (
        "    \n  after_script:\n"
        "    - !reference [.vpt-push-script, script]\n"
        "  variables: !reference [.vpt-push-script, variables]\n"
    )
    tree = WorkTree(tmp_path, own, SUITE)
    job = preview(tree)["unit-tests"]
    assert job["after_script"] == push_script()
    assert job["variables"]["VPT_PUSH_FILES"] == "reports/*.xml"


# ---- gitlab-ci-local runs the pipeline: tests, then the push to a real vpt server ---------------------


@pytest.fixture
def server(tmp_path):
    """A `vpt server` on 127.0.0.1 writing a SQLite store, and a token of project stb for it."""
    store = f"sqlite:///{tmp_path / 'server.db'}"
    token = CliRunner().invoke(cli, ["--store", store, "token", "create", "--project", "stb"]).output.strip()
    assert TOKEN_SHAPE.fullmatch(token)
    running = Server(store).start()
    yield running, token
    running.stop()


def run_pipeline(tree: WorkTree, token: str) -> subprocess.CompletedProcess:
    """The whole pipeline on this machine's shell, as a GitLab runner would run it (GITLAB_CI=true)."""
    return tree.gitlab_ci_local("--force-shell-executor", "--variable", f"VPT_TOKEN={token}",
                                "--variable", "GITLAB_CI=true", "--ignore-predefined-vars", "GITLAB_CI")


def stored_runs(store: str) -> list[dict[str, Any]]:
    done = CliRunner().invoke(cli, ["--store", store, "runs", "--json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.output)


def test_failed_tests_are_pushed_to_the_server_with_the_pipelines_context(server, tmp_path) -> None:
    running, token = server
    tree = WorkTree(tmp_path / "repo", USER_PIPELINE.format(server=running.url), SUITE)
    done = run_pipeline(tree, token)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output  # the test job failed, so the pipeline did: the push changes nothing
    assert re.search(r"FAIL\s+unit-tests", output) and re.search(r"PASS\s+vpt-push", output)
    [run] = stored_runs(running.store)
    assert (run["project"], run["tests"], run["passed"], run["failed"], run["skipped"]) == ("stb", 4, 2, 1, 1)
    assert (run["ci_provider"], run["ci_job"], run["vcs_revision"]) == ("gitlab", "unit-tests", tree.head())
    assert f"pipeline {run['ci_run_id']}" in output  # the test job's pipeline id is the pushed run's
    assert token not in output and token not in tree.job_log("vpt-push")


def test_server_down_fails_the_push_job_with_4_and_the_pipeline_passes(server, tmp_path) -> None:
    _, token = server
    tree = WorkTree(tmp_path / "repo", USER_PIPELINE.format(server=f"http://127.0.0.1:{free_port()}"), PASSING_SUITE)
    done = run_pipeline(tree, token)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output  # allow_failure holds
    assert re.search(r"WARN\s+4\b", output) and re.search(r"WARN\s+vpt-push", output)
    assert list((tree.folder / ".vpt" / "spool").glob("*.jsonl")), "the results were not spooled"
    assert token not in output


def test_without_allow_failure_a_server_down_fails_the_pipeline(server, tmp_path) -> None:
    _, token = server
    pipeline = USER_PIPELINE.format(server=f"http://127.0.0.1:{free_port()}").replace(
        "      project: stb\n", "      project: stb\n      allow-failure: false\n")
    tree = WorkTree(tmp_path / "repo", pipeline, PASSING_SUITE)
    done = run_pipeline(tree, token)
    assert done.returncode == 1 and re.search(r"FAIL\s+vpt-push", done.stdout + done.stderr), done.stdout


EXIT_CODES_4 = "vpt-push:\n  allow_failure:\n    exit_codes: [4]\n"


@pytest.mark.parametrize(("server_up", "report", "verdict"), [
    (False, "", "WARN 4"),                                       # server down: exit 4, allowed
    (True, "    - echo '<testsuite' > reports/cut.xml\n", "FAIL 3"),  # a broken report: exit 3, a failed job
])
def test_allow_failure_exit_codes_4_lets_a_server_down_pass_but_not_a_broken_report(
        server, tmp_path, server_up, report, verdict) -> None:
    running, token = server
    url = running.url if server_up else f"http://127.0.0.1:{free_port()}"
    pipeline = USER_PIPELINE.format(server=url).replace("  artifacts:\n    when: always", report + "  artifacts:\n"
                                                        "    when: always") + EXIT_CODES_4
    tree = WorkTree(tmp_path / "repo", pipeline, PASSING_SUITE)
    done = run_pipeline(tree, token)
    output = done.stdout + done.stderr
    # gitlab-ci-local judges the job by exit_codes as GitLab does (a failed job fails GitLab's pipeline),
    # but its own exit code counts any allow_failure with exit_codes as allowed: read the job's verdict
    assert re.search(rf"vpt-push\s+finished in .*\s{verdict}\b", output), output
