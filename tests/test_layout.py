"""The import rules of the design, checked on the source tree: data flows one way, nothing
imports upwards, no module imports itself back through others.

Each part of the package may import only the parts listed for it (and itself). A part is a
top-level module or package of ``pytest_vpt``; ``api`` is the package itself
(``pytest_vpt/__init__.py``, the public API). Every import counts, at any level, function
bodies included: a deferred import still ties the two modules together.

=============  ==========================================================================
part           may import (besides itself)
=============  ==========================================================================
events         nothing (the wire format is the bottom)
wording        nothing
redaction      nothing
config_file    nothing (it reads vpt.yaml; each section's owner parses its own section)
context        redaction
analytics      events, wording (pure formulas: no store, no I/O, no pytest)
quarantine     analytics, events, wording (pure entry/exit rules, the committed list file)
video          analytics, config_file, events, redaction, wording
devices        analytics, config_file, events, redaction, wording
store          analytics, events, quarantine, redaction, wording
config         analytics, config_file, events, quarantine, redaction, store, wording
sinks          analytics, context, events, quarantine, redaction, store, wording
history        analytics, config, events, quarantine, redaction, store, wording (the façade)
metrics        config, context, events, redaction, sinks, wording (MetricsCollector)
producers      analytics, config, config_file, context, devices, events, metrics, redaction,
               sinks, video, wording; of store only its URLs and what a write changed
               (STORE_FOR['producers']: the type a sink's close_run returns)
recording      everything above but producers, and api and alerts (pytest glue: not cli, server, plugin)
alerts         analytics, config_file, events, history, redaction, wording (rules, their
               condition language, state read and kept through the façade, the channels)
server         alerts (the loop beside the service), analytics, api, config_file, events,
               history, panels, quarantine, redaction,
               report (its pages draw with the report's renderers), sinks, wording; of store
               only opening, administration and the after-write step (STORE_FOR['server']);
               reads go through the façade
ci             analytics, config, history, redaction, wording; of store only its errors
               (STORE_FOR['ci']): what a CI step writes for its runner, read through the façade
               or a server's read endpoints
panels         analytics, events, wording (the panel catalogue: each panel once, its portable
               SQL rendered into each dialect)
grafana        alerts, config, config_file, panels, redaction, wording; of store only its URLs
               (STORE_FOR['grafana']): dashboards and provisioning built from the catalogue
report         history, panels, wording (the HTML and terminal report drawn from the façade's reads)
exports        config, history, wording (CSV, JSON and Excel written from the façade's reads)
sla            alerts, analytics, config_file, history, wording (SLA targets, compliance, the
               report, sent through the alerts channels)
cli            everything but recording and plugin (report, exports, alerts and sla included); of store what server may (STORE_FOR['cli'])
plugin         everything recording may, and recording (not cli, server, producers)
api            config, events, exports, history, metrics, wording (the public names)
__main__       cli
=============  ==========================================================================

Besides: a store is opened (``open_store``) only by the store itself, the sinks, the façade,
and the server's and the CLI's administration (``OPENS_STORE``): every producer writes
through a sink; ``pytest`` (with ``_pytest``, ``pluggy``, ``xdist``) is imported only by
plugin.py and recording/; and module-level imports hold no cycle.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest_vpt

PACKAGE = Path(pytest_vpt.__file__).parent

_BELOW_RECORDING = {"events", "wording", "redaction", "config_file", "context", "analytics", "quarantine", "video",
                    "devices", "store", "config", "sinks", "history", "metrics"}
MAY_IMPORT: dict[str, set[str]] = {
    "events": set(),
    "wording": set(),
    "redaction": set(),
    "config_file": set(),
    "context": {"redaction"},
    "analytics": {"events", "wording"},
    "quarantine": {"analytics", "events", "wording"},
    "video": {"analytics", "config_file", "events", "redaction", "wording"},
    "devices": {"analytics", "config_file", "events", "redaction", "wording"},
    "store": {"analytics", "events", "quarantine", "redaction", "wording"},
    "config": {"analytics", "config_file", "events", "quarantine", "redaction", "store", "wording"},
    "sinks": {"analytics", "context", "events", "quarantine", "redaction", "store", "wording"},
    "history": {"analytics", "config", "events", "panels", "quarantine", "redaction", "store", "wording"},
    "metrics": {"config", "context", "events", "redaction", "sinks", "wording"},
    "producers": {"analytics", "config", "config_file", "context", "devices", "events", "metrics", "redaction",
                  "sinks", "store", "video", "wording"},
    "recording": _BELOW_RECORDING | {"alerts", "api"},
    "alerts": {"analytics", "config_file", "events", "history", "redaction", "wording"},
    "server": {"alerts", "analytics", "api", "config_file", "events", "history", "panels", "quarantine", "redaction", "report",
               "sinks", "store", "wording"},
    "ci": {"analytics", "config", "history", "redaction", "store", "wording"},
    "panels": {"analytics", "events", "wording"},
    "grafana": {"alerts", "config", "config_file", "panels", "redaction", "store", "wording"},
    "report": {"history", "panels", "wording"},
    "exports": {"config", "history", "wording"},
    "sla": {"alerts", "analytics", "config_file", "history", "wording"},
    "cli": _BELOW_RECORDING | {"api", "ci", "exports", "grafana", "panels", "producers", "report", "server", "sla", "alerts"},
    "plugin": _BELOW_RECORDING | {"api", "recording"},
    "api": {"config", "events", "exports", "history", "metrics", "wording"},
    "__main__": {"cli"},
}

#: the store's modules a part may import, where not all of them: opening and administration
#: (the package's open_store, URLs and errors, the Store type, status, access roles, tokens),
#: and the after-write step (its settings for a sink; the server runs it after its writes)
_STORE_ADMIN = {"store", "store.url", "store.base", "store.status", "store.access", "store.tokens",
                "store.after_write"}
STORE_FOR = {"cli": _STORE_ADMIN, "server": _STORE_ADMIN, "producers": {"store", "store.url", "store.changes"}, "ci": {"store"},
             "grafana": {"store", "store.url"}}

OPENS_STORE = {"store", "sinks", "history", "server", "cli"}
PYTEST_MODULES = {"pytest", "_pytest", "pluggy", "xdist"}
IMPORTS_PYTEST = {"plugin", "recording"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, "pytest_vpt.store.sqlite"
    line: int
    target: str  # the module imported, resolved: "pytest_vpt.store.base", "pytest"
    names: tuple[str, ...]  # the names taken from it (from ... import a, b)
    at_import: bool  # run when the module is imported (not in a function, not only for type checkers)

    @property
    def where(self) -> str:
        path = PACKAGE.parent / Path(*self.module.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        return f"{path.relative_to(PACKAGE.parent)}:{self.line}"


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def part(module: str) -> str:
    """The part of the package a module belongs to: ``pytest_vpt.store.sqlite`` -> ``store``."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else "api"


