"""No credential is recorded or printed: URLs lose their userinfo and secret parameters, the
store URL is shown without its password, and server workers get the DSN outside the environment."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.redaction import is_secret_name, redact_text, redact_url
from pytest_vpt.store.url import StoreURLError, parse_store_url
from pytest_vpt.store import queries

from conftest import PG_DSN, postgres_schema_url, run_events
from server_process import free_port, wait_until_serving

PG_LOCATION = PG_DSN.rpartition("@")[2]  # the test server's host:port/database

#: (URL as given, URL as it may be recorded and shown)
URL_FORMS = [
    # userinfo: user:password, token as the user name, "@" and ":" inside the password
    ("https://user:secret@git.example.com/acme/r.git", "https://git.example.com/acme/r.git"),
    ("git+https://user:secret@host/r.git", "git+https://host/r.git"),
    ("https://user:Pa@ss3@host/r.git", "https://host/r.git"),
    ("https://user:p:a:ss@host/r.git", "https://host/r.git"),
    ("https://ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/acme/r.git", "https://github.com/acme/r.git"),
    ("https://x-access-token:ghs_abc123@github.com/acme/r", "https://github.com/acme/r"),
    ("https://oauth2:glpat-xyz@gitlab.example.com/g/p.git", "https://gitlab.example.com/g/p.git"),
    ("https://jenkins-bot:11e0f1d2c3@ci.example.com/job/stb/311/", "https://ci.example.com/job/stb/311/"),
    ("https://user:p%40ss%3Aword@host:8443/r.git", "https://host:8443/r.git"),
    # a password holding "/", "?" or "#" (not percent-encoded, as people paste them)
    ("https://user:pa/ss@host/r.git", "https://host/r.git"),
    ("https://user:pa#ss@host/r.git", "https://host/r.git"),
    ("https://user:pa?ss@host/r.git", "https://host/r.git"),
    ("https://user:p/a@ss@host/r.git", "https://host/r.git"),
    # other schemes
    ("ssh://git:secret@git.example.com:2222/acme/r.git", "ssh://git.example.com:2222/acme/r.git"),
    ("ssh://git@git.example.com/acme/r.git", "ssh://git.example.com/acme/r.git"),
    ("git://user:secret@host/r.git", "git://host/r.git"),
    ("HTTPS://User:Secret@Host/r", "HTTPS://Host/r"),
    ("postgresql://vpt:s3cret@db.example:5432/vpt", "postgresql://db.example:5432/vpt"),
    ("postgres://vpt:s3cret@db/vpt?sslmode=require", "postgres://db/vpt?sslmode=require"),
    ("postgresql://vpt@db/vpt?password=s3cret&options=-csearch_path%3Dvpt",
     "postgresql://db/vpt?password=***&options=-csearch_path%3Dvpt"),
    ("postgresql://u:p@[::1]:5432/vpt", "postgresql://[::1]:5432/vpt"),
    ("postgresql://u:p@[::1:5432/vpt", "postgresql://[::1:5432/vpt"),  # an unclosed bracket: still no password
    ("postgresql:///vpt?host=/run/postgresql&sslpassword=k3y", "postgresql:///vpt?host=/run/postgresql&sslpassword=***"),
    ("rtsp://admin:12345@192.168.1.64:554/Streaming/Channels/101", "rtsp://192.168.1.64:554/Streaming/Channels/101"),
    ("rtsps://admin:12345@cam.example/live", "rtsps://cam.example/live"),
    ("rtmp://live:k3y@ingest.example/app/stream", "rtmp://ingest.example/app/stream"),
    ("srt://relay.example:9000?passphrase=longsecret1&latency=200", "srt://relay.example:9000?passphrase=***&latency=200"),
    ("http://user:pw@stb.local/status", "http://stb.local/status"),
    # secret query and fragment parameters, any case, the others kept byte for byte
    ("https://host/api?token=abc&limit=5", "https://host/api?token=***&limit=5"),
    ("https://host/api?Access_Token=abc", "https://host/api?Access_Token=***"),
    ("https://host/api?api_key=abc&apikey=def&key=ghi&monkey=ok", "https://host/api?api_key=***&apikey=***&key=***&monkey=ok"),
    ("https://host/api?password=a&passwd=b&pwd=c&secret=d&auth=e", "https://host/api?password=***&passwd=***&pwd=***&secret=***&auth=***"),
    ("https://host/api?client_secret=a&x-api-key=b&private_token=c", "https://host/api?client_secret=***&x-api-key=***&private_token=***"),
    ("https://bucket.s3.amazonaws.com/clip.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20240101"
     "&X-Amz-Security-Token=FwoG&X-Amz-Signature=9f86d0",
     "https://bucket.s3.amazonaws.com/clip.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=***"
     "&X-Amz-Security-Token=***&X-Amz-Signature=***"),
    ("https://acct.blob.core.windows.net/c/v.mp4?sv=2022&sig=abc%3D&se=2030", "https://acct.blob.core.windows.net/c/v.mp4?sv=2022&sig=***&se=2030"),
    ("https://host/stream.m3u8?signature=abc;expires=1", "https://host/stream.m3u8?signature=***;expires=1"),
    ("https://app.example/callback#access_token=abc&state=xyz", "https://app.example/callback#access_token=***&state=xyz"),
    ("https://host/api?token=", "https://host/api?token="),  # nothing to hide
    # libpq keyword/value strings
    ("host=db port=5432 user=vpt password=s3cret dbname=vpt", "host=db port=5432 user=vpt password=*** dbname=vpt"),
    ("host=db password='a s\\'ecret' dbname=vpt", "host=db password=*** dbname=vpt"),
    ("dbname=vpt password = s3cret", "dbname=vpt password = ***"),
    # no secret: kept as given
    ("git@github.com:acme/r.git", "git@github.com:acme/r.git"),
    ("https://github.com/acme/r", "https://github.com/acme/r"),
    ("https://host:8080/users/@me/a@b", "https://host:8080/users/@me/a@b"),
    ("sqlite:///relative/vpt.db", "sqlite:///relative/vpt.db"),
    ("sqlite:////abs/vpt.db?timeout=5", "sqlite:////abs/vpt.db?timeout=5"),
    ("https://host/a?b=1&c=2#frag", "https://host/a?b=1&c=2#frag"),
]

NOT_URLS = ["", "main", "/home/ci/clips/black.mp4", "/dev/video0", "0", "C:\\clips\\a.mp4", "a plain sentence",
            "host=db dbname=vpt", "refs/heads/main"]


@pytest.mark.parametrize(("given", "shown"), URL_FORMS)
def test_urls_lose_their_credentials(given: str, shown: str) -> None:
    assert redact_url(given) == shown
    assert redact_url(shown) == shown  # nothing more to take away


@pytest.mark.parametrize("text", NOT_URLS)
def test_text_that_is_not_a_url_is_unchanged(text: str) -> None:
    assert redact_url(text) == text


def test_urls_inside_a_message_are_redacted() -> None:
    message = ("cannot reach 'https://bot:t0ken@ci.example.com/x': refused; retried "
               "rtsp://admin:12345@cam/live and host=db password=s3cret")
    assert redact_text(message) == ("cannot reach 'https://ci.example.com/x': refused; retried "
                                    "rtsp://cam/live and host=db password=***")
    assert redact_url("  https://user:secret@host/r.git") == "  https://host/r.git"


@pytest.mark.parametrize(("name", "secret"), [
    ("password", True), ("PASSWORD", True), ("sslpassword", True), ("X-Amz-Signature", True), ("x-amz-credential", True),
    ("refresh_token", True), ("id_token", True), ("passphrase", True), ("sig", True), ("api%5Fkey", True),
    ("sslmode", False), ("sslkey", False), ("options", False), ("state", False), ("monkey", False), ("keyframe", False),
])
def test_which_parameter_names_are_secret(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_store_url_shown_and_located_without_credentials() -> None:
    url = parse_store_url("postgresql://vpt:Pa%40ss3@db.example:6432/vpt?password=s3cret&options=-csearch_path%3Dx")
    assert str(url) == "postgresql://db.example:6432/vpt?password=***&options=-csearch_path%3Dx"
    assert url.location == "postgresql db.example:6432/vpt"
    assert parse_store_url("postgresql://?host=db&dbname=vpt&password=s3cret").location == "postgresql db/vpt"
    assert parse_store_url("sqlite:////srv/ci/secret-dir/vpt.db").location == "sqlite vpt.db"


@pytest.mark.parametrize("text", ["sqlite://user:s3cret@host/vpt.db", "mysql://user:s3cret@host/vpt"])
def test_a_bad_store_url_is_named_without_its_password(text: str) -> None:
    with pytest.raises(StoreURLError) as caught:
        parse_store_url(text)
    assert "s3cret" not in str(caught.value) and "host" in str(caught.value)


def _unreachable_store(secret: str) -> str:
    """A PostgreSQL URL with a password in both places people put one; nothing listens there."""
    return f"postgresql://vpt:{secret}@127.0.0.1:1/vpt?password={secret}&connect_timeout=2"


def test_regression_store_password_never_printed(pytester: pytest.Pytester, postgres_url: str, tmp_path: Path) -> None:
    marker = uuid.uuid4().hex[:12]
    secret = f"Sup3r:s%40cret-{marker}"  # ":" and an "@" (percent-encoded, as libpq wants it) in the password

    def assert_hidden(*texts: str) -> None:
        for text in texts:
            assert marker not in text and "Sup3r" not in text, text

    # the summary of a run whose store cannot be reached
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest("--vpt", f"--vpt-store={_unreachable_store(secret)}")
    assert "NOT recorded" in result.stdout.str() and "127.0.0.1:1/vpt" in result.stdout.str()
    assert_hidden(result.stdout.str(), result.stderr.str())
    # CLI errors: the store cannot be reached; a password holding "@" as it is
    failed = CliRunner().invoke(cli, ["--store", _unreachable_store(secret), "runs"])
    assert failed.exit_code == 1 and "127.0.0.1:1/vpt" in failed.output
    raw = CliRunner().invoke(cli, ["--store", f"postgresql://vpt:Sup3r@{marker}@127.0.0.1/vpt", "runs"])
    assert raw.exit_code == 1 and "percent-encoded (%40" in raw.output
    assert_hidden(failed.output, raw.output)
    # the server's start line and the unauthenticated /healthz, with the store up and down
    for store, status in ((f"{postgres_url}&password={secret}", 200), (_unreachable_store(secret), 503)):
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "pytest_vpt", "--store", store, "server", "--port", str(port)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
        try:
            wait_until_serving(f"http://127.0.0.1:{port}", proc)
            health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=30)
        finally:
            proc.terminate()
            out, err = proc.communicate(timeout=20)
        assert health.status_code == status, health.text
        assert "vpt server: postgresql://127.0.0.1:" in err and "password=***" in err
        assert_hidden(out, err, health.text)
        assert "://" not in health.text and "password" not in health.text  # the location only
        assert health.json().get("store", f"postgresql {PG_LOCATION}") == f"postgresql {PG_LOCATION}"


def _descendants(pid: int) -> list[int]:
    """The processes started by ``pid``, and theirs, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


