"""The provisioning tree Grafana starts from: ``datasources/vpt.yaml`` (the store's
datasource), ``dashboards/vpt.yaml`` (a file provider: folder pytest-vpt, no saving from the
UI), the dashboards' JSON in ``dashboards/pytest-vpt/``, which Grafana names by its
absolute path, and ``alerting/vpt.yaml`` (the alert rules and contact points, alerting.py).
Files of earlier dashboards left in that folder are removed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..store.url import StoreURL
from .alerting import COMMENTS, Alerting, LeftOutRule, WrittenRule
from .datasource import CONTROL, NAME, Datasource, ProvisionError
from .start import Start, start

FOLDER = "pytest-vpt"
_HEADER = "# Written by vpt grafana provision: written again on each run, edit the catalogue instead.\n"


@dataclass(frozen=True)
class WrittenDashboard:
    """A dashboard written as a file: its Grafana uid, title and file."""

    uid: str
    title: str
    file: str

    def to_dict(self) -> dict[str, Any]:
        return {"uid": self.uid, "title": self.title, "file": self.file}


@dataclass(frozen=True)
class Provisioned:
    """What :func:`provision` wrote: files relative to ``directory``, the datasource, the
    dashboards, files of earlier dashboards it removed, notes, how to start Grafana, the alert
    rules written and left out (with why), and the contact points."""

    directory: str
    dialect: str
    datasource: dict[str, str]
    files: tuple[str, ...]
    dashboards: tuple[WrittenDashboard, ...]
    removed: tuple[str, ...]
    notes: tuple[str, ...]
    start: Start
    alert_rules: tuple[WrittenRule, ...] = ()
    left_out: tuple[LeftOutRule, ...] = ()
    contact_points: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"directory": self.directory, "dialect": self.dialect, "datasource": dict(self.datasource),
                "files": list(self.files), "dashboards": [each.to_dict() for each in self.dashboards],
                "removed": list(self.removed), "notes": list(self.notes), "start": self.start.to_dict(),
                "alert_rules": [each.to_dict() for each in self.alert_rules],
                "alert_rules_left_out": [each.to_dict() for each in self.left_out],
                "contact_points": list(self.contact_points)}


def write_tree(directory: Path | str, url: StoreURL, boards: list[dict[str, Any]], source: Datasource,
               alerting: Alerting | None = None) -> Provisioned:
    """Write the tree for ``boards`` (dashboard JSON) reading through ``source`` into
    ``directory``, with ``alerting`` (the alert rules) in ``alerting/vpt.yaml``."""
    root = Path(directory).resolve()
    if root.exists() and not root.is_dir():
        raise ProvisionError(f"{root} is a file, not a folder", "directory")
    json_folder = root / "dashboards" / FOLDER
    try:
        json_folder.mkdir(parents=True, exist_ok=True)
        (root / "datasources").mkdir(exist_ok=True)
        written = [_yaml(root / "datasources" / "vpt.yaml", {"apiVersion": 1, "datasources": [source.entry]},
                         source.notes),
                   _yaml(root / "dashboards" / "vpt.yaml", {"apiVersion": 1, "providers": [_provider(json_folder)]})]
        dashboards = []
        for board in boards:
            path = json_folder / f"{board['uid']}.json"
            path.write_text(json.dumps(board, indent=2) + "\n", encoding="utf-8")
            written.append(path)
            dashboards.append(WrittenDashboard(board["uid"], board["title"], str(path.relative_to(root))))
        removed = [path for path in sorted(json_folder.glob("*.json")) if path not in written]
        for path in removed:
            path.unlink()
        if alerting is not None:
            (root / "alerting").mkdir(exist_ok=True)
            left = tuple(f"left out: {each.name}: {each.reason}" for each in alerting.left_out)
            written.insert(2, _yaml(root / "alerting" / "vpt.yaml", alerting.content,
                                    COMMENTS + alerting.notes + left))
    except OSError as exc:
        raise ProvisionError(f"cannot write the provisioning files in {root}: {exc.strerror or exc}",
                             "directory") from None
    kind = source.entry["type"]
    return Provisioned(
        str(root), "sqlite" if url.scheme == "sqlite" else "postgres",
        {"name": NAME, "uid": source.entry["uid"], "type": kind, "location": url.location},
        tuple(str(path.relative_to(root)) for path in written), tuple(dashboards),
        tuple(str(path.relative_to(root)) for path in removed), source.notes + (alerting.notes if alerting else ()),
        start(root, source), alerting.rules if alerting else (), alerting.left_out if alerting else (),
        alerting.contact_points if alerting else ())


def _provider(json_folder: Path) -> dict[str, Any]:
    return {"name": FOLDER, "orgId": 1, "folder": FOLDER, "folderUid": FOLDER, "type": "file",
            "disableDeletion": False, "allowUiUpdates": False, "updateIntervalSeconds": 30,
            "options": {"path": str(json_folder), "foldersFromFilesStructure": False}}


def _yaml(path: Path, content: dict[str, Any], notes: tuple[str, ...] = ()) -> Path:
    comments = "".join(f"# {CONTROL.sub(' ', note)}\n" for note in notes)  # a path's line break ends no comment
    path.write_text(_HEADER + comments + yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
    return path
