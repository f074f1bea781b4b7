"""A categories file (``vpt-categories.yaml``): its schema, checked as hostile input, and the
built-in categories used when there is none.

.. code-block:: yaml

    categories:                   # or the list alone, as Allure's categories.json
      - name: lab network         # required; names may repeat (another way into the category)
        outcomes: [failed, error] # any of failed, error, rerun
        error_types: [ConnectionResetError, requests.exceptions.ReadTimeout]
        error_type: ".*Timeout.*" # a regex matching the whole type (or its last dotted part)
        message: "rtsp://.*refused"  # a regex found in the message's first line
        markers: [network]        # any of the test's markers
        device_offline: false     # true: only failures while the test's device was offline
        flaky: false              # true: only reruns of tests that passed on a retry
        description: free text

Every problem is a :class:`CategoriesError` of one line naming the file, the category (its
number, from 1, and name) and the key: ``vpt-categories.yaml: category 3 ("infra"):
message: invalid regex: ...``. Sizes are bounded: the text (:data:`TEXT_MAX_BYTES`), the
categories (:data:`MAX_CATEGORIES`), each list (:data:`MAX_ITEMS`), each name and regex.
"""

from __future__ import annotations

import re
from typing import Any

from .categories import OUTCOMES, UNKNOWN, Category

TEXT_MAX_BYTES = 256 * 1024
MAX_CATEGORIES = 200
MAX_ITEMS = 200
NAME_MAX = 100
PATTERN_MAX = 1000
DESCRIPTION_MAX = 1000
_LISTS = ("outcomes", "error_types", "markers")
_PATTERNS = ("error_type", "message")
_FLAGS = ("device_offline", "flaky")
_QUOTE = '"'
KEYS = ("name", *_LISTS, *_PATTERNS, *_FLAGS, "description")


class CategoriesError(ValueError):
    """A categories file that cannot be used; the message names the file, category and key."""


