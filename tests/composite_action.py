"""A composite action's steps run as GitHub's runner runs them, for the tests: each ``run:``
step in ``bash --noprofile --norc -eo pipefail`` with its ``env:`` (``${{ inputs.* }}``,
``${{ steps.*.outputs.* }}`` and ``${{ github.token }}`` expanded), a fresh
``$GITHUB_OUTPUT`` and ``$GITHUB_STEP_SUMMARY`` per step, ``$GITHUB_ENV`` carried to the
steps after, ``$GITHUB_ACTION_PATH``; the job stops at the first step that fails."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from github_runner import Command, commands, outputs

_EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


@dataclass
class StepResult:
    id: str
    exit_code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


@dataclass
class ActionRun:
    steps: list[StepResult] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return next((step.exit_code for step in self.steps if step.exit_code), 0)

    @property
    def stdout(self) -> str:
        return "".join(step.stdout for step in self.steps)

    @property
    def commands(self) -> list[Command]:
        return commands(self.stdout)

    @property
    def summary(self) -> str:
        return "".join(step.summary for step in self.steps)

    def step(self, step_id: str) -> StepResult:
        return next(step for step in self.steps if step.id == step_id)


def run_action(action_dir: Path, inputs: dict[str, str], env: dict[str, str], workspace: Path,
               timeout: float = 600) -> ActionRun:
    """Run the composite action in ``action_dir`` with ``inputs`` (a workflow's ``with:``)."""
    action = yaml.safe_load((action_dir / "action.yml").read_text())
    unknown = set(inputs) - set(action["inputs"])
    if unknown:
        raise ValueError(f"inputs the action does not have: {sorted(unknown)}")
    context = {"github.token": env.get("GITHUB_TOKEN_OF_RUN", "")}
    given = {name: inputs.get(name, _expand(str(spec.get("default", "")), context))
             for name, spec in action["inputs"].items()}
    for name, value in given.items():
        context[f"inputs.{name}"] = value
    run, job_env = ActionRun(), dict(env)
    temp = Path(env["RUNNER_TEMP"])
    for number, step in enumerate(action["runs"]["steps"]):
        step_id = step.get("id", f"step{number}")
        files = {name: temp / f"{step_id}.{name}" for name in ("output", "summary", "env")}
        for path in files.values():
            path.write_text("")
        script = temp / f"{step_id}.sh"
        script.write_text(step["run"])
        step_env = {**job_env, **{key: _expand(str(value), context) for key, value in (step.get("env") or {}).items()},
                    "GITHUB_OUTPUT": str(files["output"]), "GITHUB_STEP_SUMMARY": str(files["summary"]),
                    "GITHUB_ENV": str(files["env"]), "GITHUB_ACTION_PATH": str(action_dir)}
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                              env=step_env, capture_output=True, text=True, timeout=timeout)
        written = outputs(files["output"])
        run.steps.append(StepResult(step_id, done.returncode, done.stdout, done.stderr, written,
                                    files["summary"].read_text()))
        for name, value in written.items():
            context[f"steps.{step_id}.outputs.{name}"] = value
        job_env.update(outputs(files["env"]))
        if done.returncode:
            break
    run.outputs = {name: _expand(spec["value"], context) for name, spec in action.get("outputs", {}).items()}
    return run


def _expand(text: str, context: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        expression = match[1]
        if expression not in context and not expression.startswith("steps."):
            raise ValueError(f"expression {expression!r} is not one this runner knows")
        return context.get(expression, "")

    return _EXPRESSION.sub(value, text)


def runner_path() -> str:
    """PATH with this Python first (as ``python3``, the runner's own)."""
    import sys

    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