@pytest.fixture
def role_with_password():
    """A PostgreSQL role that logs in with a password, owning a schema of its own."""
    import psycopg

    role, schema = f"vpt_role_{uuid.uuid4().hex[:8]}", f"vpt_test_{uuid.uuid4().hex[:12]}"
    password = f"W0rker:p@ss-{uuid.uuid4().hex}"
    with psycopg.connect(PG_DSN, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
        admin.execute(f'CREATE SCHEMA "{schema}" AUTHORIZATION {role}')
        try:
            yield role, password, postgres_schema_url(schema)
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE {role}")


def test_regression_worker_environment_has_no_password(role_with_password, tmp_path: Path) -> None:
    role, password, schema_url = role_with_password
    store = schema_url.replace("://postgres@", f"://{role}:{password.replace('@', '%40')}@", 1)
    assert store != schema_url
    # the store in vpt.yaml: neither the command line nor the environment holds it
    (tmp_path / "vpt.yaml").write_text(f"server:\n  store: '{store}'\n  workers: 2\n")
    token = CliRunner().invoke(cli, ["--store", store, "token", "create", "--project", "box"]).output.strip()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "pytest_vpt", "server", "--port", str(port)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", proc)
        for _ in range(4):  # each worker connects with the password, in turn
            sent = requests.post(f"http://127.0.0.1:{port}/api/v1/events", timeout=30,
                                 json=run_events(f"run-{_}", time.time(), "a" * 40, {"t.py::test_ok": "P"}),
                                 headers={"Authorization": f"Bearer {token}"})
            assert sent.status_code == 200, sent.text
        workers = _descendants(proc.pid)
        assert len(workers) >= 2
        secrets = (password, password.replace("@", "%40"), password.split("@")[-1])
        for pid in (proc.pid, *workers):
            for name in ("environ", "cmdline"):
                seen = Path(f"/proc/{pid}/{name}").read_bytes().decode(errors="replace")
                assert not any(secret in seen for secret in secrets), f"the password is in /proc/{pid}/{name}"
        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json()
        assert health == {"status": "ok", "store": f"postgresql {PG_LOCATION}"}
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    assert re.search(rf"vpt server: postgresql://{re.escape(PG_LOCATION)}\?options=\S+ on http://", err), err
    assert not any(secret in out + err for secret in secrets)
    assert "VPT_SERVER_SETTINGS" not in os.environ


class _AuthStream:
    """An MPEG-TS clip over HTTP behind basic auth (viewer:s3cret-…): 401 without it."""

    def __init__(self, clip: bytes, user: str, password: str) -> None:
        import base64
        import http.server
        import threading

        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server name
                if self.headers.get("Authorization") != expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="cam"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "video/mp2t")
                self.send_header("Content-Length", str(len(clip)))
                self.end_headers()
                self.wfile.write(clip)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.shown = f"http://127.0.0.1:{self.httpd.server_address[1]}/live.ts"
        self.url = self.shown.replace("http://", f"http://{user}:{password}@")
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def test_stream_credentials_are_used_but_never_recorded_or_printed(tmp_path: Path) -> None:
    pytest.importorskip("av")
    from video_clips import encode, with_events

    password = f"s3cret-{uuid.uuid4().hex[:8]}"
    clip = encode(tmp_path / "live.ts", 90, with_events(black=[(30, 60)]))
    stream = _AuthStream(clip.read_bytes(), "viewer", password)
    store = f"sqlite:///{tmp_path / 'vpt.db'}"
    try:
        analysed = CliRunner().invoke(cli, ["video", "analyze", stream.url, "--json"])
        watched = subprocess.run([sys.executable, "-m", "pytest_vpt", "--store", store, "watch", stream.url, "--for", "3s"],
                                 cwd=tmp_path, capture_output=True, text=True, timeout=60)
    finally:
        stream.httpd.shutdown()
    assert analysed.exit_code == 0 and stream.shown in analysed.output  # the credentials opened the stream
    assert watched.returncode == 0 and f"watching {stream.shown} into" in watched.stderr
    listed = CliRunner().invoke(cli, ["--store", store, "video", "incidents", "--json"]).output
    assert {i["source"] for i in __import__("json").loads(listed)} == {stream.shown}
    assert "black_screen" in listed
    unreachable = CliRunner().invoke(cli, ["video", "analyze", f"rtsp://admin:{password}@127.0.0.1:9/live", "--timeout", "1"])
    assert unreachable.exit_code == 1 and "rtsp://127.0.0.1:9/live: cannot be opened" in unreachable.output
    for text in (analysed.output, watched.stdout, watched.stderr, listed, unreachable.output):
        assert password not in text and "viewer" not in text


