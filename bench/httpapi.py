"""Figure 2 (HTTP API throughput and latency) and figure 6 (API worker memory over many requests).

Clients are threads in this process talking to a gunicorn server over loopback, one fresh connection per
request (sync workers close after each response). Each client works its own loop case, so concurrent clients
never contend for one case row. Each cell runs several timed rounds; ops/s is the median round rate.
"""
from __future__ import annotations

import threading
import time

from bench.env import LOOP, OFFICER, UNIT, Backend
from bench.server import Server, cpu_seconds, login, request, rss_kib
from bench.stats import Result, latency_result, median

OPS = ("start", "claim+complete", "complete")
BODY = {"data": {"done": False}}


class Client:
    """One simulated user session working its own loop case."""

    def __init__(self, port: int, token: str):
        self.port, self.token, self.task_id, self.case_id = port, token, None, None

    def call(self, method: str, path: str, body=None, expect=(200,)):
        return request(self.port, method, path, body, self.token, expect)[1]

    def start(self) -> None:
        case = self.call("POST", "/api/v1/cases", {"procedure": LOOP, "unit": UNIT, "data": {"done": False}},
                         expect=(201,))
        self.case_id, self.task_id = case["id"], case["tasks"][0]["id"]

    def run(self, op: str) -> None:
        if op == "health":
            request(self.port, "GET", "/health", expect=(200,))
        elif op == "start":
            self.start()
        elif op == "claim+complete":
            self.call("POST", f"/api/v1/tasks/{self.task_id}/claim")
            self._complete()
        elif op == "complete":
            self._complete()
        elif op == "inbox":
            self.call("GET", "/api/v1/tasks/claimable?per_page=50")
        elif op == "case":
            self.call("GET", f"/api/v1/cases/{self.case_id}")
        else:
            raise ValueError(op)

    def _complete(self) -> None:
        self.task_id = self.call("POST", f"/api/v1/tasks/{self.task_id}/complete", BODY)["next_tasks"][0]["id"]


def timed_round(port: int, token: str, op: str, clients: int, seconds: float,
                server_pids: list[int] | None = None) -> tuple[list[float], float, float]:
    """All clients repeat ``op`` for ``seconds``; returns every op's latency, the round's ops/s and the server
    CPU seconds spent on the setup (each client starting its case)."""
    workers = [Client(port, token) for _ in range(clients)]
    before = cpu_seconds(server_pids or [])
    for c in workers:
        c.start()
    setup_cpu = cpu_seconds(server_pids or []) - before
    lat: list[list[float]] = [[] for _ in workers]
    spans: list[tuple[float, float]] = [(0.0, 0.0)] * clients
    errors: list[BaseException] = []
    barrier = threading.Barrier(clients)

    def work(i: int) -> None:
        try:
            barrier.wait()
            begin = time.perf_counter()
            end = begin + seconds
            now = begin
            while now < end:
                workers[i].run(op)
                after = time.perf_counter()
                lat[i].append(after - now)
                now = after
            spans[i] = (begin, now)
        except BaseException as exc:  # reported after join
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    samples = [x for per in lat for x in per]
    wall = max(e for _, e in spans) - min(b for b, _ in spans)
    return samples, len(samples) / wall, setup_cpu


def cell(port: int, token: str, op: str, clients: int, rounds: int, seconds: float,
         workers: list[int] | None = None) -> tuple[list[float], list, float | None]:
    """Timed rounds of ``op``; also the server workers' CPU (utime + stime) per operation, in ms.

    The CPU figure covers the timed operations only: each round's setup (starting the clients' cases) is
    measured apart and subtracted."""
    samples, rates, cpu = [], [], 0.0
    for _ in range(rounds):
        before = cpu_seconds(workers or [])
        s, rate, setup_cpu = timed_round(port, token, op, clients, seconds, workers)
        cpu += cpu_seconds(workers or []) - before - setup_cpu
        samples += s
        rates.append(rate)
    per_op = round(1000 * cpu / len(samples), 2) if workers and samples else None
    return samples, rates, per_op


