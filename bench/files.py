"""Evidence uploads and documents: upload throughput through a real gunicorn worker, the worker's memory while
a 200 MB video streams in (it must stay flat: the body goes to disk as it arrives), and the time to issue a
行政处罚决定书 (number, render with WeasyPrint + CJK fonts, store, hash into the log).

Full run only: ``--quick`` skips it (a gunicorn start and font loading would cost more than the quick budget).
"""
from __future__ import annotations

import http.client
import os
import tempfile
import threading
import time

from bench.env import OFFICER, UNIT, Backend
from bench.server import Server, login, request, rss_kib
from bench.stats import Result, latency_result, median
from engine.config import ROOT
from engine.db import transaction
from engine.deploy import deploy_directory

MB = 1024 * 1024
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


def _case_with_task(port: int, token: str) -> str:
    _s, case = request(port, "POST", "/api/v1/cases", {"procedure": "simple_procedure", "unit": UNIT,
                       "data": {"cause": "占道经营", "place": "城南路", "lead_found_on": "2026-03-02"},
                       "party": {"kind": "person", "name": "王小明", "id_number": "11010519491231002X"}},
                       token=token, expect=(201,))
    return case["tasks"][0]["id"]


def _upload(port: int, token: str, task_id: str, size: int, chunk: int = MB) -> tuple[int, float]:
    """Stream ``size`` bytes of an MP4-looking body; returns (status, seconds)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    t0 = time.perf_counter()
    conn.putrequest("POST", f"/api/v1/tasks/{task_id}/attachments?filename=video.mp4")
    conn.putheader("Authorization", f"Bearer {token}")
    conn.putheader("Content-Type", "application/octet-stream")
    conn.putheader("Content-Length", str(size))
    conn.endheaders()
    block = os.urandom(chunk)
    sent = 0
    first = MP4_HEAD + block[len(MP4_HEAD):]
    while sent < size:
        piece = (first if sent == 0 else block)[: size - sent]
        conn.send(piece)
        sent += len(piece)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.status, time.perf_counter() - t0


def run_files(backends: list[Backend], quick: bool) -> list[Result]:
    if quick:
        return []
    backend = next((b for b in backends if b.name == "postgresql"), backends[0])
    with transaction(backend.sessions) as session:  # bench/env deploys only bench/data
        deploy_directory(session, ROOT / "processes", deployed_by="bench")
    size = 200 * MB
    results = []
    store = tempfile.mkdtemp(prefix="zhifa-bench-files-")
    old = os.environ.get("ZHIFA_ATTACHMENTS_DIR")
    os.environ["ZHIFA_ATTACHMENTS_DIR"] = store
    try:
        with Server(backend.url, 1) as srv:
            pid = srv.worker_pids()[0]
            token = login(srv.port, OFFICER)
            task = _case_with_task(srv.port, token)
            _upload(srv.port, token, task, MB)  # warm-up (imports, first write)
            start_rss = rss_kib(pid)
            samples, stop = [start_rss], threading.Event()

            def sample():
                while not stop.is_set():
                    samples.append(rss_kib(pid))
                    time.sleep(0.05)
            sampler = threading.Thread(target=sample)
            sampler.start()
            status, seconds = _upload(srv.port, token, task, size)
            stop.set()
            sampler.join()
            if status != 201:
                raise RuntimeError(f"upload answered {status}")
            peak = max(s for s in samples if s)
            results.append(Result("files", f"upload {size // MB} MB video (streamed)", backend.name,
                                  config="1 worker", rate=round(size / MB / seconds, 1),
                                  value=f"{size / MB / seconds:.0f} MB/s; worker RSS start {start_rss / 1024:.0f} MiB, "
                                        f"peak {peak / 1024:.0f} MiB (+{(peak - start_rss) / 1024:.0f} MiB)",
                                  target="flat memory (< 32 MiB growth)", met=(peak - start_rss) < 32 * 1024,
                                  detail={"rss_kib": samples[:: max(1, len(samples) // 50)]}))
        results.append(_documents(backend, 20))
    finally:
        if old is None:
            os.environ.pop("ZHIFA_ATTACHMENTS_DIR", None)
        else:
            os.environ["ZHIFA_ATTACHMENTS_DIR"] = old
    return results


def _documents(backend: Backend, n: int) -> Result:
    """Issue ``n`` 决定书 on one case (allocate the number, render, store, log), one transaction each."""
    from engine import cases, documents
    data = {"cause": "未经许可占道经营", "facts": "当事人在人行道上摆摊经营", "lead_found_on": "2026-03-02",
            "place": "城南街道人民路", "source": "patrol"}
    with transaction(backend.sessions) as s:
        case = cases.start_case(s, backend.actor(), "ordinary_procedure", UNIT, data,
                                party={"kind": "person", "name": "王小明", "id_number": "11010519491231002X"})
        case_id = case.id
    letter = dict(data, facts_found="当事人于2026年3月2日在城南街道人民路人行道上摆摊经营", decided_fine=2000,
                  legal_basis="《城市市容和环境卫生管理条例》第十四条", decided_on="2026-04-08",
                  decision_basis="《城市市容和环境卫生管理条例》第三十六条", evidence_summary="现场照片、询问笔录")
    latencies = []
    os.environ["ZHIFA_DOCUMENTS"] = "on"
    for _ in range(n + 1):
        t0 = time.perf_counter()
        with transaction(backend.sessions) as s:
            from engine.models import Case
            documents.issue(s, s.get(Case, case_id), "decision_letter", dict(letter, party=s.get(
                Case, case_id).data.get("party")))
        latencies.append(time.perf_counter() - t0)
    latencies = latencies[1:]  # the first one loads fonts
    r = latency_result("files", "issue a 行政处罚决定书 (number + PDF + store + log)", latencies,
                       backend=backend.name, config=f"{n} documents")
    r.target, r.met = "p50 ≤ 300 ms", median(latencies) <= 0.3
    return r