def test_device_probe_urls_are_recorded_and_shown_without_credentials() -> None:
    from pytest_vpt.devices import DeviceConfigError, parse_devices

    [device] = parse_devices([{"id": "stb", "probe": {"type": "http", "url": "http://admin:s3cret@127.0.0.1:8080/st?token=abc"}}],
                             "vpt.yaml", resolve_hosts=False)
    assert device.describe()["probe"] == "http http://127.0.0.1:8080/st?token=***"
    for url in ("ftp://admin:s3cret@box/", "http://admin:s3/cret@box/"):  # not http; a "/" in the password
        with pytest.raises(DeviceConfigError) as caught:
            parse_devices([{"id": "stb", "probe": {"type": "http", "url": url}}], "vpt.yaml", resolve_hosts=False)
        assert "'probe.url'" in str(caught.value) and "s3" not in str(caught.value) and "admin" not in str(caught.value)


def test_regression_recorder_command_line_has_no_password(pytester: pytest.Pytester, postgres_url: str) -> None:
    """The recorder process got the store URL as an argument, which `ps` shows every user."""
    secret = f"rec0rder-{uuid.uuid4().hex}"
    pytester.makepyfile(f"""
        import os
        from pathlib import Path

        def test_the_recorder_is_started_without_the_password():
            found = []
            for entry in Path("/proc").iterdir():
                try:
                    cmdline, stat = (entry / "cmdline").read_bytes(), (entry / "stat").read_text()
                except OSError:
                    continue
                recorder = b"pytest_vpt.recording.process" in cmdline or (entry / "comm").read_text().strip() == "vpt-recorder"
                if recorder and int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
                    found.append(cmdline)
            # a forked recorder shows pytest's own command line; a spawned one adds no URL to it
            own = Path("/proc/self/cmdline").read_bytes()
            assert found and not any(b"{secret}" in cmdline for cmdline in found if cmdline != own)
    """)
    result = pytester.runpytest("--vpt", f"--vpt-store={postgres_url}&password={secret}")
    result.assert_outcomes(passed=1)
    assert "recorded run" in result.stdout.str() and secret not in result.stdout.str()