def http_backend(backend: Backend, quick: bool) -> list[Result]:
    rounds, seconds = (1, 0.2) if quick else (3, 1.0)
    results = []
    for workers in ((2,) if quick else (1, 2)):
        with Server(backend.url, workers) as srv:
            token = login(srv.port, OFFICER)
            pids = srv.worker_pids()
            for clients in (1, 4):
                _s, health_rates, health_cpu = cell(srv.port, token, "health", clients, rounds, seconds / 2, pids)
                health = median(health_rates)
                for op in OPS:
                    samples, rates, cpu = cell(srv.port, token, op, clients, rounds, seconds, pids)
                    r = latency_result("http", op, samples, rates, backend=backend.name,
                                       config=f"{workers} worker{'s' * (workers > 1)} × {clients} client"
                                              f"{'s' * (clients > 1)}",
                                       ratio=round(median(rates) / health, 3), ratio_to="GET /health rate",
                                       value=f"server CPU {cpu} ms/op" if cpu is not None else None,
                                       detail={"health_rate": round(health, 1), "requests": len(samples),
                                               "server_cpu_ms_per_op": cpu, "health_cpu_ms_per_op": health_cpu})
                    _target(r, backend.name, op, workers, clients)
                    results.append(r)
    return results


def _target(r: Result, backend: str, op: str, workers: int, clients: int) -> None:
    if backend != "postgresql" or op != "complete":
        return
    if workers == 2 and clients == 4:
        cpu = r.detail.get("server_cpu_ms_per_op")
        r.target = "≥ 300 ops/s; server CPU ≤ 8 ms/op"
        r.met = r.rate >= 300 and cpu is not None and cpu <= 8
    elif clients == 1:
        r.target, r.met = "p50 ≤ 5 ms", r.p50_ms <= 5


def run_http(backends: list[Backend], quick: bool) -> list[Result]:
    return [r for b in backends for r in http_backend(b, quick)]


# ---------------------------------------------------------------- figure 6: memory

MIX = ("complete", "inbox", "case", "inbox", "case")   # per cycle: a completion, inbox pages of 50, case details


def run_memory(backends: list[Backend], quick: bool) -> list[Result]:
    """One worker, two clients, 10,000 requests of a realistic mix; RSS of the worker sampled as it goes."""
    backend = next((b for b in backends if b.name == "postgresql"), backends[0])
    total, every, warm = (60, 15, 30) if quick else (10_000, 500, 2_000)
    with Server(backend.url, 1) as srv:
        pid = srv.worker_pids()[0]
        token = login(srv.port, OFFICER)
        start_rss = rss_kib(pid)
        samples = [(0, start_rss)]
        done = 0
        lock = threading.Lock()
        errors: list[BaseException] = []

        def work() -> None:
            nonlocal done
            client = Client(srv.port, token)
            try:
                client.start()
                while True:
                    for op in MIX:
                        client.run(op)
                    with lock:
                        done += len(MIX)
                        if done // every != (done - len(MIX)) // every:
                            samples.append((done, rss_kib(pid)))
                        if done >= total:
                            return
            except BaseException as exc:
                errors.append(exc)

        t0 = time.perf_counter()
        threads = [threading.Thread(target=work) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - t0
        if errors:
            raise errors[0]
        samples.append((done, rss_kib(pid)))
    warm_rss = next(rss for n, rss in samples if n >= warm)
    end_rss = samples[-1][1]
    growth = (end_rss - warm_rss) / warm_rss
    return [Result("memory", f"API worker RSS after {done:,} requests", backend.name, config="1 worker × 2 clients",
                   rate=round(done / seconds, 1), ratio=round(end_rss / warm_rss, 3),
                   ratio_to=f"RSS after {warm:,} requests",
                   value=f"start {start_rss / 1024:.1f} MiB, after {warm:,} {warm_rss / 1024:.1f} MiB, "
                         f"end {end_rss / 1024:.1f} MiB",
                   target="flat after warm-up (< 5 % growth)", met=growth < 0.05,
                   detail={"samples_kib": samples, "mix": MIX})]
