"""The messages pytest hands the recorder process: a versioned header, then named records."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pytest_vpt.recording.backlog import frame
from pytest_vpt.recording.messages import VERSION, Phase, ProtocolError, check_header, decode, header


def recorder(tmp_path, *batches: list[tuple]) -> subprocess.CompletedProcess:
    stdin = b"".join(frame(batch) for batch in batches)
    return subprocess.run([sys.executable, "-m", "pytest_vpt.recording.process", str(tmp_path)], input=stdin,
                          capture_output=True, timeout=120)


def test_a_recorder_refuses_messages_of_another_protocol_version(tmp_path) -> None:
    older = ("protocol", VERSION + 1, header()[2])
    done = recorder(tmp_path, [older, ("sink", f"sqlite:///{tmp_path}/vpt.db", None, {})])
    assert done.returncode == 1
    assert f"protocol version {VERSION + 1}" in done.stderr.decode()
    assert not (tmp_path / "vpt.db").exists()


def test_a_header_naming_other_fields_is_refused() -> None:
    fields = header()[2]
    fields["phase"] = [name for name in fields["phase"] if name != "rerun"]
    with pytest.raises(ProtocolError, match="'phase' has fields"):
        check_header(("protocol", VERSION, fields))


def test_messages_arrive_as_named_records(tmp_path) -> None:
    info = {"run_id": "r1", "project": "box", "started_at": 1.8e9, "labels": {}, "context": {}, "analysis": {},
            "nodeid_prefix": ""}
    phase = ("phase", "main", "t.py::test_a", "call", "failed", 0.5, 1.8e9, 1.8e9 + 0.5, 0, None,
             ("ValueError", "boom"), None, False, None, None)
    name, record = decode(phase)
    assert name == "phase" and isinstance(record, Phase)
    assert (record.nodeid, record.status, record.error) == ("t.py::test_a", "failed", ("ValueError", "boom"))
    done = recorder(tmp_path, [header(), ("sink", f"sqlite:///{tmp_path}/vpt.db", None, {}), ("start", info)],
                    [phase, ("finish", 1, None, None)])
    assert done.returncode == 0, done.stderr.decode()
    assert '"failed": 1' in done.stdout.decode()