def test_urls_sent_with_credentials_are_stored_without_them(store_url: str) -> None:
    """An event from an older client, or made by hand, holding credentials: stored without them."""
    from pytest_vpt.events import make_event
    from pytest_vpt.store import open_store

    [run] = run_events("run-1", time.time(), "a" * 40, {})
    run.update({"vcs.repository.url.full": "https://user:Pa@ss3@git.example.com/r.git",
                "cicd.pipeline.run.url.full": "https://bot:t0ken@ci.example.com/job/1/?token=abc"})
    incident = make_event("incident", "inc-1", {
        "vpt.project": "box", "vpt.incident.kind": "freeze", "vpt.incident.source": "rtsp://admin:12345@cam/live",
        "vpt.incident.start": time.time(), "vpt.incident.end": None, "vpt.incident.duration": 1.0,
        "vpt.incident.severity": "minor"})
    with open_store(store_url) as store:
        store.write([run, incident])
        [stored] = queries.runs(store.conn, project="box")
        [seen] = queries.video_incidents(store.conn, project="box")
    assert stored["ci_run_url"] == "https://ci.example.com/job/1/?token=***"
    assert seen["source"] == "rtsp://cam/live"
    with open_store(store_url) as store:
        repository = store.conn.execute("SELECT vcs_repository FROM runs").fetchone()[0]
    assert repository == "https://git.example.com/r.git"


def test_a_server_url_with_credentials_is_named_without_them(pytester: pytest.Pytester, monkeypatch) -> None:
    server = "http://ci:s3cret-basic@127.0.0.1:9"  # basic auth in front of the service; nothing listens
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest("--vpt", f"--vpt-server={server}")
    assert result.ret == 0 and "spooled" in result.stdout.str() and "http://127.0.0.1:9" in result.stdout.str()
    monkeypatch.chdir(pytester.path)
    pushed = CliRunner().invoke(cli, ["push", "--spool", "--server", server])
    assert pushed.exit_code == 1 and "http://127.0.0.1:9" in pushed.output
    reasons = "".join(path.read_text() for path in (pytester.path / ".vpt").rglob("*") if path.is_file()
                      and path.suffix != ".db")
    for text in (result.stdout.str(), result.stderr.str(), pushed.output, reasons):
        assert "s3cret-basic" not in text and "ci:" not in text
