"""The recorder process: the recording side of a run, on its own core.

Turning reports into events and writing them costs more than a test process should spend
between two tests, and a thread cannot take it off that process (the sqlite3 module gives
up the GIL around every row, and a busy interpreter hands it back only every few
milliseconds). So pytest hands named messages (see messages.py) to a child process (forked
off pytest on Linux, so it starts with everything imported; else a new interpreter), in
batches, each one length-prefixed ``marshal`` frame on the child's stdin, which the child
reads off as fast as they come (see backlog.py: pytest never waits for a recorder that
falls behind). The child runs the :class:`RunRecorder` over the sink
:func:`~pytest_vpt.sinks.open_sink` gives and, at end of input, prints the run's
:class:`RunResult` as one JSON line. If pytest dies, the child still records every message
it received and closes the run as interrupted.

    python -m pytest_vpt.recording.process BASE_DIR    (a spawned recorder)

After the protocol's header, the first message says where the events go: ``("sink",
store URL, server URL or None, analysis settings, the project's configuration file or None)`` (on stdin, not on the command line,
where ``ps`` would show the store's password to everyone). With a server URL the events are sent there (token in ``VPT_TOKEN``) and
what cannot be sent is spooled in ``BASE_DIR/.vpt/spool`` (see sinks/http.py); without one,
what the store refuses is spooled there too (see sinks/store.py), and when the project's
configuration has an ``alerts:`` section, the batch that ends the run is followed by one
evaluation of its rules (see alerting.py).
"""

from __future__ import annotations

import faulthandler
import gc
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from .. import config_file
from ..sinks.base import SinkReport
from ..sinks import StoreSink, open_sink
from ..store.after_write import Analysis
from ..store import StoreURL, parse_store_url
from ..store.leases import RunLease, leases_folder
from .backlog import Backlog, frame
from .messages import check_header, decode, header
from .recorder import RunInfo, RunRecorder, RunResult

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

#: the forked recorder's name in ps, top and /proc/PID/comm
PROCESS_NAME = "vpt-recorder"
_CLOSE_TIMEOUT = 300.0  # seconds the recorder may take to finish writing after the run
_PIPE_SIZE = 1 << 20
# A batch waits at most this long (a thread hands it over if pytest sends nothing more, as
# while a long test runs): the recorder keeps up, little is left to write at the end, and a
# run killed outright loses at most this much.
_FLUSH_SECONDS = 0.25
#: seconds a result waits in the recorder (a test row) or its sink at most before it is written (or sent):
#: with pytest's quarter of a second, a result reaches a server within a second of its end
SEND_WITHIN = 0.5


