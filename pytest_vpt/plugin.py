"""The pytest plugin: options, fixtures and the hooks that connect pytest to the recorder.

It observes and never steers: it reads reports, never owns ``pytest_runtest_protocol`` and
never wraps the test call, so outcomes and the exit code are what they are without it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from . import __version__
from .config import OPTIONS, SettingsError, load_categories, project_root, resolve, resolve_enabled
from .config_file import config_source
from .metrics import MetricsCollector, SampleBuffer, install_session_buffer
from .devices import Device, DeviceConfigError, load_devices
from .recording.quarantine import MARKER, QuarantineHooks, teststatus
from .recording.annotate import ReportAnnotator, WorkerAnnotations
from .recording.devices import MARKER as DEVICE_MARKER
from .recording.devices import device_hooks, device_of, registered_device
from .recording.video import VideoChecks

_PREVIOUS_BUFFER = pytest.StashKey[Any]()
RUN_ID = pytest.StashKey[str]()
_REGISTRY = pytest.StashKey[dict[str, Device]]()
_REGISTRY_SOURCE = pytest.StashKey[str]()  # the file the registry was read from, as errors name it
_INI_DEFAULTS = {"bool": False, "string": "", "linelist": []}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("vpt", "pytest-vpt: record runs, tests and metrics")
    by_name = {option.name: option for option in OPTIONS}
    env_note = lambda name: f" [env {by_name[name].env}, ini {by_name[name].ini}]"  # noqa: E731
    group.addoption("--vpt", action="store_true", default=None, dest="vpt_enabled",
                    help=by_name["enabled"].help + env_note("enabled"))
    group.addoption("--no-vpt", action="store_false", dest="vpt_enabled",
                    help="do not record, whatever VPT_ENABLED or the ini file say")
    group.addoption("--vpt-store", dest="vpt_store", metavar="URL",
                    help=by_name["store"].help + env_note("store"))
    group.addoption("--vpt-server", dest="vpt_server", metavar="URL",
                    help=by_name["server"].help + env_note("server"))
    group.addoption("--vpt-result-file", dest="vpt_result_file", metavar="PATH",
                    help=by_name["result_file"].help + env_note("result_file"))
    group.addoption("--vpt-project", dest="vpt_project", metavar="NAME",
                    help=by_name["project"].help + env_note("project"))
    group.addoption("--vpt-label", dest="vpt_labels", action="append", metavar="KEY=VALUE",
                    help=by_name["labels"].help + env_note("labels"))
    group.addoption("--vpt-quarantine", action="store_true", default=None, dest="vpt_quarantine",
                    help=by_name["quarantine"].help + env_note("quarantine"))
    group.addoption("--vpt-config", dest="vpt_config", metavar="PATH",
                    help=by_name["config"].help + env_note("config"))
    group.addoption("--vpt-skip-offline", action="store_true", default=None, dest="vpt_skip_offline",
                    help=by_name["skip_offline"].help + env_note("skip_offline"))
    group.addoption("--vpt-categories", dest="vpt_categories", metavar="FILE",
                    help=by_name["categories"].help + env_note("categories"))
    for option in OPTIONS:
        parser.addini(option.ini, option.help, type=option.ini_type, default=_INI_DEFAULTS[option.ini_type])


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(reason): quarantine this test: with --vpt --vpt-quarantine its failures do not "
        "fail the run (they are still recorded), until it passes enough runs in a row",
    )
    config.addinivalue_line(
        "markers", f"{DEVICE_MARKER}(id): this test uses the registered device 'id': with --vpt it is probed "
        "before the test and when the test fails, and a failure while it is offline is marked as such",
    )
    # Inside pytest, samples go to the run being recorded, or nowhere: never to a store directly.
    config.stash[_PREVIOUS_BUFFER] = install_session_buffer(SampleBuffer(enabled=False))
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:  # an xdist worker: annotate reports, never write
        if workerinput.get("vpt_run_id"):
            config.stash[RUN_ID] = workerinput["vpt_run_id"]
            annotator = _annotate(config)
            config.pluginmanager.register(WorkerAnnotations(annotator), "vpt-worker")
            quarantine = workerinput.get("vpt_quarantine")
            if quarantine is not None:
                config.pluginmanager.register(QuarantineHooks(
                    annotator, quarantine["active"], set(quarantine["expired"]), quarantine["listed"],
                    quarantine["list_name"],
                ), "vpt-quarantine")
            devices = workerinput.get("vpt_devices")
            if devices is not None:
                registry = _load_registry(config, devices["config"], resolve_hosts=False)
                config.pluginmanager.register(device_hooks(registry, devices["skip_offline"],
                                                          config.stash[_REGISTRY_SOURCE]), "vpt-devices")
        return
    cli = {option.name: config.getoption(f"vpt_{option.name}", None) for option in OPTIONS}
    ini = {option.name: config.getini(option.ini) for option in OPTIONS}
    try:
        if not resolve_enabled(cli, os.environ, ini):
            return
        root = project_root(config.rootpath, config.inipath)
        settings = resolve(cli, os.environ, ini, root)
        categories = load_categories(settings.categories_file)
    except SettingsError as exc:
        raise pytest.UsageError(str(exc)) from None
    registry = _load_registry(config, settings.config_file)
    from .recording.controller import RecorderPlugin

    annotator = _annotate(config)
    # registered with an empty registry too: a marker naming a device then fails, not runs unprobed
    config.pluginmanager.register(device_hooks(registry, settings.skip_offline, config.stash[_REGISTRY_SOURCE]),
                                  "vpt-devices")
    recorder_plugin = RecorderPlugin(config, settings, annotator, list(registry.values()), root)
    if settings.categories_file is not None:  # the recorder counts the run's failures by these
        recorder_plugin.info.categories = [category.to_dict() for category in categories]
    config.stash[RUN_ID] = recorder_plugin.run_id
    config.pluginmanager.register(recorder_plugin, "vpt-recorder")
    quarantine = recorder_plugin.quarantine
    if quarantine is not None:  # registered last, so it sees each report before the recorder
        config.pluginmanager.register(QuarantineHooks(
            annotator, quarantine["active"], set(quarantine["expired"]), quarantine["listed"], quarantine["list_name"],
        ), "vpt-quarantine")


@pytest.hookimpl(tryfirst=True)
def pytest_report_teststatus(report: Any, config: pytest.Config) -> Any:
    return teststatus(report)


def pytest_unconfigure(config: pytest.Config) -> None:
    install_session_buffer(config.stash.get(_PREVIOUS_BUFFER, None))


def pytest_report_header(config: pytest.Config) -> str | None:
    plugin = config.pluginmanager.get_plugin("vpt-recorder")
    if plugin is None:
        return None
    from .recording.summary import store_shown

    target = plugin.settings.result_file or store_shown(plugin.settings.store)
    return f"vpt {__version__}: recording run {plugin.run_id} into {target}"


@pytest.fixture(scope="session")
def vpt_run_id(pytestconfig: pytest.Config) -> str | None:
    """The id of the run being recorded (the same in every xdist worker), or None."""
    return pytestconfig.stash.get(RUN_ID, None)


@pytest.fixture
def vpt_metrics() -> MetricsCollector:
    """A :class:`MetricsCollector` whose samples belong to the current test."""
    return MetricsCollector()


@pytest.fixture
def vpt_video(vpt_metrics: MetricsCollector, request: pytest.FixtureRequest) -> VideoChecks:
    """Video checks for this test (``analyze``, ``assert_no_black_screen``, ``assert_no_freeze``,
    ``assert_frame_drop_rate_below``, ``assert_subtitles_present``); each analysis's figures
    become the test's metrics. Needs pytest-vpt[video]."""
    return VideoChecks(vpt_metrics, request.config.rootpath, _config_path(request.config))


