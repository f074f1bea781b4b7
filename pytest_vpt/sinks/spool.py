"""The spool: batches that could not be sent, kept on disk until they are.

Each batch is one JSON-lines file in ``.vpt/spool/``, written to a temporary name, flushed
to disk and renamed, so a file in the spool is always whole. Sending is idempotent (every
event has a stable id), so a batch sent twice is still stored once.

A batch the server refuses as invalid is never sent again: it moves to ``rejected/`` (the
dead letters), with the server's reason beside it in a ``.reason`` file of the same name.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .base import SinkReport

SPOOL_DIR = Path(".vpt") / "spool"


class Spool:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.rejected = folder / "rejected"

    def put(self, events: list[dict[str, Any]]) -> Path:
        """Keep a batch; returns its file."""
        return _write_whole(self.folder, f"{uuid.uuid4().hex}.jsonl",
                            "".join(json.dumps(event, separators=(",", ":")) + "\n" for event in events))

    def keep(self, events: list[dict[str, Any]], report: SinkReport) -> None:
        """Keep a batch that could not be written now, counted in ``report`` as spooled (as
        lost, with the reason, when the disk refuses it)."""
        try:
            self.put(events)
        except OSError as exc:
            report.fail(events, f"{self.folder}: cannot spool: {exc.strerror or exc}")
        else:
            report.count(events, report.spooled)

    def reject(self, batch: Path | list[dict[str, Any]], reason: str) -> Path:
        """Move a spooled batch (its file), or keep one never spooled (its events), in
        ``rejected/`` with ``reason`` beside it; returns its new file."""
        if isinstance(batch, Path):
            self.rejected.mkdir(parents=True, exist_ok=True)
            final = self.rejected / batch.name
            os.replace(batch, final)
        else:
            final = Spool(self.rejected).put(batch)
        _write_whole(self.rejected, f"{final.stem}.reason", reason.rstrip() + "\n")
        return final

    def batches(self) -> Iterator[tuple[Path, list[dict[str, Any]]]]:
        """The kept batches, oldest first; a file that cannot be read is skipped (and kept)."""
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("*.jsonl"), key=lambda p: p.stat().st_mtime):
            try:
                events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            except (OSError, ValueError):
                continue
            yield path, events

    def depth(self) -> int:
        """How many batches wait."""
        return len(list(self.folder.glob("*.jsonl"))) if self.folder.is_dir() else 0


def _write_whole(folder: Path, name: str, text: str) -> Path:
    """Write ``folder/name`` so that it is never seen half-written (temporary name, fsync, rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{name}.partial"
    try:
        with open(partial, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:  # a full disk: leave no half-written file behind
        partial.unlink(missing_ok=True)
        raise
    final = folder / name
    os.replace(partial, final)
    _sync_folder(folder)
    return final


def _sync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