class RecorderProcess:
    """pytest's side: buffers messages and hands full batches to the recorder process.

    It never raises into pytest: a recorder that cannot start, or dies, is reported in the
    :class:`RunResult` that :meth:`close` returns.
    """

    def __init__(self, info: RunInfo, url: StoreURL, base_dir: Path, server: str | None = None,
                 batch_size: int = 3000, config: Path | None = None) -> None:
        """``config``: the project's configuration file when not the default one (whose alerts: a
        local store's run evaluates when it ends)."""
        self.info = info
        self.config = config
        self.url = url
        self.server = server
        self.base_dir = base_dir
        self.batch_size = batch_size
        self._buffer: list[tuple] = []
        self._deadline = 0.0
        self._proc: subprocess.Popen | None = None
        self._error: str | None = None
        self._lock = threading.Lock()  # the buffer and the pipe: pytest's thread and the flusher
        self._pending = threading.Event()  # set when the buffer is no longer empty
        self._closed = threading.Event()
        self._flushing: threading.Thread | None = None

    def open(self) -> None:
        """Start the recorder and hand it the run's start, written at once."""
        try:
            self._proc = _fork(self.base_dir) if _can_fork() else _spawn(self.base_dir)
        except OSError as exc:
            self._error = f"cannot start the recorder process: {exc}"
            return
        _widen_pipe(self._proc.stdin)
        self._buffer += [header(), ("sink", self.url.text, self.server, self.info.analysis,
                                        str(self.config) if self.config else None)]
        self.send(("start", vars(self.info)))
        self.flush()
        self._flushing = threading.Thread(target=self._flusher, name="vpt-flush", daemon=True)
        self._flushing.start()

    def send(self, message: tuple) -> None:
        """Queue a message; the batch goes when it is full or has waited long enough."""
        with self._lock:
            if not self._buffer:
                self._pending.set()
            self._buffer.append(message)
            if len(self._buffer) >= self.batch_size or time.monotonic() >= self._deadline:
                self._flush()

    def flush(self) -> None:
        with self._lock:
            self._flush()

    def _flusher(self) -> None:
        """Hand over a batch that has waited ``_FLUSH_SECONDS`` with nothing sent after it
        (a long test is running): wakes only when the buffer holds something."""
        while True:
            self._pending.wait()
            self._pending.clear()
            if self._closed.wait(_FLUSH_SECONDS):
                return
            with self._lock:
                if self._buffer and time.monotonic() >= self._deadline:
                    self._flush()
                elif self._buffer:
                    self._pending.set()  # handed over meanwhile, and more came: look again later

    def _flush(self) -> None:
        self._deadline = time.monotonic() + _FLUSH_SECONDS
        batch, self._buffer = self._buffer, []
        if not batch or self._proc is None or self._error:
            return
        try:
            self._proc.stdin.write(frame(batch))
            self._proc.stdin.flush()
        except (OSError, ValueError) as exc:  # the recorder is gone, or a message held a non-plain value
            self._error = f"could not hand results to the recorder process: {exc}"

    def close(self) -> RunResult:
        """Hand over what is buffered, let the recorder finish, and return its account."""
        with self._lock:
            self._flush()
        self._closed.set()
        self._pending.set()
        if self._flushing is not None:
            self._flushing.join()
        proc = self._proc  # kept: the recorder may still be tidying up when pytest moves on
        if proc is None:
            return self._failed(self._error or "the recorder process was not started")
        # The recorder answers once everything is written, then tidies the database up
        # (a WAL checkpoint) on its own time: wait for the answer, not for it to exit.
        watchdog = threading.Timer(_CLOSE_TIMEOUT, proc.kill)
        watchdog.start()
        try:
            if proc.stdin is not None:
                proc.stdin.close()
            line = proc.stdout.readline()
        except (OSError, ValueError):
            line = b""
        finally:
            watchdog.cancel()
        try:
            result = RunResult.from_json(json.loads(line))
        except (ValueError, KeyError, TypeError):
            err = proc.stderr.read() if proc.stderr is not None else b""
            proc.wait()
            detail = (err.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
            return self._failed(f"the recorder process ended with exit code {proc.returncode}: {detail}")
        if self._error:
            result.sink.note(self._error)
        return result

    def _failed(self, reason: str) -> RunResult:
        target = self.server or str(self.url)
        sink = SinkReport(target)
        sink.note(f"{target}: {reason}")
        return RunResult(self.info.run_id, {}, 0, 0, 0, [], [], sink)


def _can_fork() -> bool:
    """Whether the recorder can be forked off pytest: on Linux, while pytest runs no thread
    (a fork copies only the thread that calls it, whatever locks the others hold)."""
    return sys.platform == "linux" and threading.active_count() == 1


def _spawn(base_dir: Path) -> subprocess.Popen:
    """The recorder in a new interpreter."""
    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen(
        [sys.executable, "-m", "pytest_vpt.recording.process", str(base_dir)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )


class _Forked:
    """A recorder forked off pytest, with the few members of Popen that RecorderProcess uses."""

    def __init__(self, pid: int, stdin: int, stdout: int, stderr: int) -> None:
        self.pid = pid
        self.stdin, self.stdout, self.stderr = open(stdin, "wb"), open(stdout, "rb"), open(stderr, "rb")
        self.returncode: int | None = None

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def wait(self) -> int:
        if self.returncode is None:
            self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        return self.returncode


def _fork(base_dir: Path) -> _Forked:
    """The recorder forked off pytest: it starts with everything imported (no interpreter to
    start, no module to load again), which is most of what a spawned recorder spends."""
    pipes = [os.pipe() for _ in range(3)]  # stdin, stdout, stderr; none inherited by later children
    gc.freeze()  # the child's collector leaves pytest's objects alone, so their pages stay shared
    try:
        pid = os.fork()
    except BaseException:
        gc.unfreeze()
        for read, write in pipes:
            os.close(read)
            os.close(write)
        raise
    if pid == 0:
        _forked_main(base_dir, pipes[0][0], pipes[1][1], pipes[2][1])
    gc.unfreeze()
    (stdin, to_child), (from_child, stdout), (from_child_err, stderr) = pipes
    for end in (stdin, stdout, stderr):
        os.close(end)
    return _Forked(pid, to_child, from_child, from_child_err)


def _forked_main(base_dir: Path, stdin: int, stdout: int, stderr: int) -> None:
    """The forked child: its pipes become its standard streams, every other file pytest had
    open is closed (a reader of pytest's output must not wait for the recorder), and it ends
    without running pytest's exit handlers."""
    code = 1
    try:
        for fd, end in enumerate((stdin, stdout, stderr)):
            os.dup2(end, fd)
        for name in os.listdir("/proc/self/fd"):
            if int(name) > 2:
                try:
                    os.close(int(name))
                except OSError:
                    pass
        faulthandler.disable()
        sys.stdin = open(0, closefd=False)
        sys.stdout = open(1, "w", closefd=False)
        sys.stderr = open(2, "w", closefd=False)
        try:
            with open("/proc/self/comm", "w") as comm:  # what ps and top show
                comm.write(PROCESS_NAME)
        except OSError:
            pass
        code = main([str(base_dir)])
    except BaseException:  # noqa: BLE001 - said on stderr, which pytest reads when no result comes
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _widen_pipe(stream: Any) -> None:
    """Let a whole batch fit in the pipe, so handing it over is one write (Linux; else a no-op)."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if set_size is not None:
        try:
            fcntl.fcntl(stream.fileno(), set_size, _PIPE_SIZE)
        except OSError:  # above the system's limit: the default size still works
            pass


def main(argv: list[str]) -> int:
    """The recorder process: record the messages on stdin, print the run's result."""
    base_dir = Path(argv[0])
    backlog = Backlog(sys.stdin.buffer)
    batches = iter(backlog)
    try:
        first = next(batches, [])
        check_header(first[0] if first else ())
        name, where = decode(first[1])
    except (EOFError, ValueError, IndexError, TypeError) as exc:
        sys.stderr.write(f"vpt recorder: {exc}\n")
        return 1
    if name != "sink":
        return 1
    store = None if where.server else parse_store_url(where.store, base_dir)
    sink = open_sink(store or where.server, base_dir, Analysis.from_json(where.analysis or {}), max_wait=SEND_WITHIN)
    if store is not None and isinstance(sink, StoreSink):  # a local store: its run's end evaluates the rules
        alerts = _run_alerts(store, base_dir, Path(where.config) if where.config else None)
        sink.on_written = alerts.landed if alerts is not None else None
    sink.open()
    backlog.wake_within = sink.wait_left  # results wait SEND_WITHIN at most, even when pytest sends nothing
    recorder: RunRecorder | None = None
    lease: RunLease | None = None
    try:
        for batch in itertools.chain([first[2:]], batches):
            for message in batch:
                if message[0] == "start":
                    recorder = RunRecorder(RunInfo(**message[1]), sink, hold=SEND_WITHIN)
                    lease = _lease(store, recorder.info.run_id)
                    recorder.start()
                    backlog.wake_within = recorder.wait_left  # the rows it holds wait SEND_WITHIN too
                elif recorder is not None:
                    try:
                        recorder.handle(message)
                    except Exception as exc:  # a bug loses this message, not the run
                        sink.report.note(f"internal error recording {message[0]!r}: {type(exc).__name__}: {exc}")
            (recorder or sink).flush_due()
    except (EOFError, ValueError) as exc:
        sink.report.note(f"{sink.report.target}: pytest stopped in the middle of a batch: {exc}")
    if recorder is None:
        sink.close()
        return 1
    result = recorder.result or recorder.finish(None)  # no "finish": pytest died mid-run
    sys.stdout.write(json.dumps(result.to_json()) + "\n")
    sys.stdout.flush()
    sink.close()
    if lease is not None:  # a run whose end did not reach the store is closed by its next writer
        lease.release(keep_file=not result.sink.ok)
    return 0


def _run_alerts(store: StoreURL, base_dir: Path, config: Path | None) -> Any:
    """The project's alert rules (see alerting.py), when its configuration has an ``alerts:``
    section: their modules are most of what the recorder would import, so only then."""
    try:
        if config_file.section("alerts", base_dir, config)[0] is None:
            return None
    except ValueError:
        pass  # RunAlerts.of_project says why
    from .alerting import RunAlerts

    return RunAlerts.of_project(store, base_dir, config)


def _lease(store: StoreURL | None, run_id: str) -> RunLease | None:
    """Hold the run's lease while it is recorded into a SQLite store (see store.leases)."""
    if store is None or store.scheme != "sqlite":
        return None
    lease = RunLease(leases_folder(store.path), run_id)
    return lease if lease.hold() else None


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # not sys.exit: the intake thread may still be reading stdin (a refused header ends the
    # run early), and an interpreter shutting down beside it can abort on stdin's lock
    os._exit(code)