def categories_from_yaml(text: str, source: str) -> tuple[Category, ...]:
    """The categories of a file's ``text`` (``source``: how errors name the file)."""
    import yaml

    if len(text.encode("utf-8", "surrogatepass")) > TEXT_MAX_BYTES:
        raise CategoriesError(f"{source}: larger than {TEXT_MAX_BYTES // 1024} KiB, the most a categories file may hold")
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = " ".join(", ".join(part for part in (exc.context, exc.problem) if part).split())
        raise CategoriesError(f"{source}: not valid YAML: {where}{problem}") from None
    except yaml.YAMLError as exc:
        raise CategoriesError(f"{source}: not valid YAML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise CategoriesError(f"{source}: refused: nested too deeply") from None
    return parse_categories(data, source)


def parse_categories(data: Any, source: str) -> tuple[Category, ...]:
    """The categories of a file's parsed value: a list of entries, or ``{categories: [...]}``."""
    if isinstance(data, dict):
        unknown = [key for key in data if key != "categories"]
        if unknown:
            raise CategoriesError(f"{source}: unknown key {_shown(unknown[0])} at the top (known: categories)")
        data = data.get("categories")
    if data is None:
        raise CategoriesError(f"{source}: no categories (list them under categories:)")
    if not isinstance(data, list):
        raise CategoriesError(f"{source}: categories: expected a list of categories, not {_kind(data)}")
    if len(data) > MAX_CATEGORIES:
        raise CategoriesError(f"{source}: {len(data)} categories, more than the {MAX_CATEGORIES} a file may hold")
    return tuple(_category(entry, f"{source}: category {number}") for number, entry in enumerate(data, start=1))


def _category(entry: Any, where: str) -> Category:
    if not isinstance(entry, dict):
        raise CategoriesError(f"{where}: expected a mapping (name: ..., and its rules), not {_kind(entry)}")
    name = entry.get("name")
    if isinstance(name, str) and name.strip():
        where = f"{where} ({_shown(name.strip()[:NAME_MAX], _QUOTE)})"
    for key in entry:
        if key not in KEYS:
            raise CategoriesError(f"{where}: {_shown(key, '')}: unknown key (known: {', '.join(KEYS)})")
    if name is None:
        raise CategoriesError(f"{where}: name: missing (every category needs a name)")
    if not isinstance(name, str) or not name.strip():
        raise CategoriesError(f"{where}: name: expected a text, not {_kind(name)}")
    name = " ".join(name.split())
    if len(name) > NAME_MAX:
        raise CategoriesError(f"{where}: name: longer than {NAME_MAX} characters")
    if name == UNKNOWN:
        raise CategoriesError(f"{where}: name: {UNKNOWN!r} is what a failure no category takes; choose another name")
    rules: dict[str, Any] = {}
    for key in _LISTS:
        if key in entry:
            rules[key] = _names(entry[key], f"{where}: {key}")
    bad = sorted(rules.get("outcomes", frozenset()) - set(OUTCOMES))
    if bad:
        raise CategoriesError(f"{where}: outcomes: {bad[0]!r} is not one of {', '.join(OUTCOMES)}")
    for key in _PATTERNS:
        if key in entry:
            rules[key] = _pattern(entry[key], f"{where}: {key}")
    for key in _FLAGS:
        if key in entry:
            if not isinstance(entry[key], bool):
                raise CategoriesError(f"{where}: {key}: expected true or false, not {_kind(entry[key])}")
            rules[key] = entry[key]
    description = entry.get("description", "")
    if not isinstance(description, str) or len(description) > DESCRIPTION_MAX:
        raise CategoriesError(f"{where}: description: expected a text of at most {DESCRIPTION_MAX} characters")
    return Category(name, description=description, **rules)


def _names(value: Any, where: str) -> frozenset[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise CategoriesError(f"{where}: expected a name or a list of names, not {_kind(value)}")
    if len(items) > MAX_ITEMS:
        raise CategoriesError(f"{where}: {len(items)} items, more than the {MAX_ITEMS} a list may hold")
    for item in items:
        if not isinstance(item, str) or not item.strip() or len(item) > NAME_MAX:
            raise CategoriesError(f"{where}: expected names of 1 to {NAME_MAX} characters, not {_kind(item)}")
    return frozenset(item.strip() for item in items)


def _pattern(value: Any, where: str) -> re.Pattern[str]:
    if not isinstance(value, str) or not value:
        raise CategoriesError(f"{where}: expected a regular expression (a text), not {_kind(value)}")
    if len(value) > PATTERN_MAX:
        raise CategoriesError(f"{where}: a regular expression longer than {PATTERN_MAX} characters")
    try:
        return re.compile(value)
    except (re.error, RecursionError, OverflowError, ValueError) as exc:
        raise CategoriesError(f"{where}: invalid regex {_shown(value[:80])}: {exc}") from None


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {_shown(value[:80])}"
    return {"list": "a list", "dict": "a mapping"}.get(type(value).__name__, f"a {type(value).__name__}")


def _shown(value: Any, quote: str = "'") -> str:
    text = " ".join(str(value).split())[:80]
    return f"{quote}{text}{quote}"


#: The categories used when no file is given, in their order (see README: "Failures by cause").
BUILT_IN = [
    {"name": "device offline", "device_offline": True,
     "description": "the test's device did not answer its probe, or had an incident meanwhile"},
    {"name": "flaky", "flaky": True, "description": "a rerun of a test that then passed on a retry"},
    {"name": "infrastructure", "error_types": [
        "OSError", "IOError", "EnvironmentError", "ConnectionError", "ConnectionRefusedError", "ConnectionResetError",
        "ConnectionAbortedError", "BrokenPipeError", "TimeoutError", "timeout", "gaierror", "herror", "SSLError",
        "SSLEOFError", "TimeoutExpired", "ConnectTimeout", "ReadTimeout", "ConnectTimeoutError", "ReadTimeoutError",
        "NewConnectionError", "MaxRetryError", "ProtocolError", "RemoteDisconnected", "IncompleteRead", "URLError",
        "ConnectError", "TimeoutException", "OperationalError", "InterfaceError",
    ], "description": "the network, the machine or a service the test needs, not the code under test"},
    {"name": "infrastructure", "error_type": "Failed", "message": r"^Timeout\b",
     "description": "pytest-timeout stopped the test"},
    {"name": "test defect", "outcomes": ["error"], "description": "an error in a fixture's setup or teardown"},
    {"name": "test defect", "error_types": [
        "NameError", "UnboundLocalError", "AttributeError", "TypeError", "ImportError", "ModuleNotFoundError",
        "SyntaxError", "IndentationError", "FixtureLookupError", "UsageError",
    ], "description": "the test's own code is wrong"},
    {"name": "product defect", "error_types": ["AssertionError"],
     "description": "an assertion about the product failed"},
]
DEFAULT_CATEGORIES = parse_categories(BUILT_IN, "built-in categories")
