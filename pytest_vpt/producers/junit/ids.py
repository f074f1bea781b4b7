"""A test's id from what its ``testcase`` says (the rule in the package's docstring)."""

from __future__ import annotations

from functools import lru_cache

from ...events import NODE_ID_MAX, fit_node_id


def test_id(name: str, classname: str | None, file: str | None, suite: str | None) -> str:
    """pytest's node id when ``file`` is the module ``classname`` names, else
    ``classname::name``, else ``suite::name``, else ``name``; cut as node ids are."""
    if classname:
        prefix = pytest_prefix(classname, file) if file else None
        nodeid = prefix + name if prefix else f"{classname}::{name}"
    else:
        nodeid = f"{suite}::{name}" if suite else name
    return nodeid if len(nodeid) <= NODE_ID_MAX else fit_node_id(nodeid)


@lru_cache(maxsize=4096)
def pytest_prefix(classname: str, file: str) -> str | None:
    """``tests/test_x.py::TestY::`` from pytest's ``classname="tests.test_x.TestY"`` and
    ``file="tests/test_x.py"`` (the node id is this and the name); None when the classname is
    not that file's dotted path (with its classes after it)."""
    path = file.replace("\\", "/").removeprefix("./")
    if not path.endswith(".py"):
        return None
    module = path[:-3].replace("/", ".")
    if classname == module:
        return f"{path}::"
    if classname.startswith(module) and classname[len(module)] == ".":
        return f"{path}::{'::'.join(classname[len(module) + 1:].split('.'))}::"
    return None
