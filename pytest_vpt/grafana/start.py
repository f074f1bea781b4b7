"""How to start Grafana on a provisioning tree: a ``docker run`` line (the tree and the SQLite
store's folder mounted at the paths the files name), and the lines an existing Grafana needs."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from .datasource import PASSWORD_VARIABLE, Datasource

#: the Grafana build the dashboards are generated for (grafana-foundation-sdk 11.6)
IMAGE = "grafana/grafana:11.6.0"
SQLITE_PLUGIN = "frser-sqlite-datasource"


@dataclass(frozen=True)
class Start:
    """``docker``: one command; ``grafana_ini``: its lines for an existing Grafana; ``steps``:
    what else Grafana needs, in either case."""

    docker: str
    grafana_ini: tuple[str, ...]
    steps: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"docker": self.docker, "grafana_ini": list(self.grafana_ini), "steps": list(self.steps)}


def start(directory: Path, source: Datasource) -> Start:
    """How to run Grafana on the tree in ``directory`` (absolute) reading ``source``."""
    tree = str(directory)
    words = ["docker run -d --name grafana", "--network host" if source.loopback else "-p 3000:3000",
             f"-v {shlex.quote(f'{tree}:{tree}:ro')} -e GF_PATHS_PROVISIONING={shlex.quote(tree)}"]
    steps = [(f"an existing Grafana may keep its own provisioning folder: copy {directory / 'datasources'}/vpt.yaml, "
             f"{directory / 'dashboards'}/vpt.yaml and {directory / 'alerting'}/vpt.yaml into it instead")]
    if source.sqlite_folder is not None:
        folder = str(source.sqlite_folder)
        words.append(f"-v {shlex.quote(f'{folder}:{folder}')} -e GF_INSTALL_PLUGINS={SQLITE_PLUGIN}")
        steps.append(f"grafana cli plugins install {SQLITE_PLUGIN}")
        steps.append(f"let Grafana's user write to {folder} (uid 472 in the image: "
                     f"setfacl -m u:472:rwx {shlex.quote(folder)})")
    else:
        words.append(f"-e {PASSWORD_VARIABLE}")
        steps.append(f"set {PASSWORD_VARIABLE} in Grafana's environment (systemd: systemctl edit grafana-server, "
                     f"[Service] Environment={PASSWORD_VARIABLE}=...)")
    steps.append("restart Grafana: the dashboards are in the folder pytest-vpt")
    words.append(IMAGE)
    return Start(" \\\n  ".join(words), ("[paths]", f"provisioning = {tree}"), tuple(steps))