@pytest.fixture
def vpt_device(request: pytest.FixtureRequest) -> Device:
    """The registered device this test uses: named by ``@pytest.mark.vpt_device("id")`` or by
    parametrizing this fixture ``indirect``-ly with device ids."""
    ident = getattr(request, "param", None) or device_of(request.node)
    if not ident:
        pytest.fail("vpt_device: name the device with @pytest.mark.vpt_device('id'), or parametrize "
                    "vpt_device with device ids (indirect=True)", pytrace=False)
    registry = _registry(request.config)
    return registered_device(ident, registry, request.config.stash[_REGISTRY_SOURCE])


def _config_path(config: pytest.Config) -> Path | None:
    """The vpt.yaml named by --vpt-config, VPT_CONFIG or the ini (None: the rootdir's own)."""
    path = config.getoption("vpt_config", None) or os.environ.get("VPT_CONFIG") or config.getini("vpt_config")
    return config.rootpath / path if path else None


def _registry(config: pytest.Config) -> dict[str, Device]:
    """The device registry, loaded once (also without --vpt, for the fixture)."""
    registry = config.stash.get(_REGISTRY, None)
    if registry is None:
        try:
            registry = _load_registry(config, _config_path(config))
        except pytest.UsageError as exc:
            pytest.fail(str(exc), pytrace=False)
    return registry


def _load_registry(config: pytest.Config, path: Any, resolve_hosts: bool = True) -> dict[str, Device]:
    try:
        devices = load_devices(config.rootpath, path and config.rootpath / path, resolve_hosts)
    except DeviceConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[_REGISTRY] = registry = {device.id: device for device in devices}
    config.stash[_REGISTRY_SOURCE] = config_source(config.rootpath, path and config.rootpath / path)
    return registry


def _annotate(config: pytest.Config) -> ReportAnnotator:
    """Collect the metric samples of this process's tests, and know which test is running."""
    buffer = SampleBuffer(enabled=True)
    install_session_buffer(buffer)
    annotator = ReportAnnotator(buffer)
    config.pluginmanager.register(annotator, "vpt-annotator")
    return annotator
