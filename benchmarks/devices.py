"""CPU the device sampler needs: 100 devices on loopback, each probed every second, for 60 s.

Half the devices answer TCP connects, half answer HTTP GETs, served by a separate process
(its CPU is not counted). Side by side, in three processes at once:
- raw: the same probes as plain blocking socket calls in a loop, once a second: the floor
  (on loopback the kernel does both ends' work in the prober's time);
- sampler: pytest-vpt's sampler, samples dropped;
- monitor: `vpt monitor`'s job, the sampler plus writing every sample to a SQLite store,
  which derives incidents and hourly health from them.
Each process measures its own CPU time (user + system) from the first probe to the last;
the sampler's lateness is how long after its scheduled time a probe started (goal: never
more than the timeout, 0.5 s). The last line is the sampler's CPU as a share of one core,
in percent (goal: < 5 %).

    python benchmarks/devices.py [--devices 100] [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ENDPOINTS = textwrap.dedent("""
    import asyncio, sys

    async def tcp(reader, writer):
        writer.close()

    async def http(reader, writer):
        await reader.readuntil(b"\\r\\n\\r\\n")
        writer.write(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nok")
        await writer.drain()
        writer.close()

    async def main(count):
        servers = [await asyncio.start_server(tcp if i % 2 == 0 else http, "127.0.0.1", 0, backlog=64) for i in range(count)]
        print(" ".join(str(s.sockets[0].getsockname()[1]) for s in servers), flush=True)
        await asyncio.sleep(1e9)

    asyncio.run(main(int(sys.argv[1])))
""")

RAW = textwrap.dedent("""
    import json, socket, sys, time

    registry, seconds = json.loads(sys.argv[1]), float(sys.argv[2])
    def probe(entry):
        probe = entry["probe"]
        if probe["type"] == "tcp":
            socket.create_connection((probe["host"], probe["port"]), 0.5).close()
            return
        port = int(probe["url"].split(":")[2].split("/")[0])
        with socket.create_connection(("127.0.0.1", port), 0.5) as sock:
            sock.sendall(b"GET /health HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n")
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")

    cpu, wall = time.process_time(), time.perf_counter()
    due, samples = time.monotonic(), 0
    while time.perf_counter() - wall < seconds:
        for entry in registry:
            probe(entry)
            samples += 1
        due += 1
        time.sleep(max(0.0, due - time.monotonic()))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(json.dumps({"cpu": cpu, "wall": wall, "samples": samples, "late": 0, "max_lateness": 0.0,
                      "errors": [], "written": 0}))
""")

SAMPLER = textwrap.dedent("""
    import asyncio, json, sys, time
    from pathlib import Path
    from pytest_vpt.devices import Sampler, parse_devices
    from pytest_vpt.producers.monitor import Monitor
    from pytest_vpt.store import parse_store_url

    mode, registry, seconds, store = sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    devices = parse_devices(registry, "benchmark")
    stop_after = lambda stop: asyncio.get_running_loop().call_later(seconds, stop.set)

    async def main():
        stop = asyncio.Event()
        if mode == "sampler":
            sampler = Sampler(devices, lambda sample: None)
            stop_after(stop)
            await sampler.run(stop)
            return sampler.stats, 0
        monitor = Monitor(devices, parse_store_url(store, "."), "bench")
        stop_after(stop)
        status = await monitor.run(stop)
        return monitor.sampler.stats, sum(status.sink.written.values())

    cpu, wall = time.process_time(), time.perf_counter()
    stats, written = asyncio.run(main())
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(json.dumps({"cpu": cpu, "wall": wall, "samples": stats.samples, "late": stats.late,
                      "max_lateness": stats.max_lateness, "errors": stats.errors, "written": written}))
""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    endpoints = subprocess.Popen([sys.executable, "-c", ENDPOINTS, str(args.devices)], stdout=subprocess.PIPE, text=True)
    try:
        ports = [int(port) for port in endpoints.stdout.readline().split()]
        registry = [
            {"id": f"box-{i:03d}", "interval": 1, "timeout": 0.5,
             "probe": {"type": "tcp", "host": "127.0.0.1", "port": port} if i % 2 == 0
             else {"type": "http", "url": f"http://127.0.0.1:{port}/health"}}
            for i, port in enumerate(ports)
        ]
        with tempfile.TemporaryDirectory() as tmp:
            store = f"sqlite:///{Path(tmp) / 'vpt.db'}"
            runs = {"raw": subprocess.Popen([sys.executable, "-c", RAW, json.dumps(registry), str(args.seconds)],
                                            stdout=subprocess.PIPE, text=True)}
            runs.update({
                mode: subprocess.Popen([sys.executable, "-c", SAMPLER, mode, json.dumps(registry), str(args.seconds), store],
                                       stdout=subprocess.PIPE, text=True)
                for mode in ("sampler", "monitor")
            })
            results = {mode: json.loads(proc.communicate()[0]) for mode, proc in runs.items()}
    finally:
        endpoints.kill()
    expected = args.devices * args.seconds
    print(f"{args.devices} devices ({args.devices // 2 + args.devices % 2} tcp, {args.devices // 2} http) "
          f"every 1 s for {args.seconds:g} s; timeout 0.5 s")
    print(f"{'':10} {'CPU s':>7} {'% core':>7} {'samples':>8} {'late':>5} {'worst lateness':>15}")
    for mode, result in results.items():
        share = 100 * result["cpu"] / result["wall"]
        print(f"{mode:10} {result['cpu']:7.2f} {share:6.2f}% {result['samples']:8d} {result['late']:5d} "
              f"{result['max_lateness'] * 1000:12.1f} ms")
        if result["errors"]:
            print(f"  {mode} errors: {result['errors']}")
    monitor, sampler = results["monitor"], results["sampler"]
    print(f"monitor wrote {monitor['written']} events; expected about {expected:.0f} samples per process")
    print(f"sampler CPU / raw probes' CPU: {sampler['cpu'] / results['raw']['cpu']:.2f}")
    print(f"sampler CPU, % of one core: {100 * sampler['cpu'] / sampler['wall']:.2f}")


if __name__ == "__main__":
    main()
