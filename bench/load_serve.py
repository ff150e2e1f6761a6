"""A bounded load test of `rexcheck serve`, on 127.0.0.1 only, against `rexcheck screen` on
the same file in the same run.

    python bench/load_serve.py [--cases 20000] [--seed 1] [--requests 2000] [--clients 4]
                               [--max-seconds 120]

1. Generates the bench population (bench/generate.py --cases N --seed S) into a temporary file.
2. `rexcheck screen FILE` (one process) on it: cases/s, wall time from start to exit.
3. For 1 and then 2 service workers (`rexcheck serve --workers W` on a free loopback port):
   - `POST /v1/check`: a fixed number of requests (cases of the population, one per request,
     as JSON) from a fixed number of client threads, each on its own keep-alive connection:
     p50 and p99 latency and requests/s;
   - `POST /v1/screen` with the whole population as one NDJSON stream (a thread sends while
     the main thread reads): cases/s, checked to give one result per record; with 2 workers
     also two streams at once (the population halved), total cases/s;
   - the memory of each worker (VmRSS and its peak, VmHWM) after each phase.
Every phase stops at its fixed count or at --max-seconds, whichever comes first; the script
sends nothing anywhere but 127.0.0.1 and stops the servers it started. Ends with one JSON
line of figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HOST = "127.0.0.1"  # never anything else
HERE = Path(__file__).resolve().parent
REXCHECK = str(Path(sys.executable).with_name("rexcheck"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def generate(cases: int, seed: int, path: Path) -> None:
    with open(path, "wb") as out:
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--cases", str(cases),
                        "--seed", str(seed)], stdout=out, check=True)


def cli_screen(path: Path) -> dict:
    """`rexcheck screen FILE > /dev/null`: wall time from start to exit, and CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(os.devnull, "wb") as out:
        done = subprocess.run([REXCHECK, "screen", str(path)], stdout=out,
                              stderr=subprocess.PIPE, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = json.loads(done.stderr.decode().strip().splitlines()[-1])["summary"]
    return {"seconds": round(seconds, 2), "cases": summary["results_out"],
            "cases_per_s": round(summary["results_out"] / seconds),
            "cpu_seconds": round(cpu, 2)}


class Service:
    def __init__(self, workers: int):
        self.port = free_port()
        self.process = subprocess.Popen(
            [REXCHECK, "serve", "--host", HOST, "--port", str(self.port), "--workers",
             str(workers), "--timeout", "120"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                c = http.client.HTTPConnection(HOST, self.port, timeout=2)
                c.request("GET", "/readyz")
                if c.getresponse().status == 200 and len(self.workers()) == workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit("rexcheck serve did not become ready")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            pids = [int(p) for p in children.read_text().split()]
        except OSError:
            return []
        return [p for p in pids if "spawn_main" in _cmdline(p)]  # uvicorn's workers

    def memory(self) -> list[dict]:
        """Per worker: its own resident memory and its engine process's (now, and peak)."""
        out = []
        for pid in self.workers():
            row = {}
            for name, p in (("worker", pid), *(("engine", c) for c in _children(pid))):
                status = Path(f"/proc/{p}/status").read_text()
                fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
                row[name] = {"rss_mib": round(int(fields["VmRSS"].split()[0]) / 1024, 1),
                             "peak_mib": round(int(fields["VmHWM"].split()[0]) / 1024, 1)}
            out.append(row)
        return out

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of every worker and engine process so far."""
        total = 0.0
        for pid in self.workers():
            for p in (pid, *_children(pid)):
                fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    except OSError:
        return ""


def load_check(port: int, bodies: list[bytes], requests: int, clients: int,
               max_seconds: float) -> dict:
    latencies: list[float] = []
    lock = threading.Lock()
    taken = iter(range(requests))
    deadline = time.monotonic() + max_seconds
    failures = []

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        conn.connect()  # as curl and urllib3 do: small writes go out at once
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while time.monotonic() < deadline:
            with lock:
                i = next(taken, None)
            if i is None:
                break
            body = bodies[i % len(bodies)]
            start = time.perf_counter()
            conn.request("POST", "/v1/check", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            took = time.perf_counter() - start
            with lock:
                latencies.append(took)
                if response.status not in (200, 422):
                    failures.append(response.status)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    latencies.sort()
    return {"requests": len(latencies), "clients": clients, "failures": len(failures),
            "seconds": round(seconds, 2),
            "requests_per_s": round(len(latencies) / seconds),
            "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p99_ms": round(latencies[min(len(latencies) - 1,
                                          int(len(latencies) * 0.99))] * 1000, 2)}


def stream(port: int, data: bytes, max_seconds: float) -> tuple[int, dict]:
    """POST /v1/screen with the data as the body, sent by a thread while this one reads;
    returns the result lines counted and the summary line."""
    sock = socket.create_connection((HOST, port))
    sock.settimeout(max_seconds)
    head = (f"POST /v1/screen HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/x-ndjson"
            f"\r\nContent-Length: {len(data)}\r\nConnection: close\r\n\r\n").encode()

    def send() -> None:
        sock.sendall(head)
        view = memoryview(data)
        for i in range(0, len(data), 1 << 16):
            sock.sendall(view[i:i + (1 << 16)])

    sender = threading.Thread(target=send)
    sender.start()
    received = bytearray()
    while chunk := sock.recv(1 << 20):
        received += chunk
    sender.join()
    sock.close()
    body = bytes(received).split(b"\r\n\r\n", 1)[1]
    lines = _dechunk(body).splitlines()
    return len(lines) - 1, json.loads(lines[-1])


def _dechunk(body: bytes) -> bytes:
    out, i = bytearray(), 0
    while True:
        end = body.index(b"\r\n", i)
        size = int(body[i:end], 16)
        if size == 0:
            return bytes(out)
        out += body[end + 2:end + 2 + size]
        i = end + 2 + size + 2


def load_screen(service: Service, path: Path, parts: int, max_seconds: float) -> dict:
    port = service.port
    cpu_before = service.cpu_seconds()
    lines = path.read_bytes().splitlines(keepends=True)
    share = -(-len(lines) // parts)
    bodies = [b"".join(lines[i:i + share]) for i in range(0, len(lines), share)]
    counts: list[int] = [0] * len(bodies)

    def one(k: int) -> None:
        counts[k], summary = stream(port, bodies[k], max_seconds)
        assert summary["summary"]["results_out"] == counts[k], summary

    threads = [threading.Thread(target=one, args=(k,)) for k in range(len(bodies))]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    assert sum(counts) == len(lines), (sum(counts), len(lines))
    return {"streams": len(bodies), "cases": sum(counts), "seconds": round(seconds, 2),
            "cases_per_s": round(sum(counts) / seconds),
            "cpu_seconds": round(service.cpu_seconds() - cpu_before, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--max-seconds", type=float, default=120)
    args = ap.parse_args()
    figures: dict = {"cases": args.cases, "seed": args.seed}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "population.jsonl"
        generate(args.cases, args.seed, path)
        bodies = path.read_bytes().splitlines()[:1000]
        figures["cli_screen"] = cli_screen(path)
        print(f"rexcheck screen (1 process): {figures['cli_screen']}", flush=True)
        for workers in (1, 2):
            service = Service(workers)
            try:
                phase: dict = {}
                phase["check"] = load_check(service.port, bodies, args.requests,
                                            args.clients, args.max_seconds)
                phase["memory_after_check"] = service.memory()
                phase["screen"] = load_screen(service, path, 1, args.max_seconds)
                phase["memory_after_screen"] = service.memory()
                phase["cli_screen_again"] = cli_screen(path)  # alternated: same conditions
                phase["screen_again"] = load_screen(service, path, 1, args.max_seconds)
                phase["memory_after_second_screen"] = service.memory()
                if workers > 1:
                    phase["screen_parallel"] = load_screen(service, path, workers,
                                                           args.max_seconds)
                    phase["memory_after_parallel"] = service.memory()
            finally:
                service.stop()
            figures[f"serve_{workers}_workers"] = phase
            for key, value in phase.items():
                print(f"serve --workers {workers}: {key}: {value}", flush=True)
    # the service's best of its two streams against the command line's best of its runs:
    # other work on the machine slows single runs by 20-50% at times
    served = max(figures[f"serve_{w}_workers"][k]["cases_per_s"] for w in (1, 2)
                 for k in ("screen", "screen_again"))
    cli = max([figures["cli_screen"]["cases_per_s"]] + [
        figures[f"serve_{w}_workers"]["cli_screen_again"]["cases_per_s"] for w in (1, 2)])
    figures["screen_vs_cli"] = round(served / cli, 3)
    cpu_cli = figures["cli_screen"]["cpu_seconds"]
    cpu_served = figures["serve_1_workers"]["screen"]["cpu_seconds"]
    figures["screen_vs_cli_cpu"] = round(cpu_cli / cpu_served, 3)
    print(f"/v1/screen / rexcheck screen, one stream on one worker: cases/s {served} / "
          f"{cli} = {figures['screen_vs_cli']}; CPU seconds {cpu_served} / {cpu_cli}")
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