def imports(module: str, path: Path, known: set[str]) -> list[Import]:
    """Every import in ``path``, relative ones resolved, ``from pkg import mod`` read as ``pkg.mod``."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, at_import: bool) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            at_import = False
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                visit(child, False)
            for child in node.orelse:
                visit(child, at_import)
            return
        if isinstance(node, ast.Import):
            found.extend(Import(module, node.lineno, alias.name, (), at_import) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.append(Import(module, node.lineno, target if target in known else base, (alias.name,), at_import))
        for child in ast.iter_child_nodes(node):
            visit(child, at_import)

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)), True)
    return found


def all_imports() -> list[Import]:
    found = modules()
    return [each for module, path in found.items() for each in imports(module, path, set(found))]


def layer_problems(every: list[Import]) -> list[str]:
    problems = []
    for each in every:
        source = part(each.module)
        if each.target.split(".")[0] in PYTEST_MODULES and source not in IMPORTS_PYTEST:
            problems.append(f"{each.where}: {source} imports {each.target}: only plugin.py and recording/ know pytest")
        if not each.target.startswith("pytest_vpt") or each.target.split(".")[0] != "pytest_vpt":
            continue
        target = part(each.target)
        if target == source:
            continue
        allowed = MAY_IMPORT[source]
        if target not in allowed:
            problems.append(f"{each.where}: {source} imports {each.target}: {source} may import only "
                            f"{', '.join(sorted(allowed)) or 'nothing of the package'}")
            continue
        short = each.target.removeprefix("pytest_vpt.")
        if target == "store" and source in STORE_FOR and short not in STORE_FOR[source]:
            problems.append(f"{each.where}: {source} imports {each.target}: of the store, {source} may import only "
                            f"{', '.join(sorted(STORE_FOR[source]))} (reads go through the history façade)")
        if "open_store" in each.names and source not in OPENS_STORE:
            problems.append(f"{each.where}: {source} opens a store (open_store): it writes through a sink; "
                            f"only {', '.join(sorted(OPENS_STORE))} open one")
    return list(dict.fromkeys(problems))


def cycles(every: list[Import]) -> list[list[Import]]:
    """Cycles of imports run at import time, each as the chain of imports that closes it."""
    graph: dict[str, list[Import]] = {}
    for each in every:
        if each.at_import and each.target.startswith("pytest_vpt") and each.target != each.module:
            graph.setdefault(each.module, []).append(each)
    found, done, reported = [], set(), set()

    def walk(module: str, chain: list[Import], on_chain: dict[str, int]) -> None:
        for edge in graph.get(module, []):
            if edge.target in on_chain:
                loop = chain[on_chain[edge.target]:] + [edge]
                key = frozenset(step.module for step in loop)
                if key not in reported:
                    reported.add(key)
                    found.append(loop)
            elif edge.target not in done:
                on_chain[edge.target] = len(chain) + 1
                walk(edge.target, chain + [edge], on_chain)
                del on_chain[edge.target]
        done.add(module)

    for module in sorted(graph):
        if module not in done:
            walk(module, [], {module: 0})
    return found


def test_every_part_of_the_package_has_a_row_in_the_rules() -> None:
    parts = {part(module) for module in modules()}
    assert parts - set(MAY_IMPORT) == set(), "add the new part to MAY_IMPORT (and to the table above)"


def test_no_import_runs_against_the_flow() -> None:
    problems = layer_problems(all_imports())
    assert not problems, "imports against the rules of tests/test_layout.py:\n" + "\n".join(problems)


def test_module_level_imports_hold_no_cycle() -> None:
    found = cycles(all_imports())
    assert not found, "import cycles:\n" + "\n".join(
        " -> ".join([loop[0].module] + [f"{step.target} ({step.where})" for step in loop]) for loop in found)


def test_cli_and_plugin_are_imported_only_by_their_entry_points() -> None:
    """``vpt`` runs pytest_vpt.cli:main (and ``python -m pytest_vpt`` its __main__); pytest
    loads pytest_vpt.plugin by its pytest11 entry point: nothing else imports them."""
    problems = [f"{each.where}: {part(each.module)} imports {each.target}" for each in all_imports()
                if each.target.startswith("pytest_vpt.") and part(each.target) in {"cli", "plugin"}
                and part(each.module) != part(each.target) and each.module != "pytest_vpt.__main__"]
    assert not problems, "\n".join(problems)


def test_each_section_of_vpt_yaml_is_read_by_the_module_owning_its_schema() -> None:
    """config_file reads vpt.yaml; the module SECTIONS names for a section asks for it there."""
    from pytest_vpt.config_file import SECTIONS

    found = modules()
    for name, owner in SECTIONS.items():
        assert owner in found, f"config_file.SECTIONS: {name!r} names {owner}, which does not exist"
        asks = [node for node in ast.walk(ast.parse(found[owner].read_text(encoding="utf-8")))
                if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "section"
                and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == name]
        assert asks, f"{owner} owns the section {name!r} of vpt.yaml but never reads it (config_file.section({name!r}, ...))"


def test_the_checks_name_what_breaks_a_rule(tmp_path) -> None:
    """The rules read a tree as Python runs it: relative imports resolved, deferred imports
    and type-checking ones counted for the layers but not for cycles."""
    known = {"pytest_vpt.store", "pytest_vpt.store.sqlite", "pytest_vpt.store.base", "pytest_vpt.recording"}
    source = tmp_path / "sqlite.py"
    source.write_text("from typing import TYPE_CHECKING\nfrom . import base\nif TYPE_CHECKING:\n"
                      "    from ..recording import x\n\ndef later():\n    import pytest\n")
    found = imports("pytest_vpt.store.sqlite", source, known)
    assert [(each.line, each.target, each.at_import) for each in found] == [
        (1, "typing", True), (2, "pytest_vpt.store.base", True), (4, "pytest_vpt.recording", False), (7, "pytest", False)]
    problems = layer_problems(found)
    assert any("store imports pytest_vpt.recording: store may import only" in problem for problem in problems)
    assert any("store imports pytest: only plugin.py and recording/ know pytest" in problem for problem in problems)
    back = Import("pytest_vpt.store.base", 3, "pytest_vpt.store.sqlite", (), True)
    (loop,) = cycles(found + [back])
    assert [step.target for step in loop] == ["pytest_vpt.store.sqlite", "pytest_vpt.store.base"]
