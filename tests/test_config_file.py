"""vpt.yaml is read in one place: each section parsed by its owner, an unknown section named."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from pytest_vpt.config_file import SECTIONS
from pytest_vpt.devices import DeviceConfigError, load_devices
from pytest_vpt.server.settings import ServerSettings, ServerSettingsError, with_config_file
from pytest_vpt.store import parse_store_url

TCP = "{type: tcp, host: 127.0.0.1, port: 22}"


def _server_settings(tmp_path, given: frozenset[str] = frozenset()) -> ServerSettings:
    return with_config_file(ServerSettings(parse_store_url("sqlite:///.vpt/vpt.db", tmp_path)), tmp_path, None, set(given))


def test_one_file_holds_the_registry_and_the_server_settings(tmp_path) -> None:
    (tmp_path / "vpt.yaml").write_text(f"devices:\n  - id: stb-1\n    probe: {TCP}\nserver:\n  port: 9001\n")
    assert [device.id for device in load_devices(tmp_path)] == ["stb-1"]
    assert _server_settings(tmp_path).port == 9001
    assert _server_settings(tmp_path, frozenset({"port"})).port == 8765  # the command line wins


def test_an_unknown_section_is_named_with_the_known_ones(tmp_path) -> None:
    (tmp_path / "vpt.yaml").write_text(f"device:\n  - id: stb-1\n    probe: {TCP}\n")
    expected = f"{tmp_path / 'vpt.yaml'}: unknown section 'device' (known: {', '.join(SECTIONS)})"
    with pytest.raises(DeviceConfigError, match=f"^{re.escape(expected)}$"):
        load_devices(tmp_path)
    with pytest.raises(ServerSettingsError, match=f"^{re.escape(expected)}$"):
        _server_settings(tmp_path)


def test_an_unknown_table_of_tool_vpt_is_named_too(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.vpt.sever]\nport = 9001\n')
    result = subprocess.run([sys.executable, "-m", "pytest_vpt", "server"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (f"Error: {tmp_path / 'pyproject.toml'} [tool.vpt]: unknown section 'sever' "
                                     f"(known: {', '.join(SECTIONS)})")


def test_pytest_refuses_to_start_with_an_unknown_section(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", vpt="alert:\n  - when: failed\n")
    pytester.makepyfile("def test_one(): pass")
    result = pytester.runpytest("--vpt")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    assert (f"ERROR: {pytester.path / 'vpt.yaml'}: unknown section 'alert' (known: {', '.join(SECTIONS)})"
            in result.stderr.str())


def test_a_yaml_mistake_is_named_by_line_and_column(tmp_path) -> None:
    (tmp_path / "vpt.yaml").write_text(f"devices:\n  - id: stb-1\n    probe: {TCP}\n   interval: 5\n")
    with pytest.raises(DeviceConfigError, match=r"vpt.yaml: not valid YAML: line 4, column 4: "):
        load_devices(tmp_path)


def test_a_file_changed_on_disk_is_read_again(tmp_path) -> None:
    path = tmp_path / "vpt.yaml"
    path.write_text(f"devices:\n  - id: stb-1\n    probe: {TCP}\n")
    assert [device.id for device in load_devices(tmp_path)] == ["stb-1"]
    path.write_text(f"devices:\n  - id: stb-1\n    probe: {TCP}\n  - id: stb-2\n    probe: {TCP}\n")
    assert [device.id for device in load_devices(tmp_path)] == ["stb-1", "stb-2"]


def test_what_an_owner_is_given_is_its_own_copy(tmp_path) -> None:
    """The file is parsed once per process; a caller changing its section changes no one else's."""
    from pytest_vpt.config_file import section

    (tmp_path / "vpt.yaml").write_text(f"devices:\n  - id: stb-1\n    probe: {TCP}\n")
    entries, source = section("devices", tmp_path)
    entries[0]["id"] = "changed"
    assert source == str(tmp_path / "vpt.yaml")
    assert section("devices", tmp_path)[0][0]["id"] == "stb-1"
