"""Probes: how to ask a device whether it is there (tcp, http, ping, adb, command)."""

from .base import Probe, ProbeConfigError, ProbeFailed, ProbeOutcome
from .network import HttpProbe, PingProbe, TcpProbe
from .process import AdbProbe, CommandProbe

#: probe type (as written in the registry) -> its class
PROBES: dict[str, type[Probe]] = {
    probe.kind: probe for probe in (TcpProbe, HttpProbe, PingProbe, AdbProbe, CommandProbe)
}

__all__ = ["PROBES", "Probe", "ProbeConfigError", "ProbeFailed", "ProbeOutcome"]
