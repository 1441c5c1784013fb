#!/usr/bin/env python3
"""How long another API process answers with what it kept after a change: the read cache's
window between a commit and the arrival of its notice (hotline-core `read_cache`).

Two hotline-api processes (release build) on one PostgreSQL database. For each of N cases,
process B reads the case (so it keeps it), a dispatcher accepts it through process A, and as
soon as A has answered, B is asked again and again until it shows the change. The window is
the time from A's answer to B's first fresh answer (an upper bound: it includes one read of
B). Measured idle, then while a wrk intake storm (128 connections) runs against A. The time
A's step takes is reported too: with the cache it includes A's wait for its own notice.

    staleness.py [--cases 300] [--no-cache]

Prints a JSON line per phase with p50, p99 and max in milliseconds, and how many of B's
answers after A's were stale."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import time
from pathlib import Path

import harness

HERE = Path(__file__).resolve().parent


class Client:
    """One keep-alive HTTP connection to a process (urllib would open one per request)."""

    def __init__(self, base: str, token: str):
        host, port = base.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)
        self.headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}

    def send(self, method: str, path: str, body=None) -> tuple[int, dict]:
        self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=self.headers)
        res = self.conn.getresponse()
        return res.status, json.loads(res.read() or b"null")


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(p / 100 * len(s)))]


def phase(a: Client, b: Client, ids: list[str]) -> dict:
    windows, steps, stale = [], [], 0
    for case in ids:
        status, body = b.send("GET", f"/api/v1/cases/{case}")
        assert status == 200 and body["status"] == "received", body
        b.send("GET", f"/api/v1/cases/{case}")  # now kept by B
        asked = time.perf_counter()
        status, body = a.send("POST", f"/api/v1/cases/{case}/accept", {"urgency": "general"})
        assert status == 200, body
        answered = time.perf_counter()
        steps.append((answered - asked) * 1000)
        while True:
            status, body = b.send("GET", f"/api/v1/cases/{case}")
            assert status == 200, body
            if body["status"] == "accepted":
                break
            stale += 1
            if time.perf_counter() - answered > 10:
                raise RuntimeError(f"B still shows {case} as received 10 s after A's answer")
        windows.append((time.perf_counter() - answered) * 1000)
    return {"cases": len(ids), "stale_answers": stale, "p50_ms": round(percentile(windows, 50), 2),
            "p99_ms": round(percentile(windows, 99), 2), "max_ms": round(max(windows), 2),
            # The step itself, as A's caller waits for it (it includes A's wait for its own notice).
            "step_p50_ms": round(percentile(steps, 50), 2), "step_p99_ms": round(percentile(steps, 99), 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=300)
    ap.add_argument("--no-cache", action="store_true", help="both processes with the read cache off (the steps' cost without it)")
    args = ap.parse_args()
    db = harness.Database("postgres", "stale")
    off = {"HOTLINE_READ_CACHE_CASES": "0", "HOTLINE_READ_CACHE_PAGES": "0"} if args.no_cache else {}
    a = harness.bench_server(db)
    a.extra.update(off)
    servers = [a, harness.Server(db, name="api-b", extra={"HOTLINE_WORKER_EMBEDDED": "false", "HOTLINE_RUN_MIGRATIONS": "false", **off})]
    try:
        servers[0].start()
        servers[1].start()
        token = harness.token(servers[0].base, "dispatcher")
        a, b = Client(servers[0].base, token), Client(servers[1].base, token)
        ids = []
        for n in range(2 * args.cases):
            status, body = a.send("POST", "/api/v1/cases", {"channel": "phone", "contact_type": "complaint", "description": f"路灯不亮 {n}",
                                                            "address": "鼓楼区东街口", "district": "鼓楼区"})
            assert status == 201, body
            ids.append(body["case_id"])
        out = {"idle": phase(a, b, ids[: args.cases])}
        key = harness.api_key(servers[0].base)
        env = {"API_KEY": key, "BODIES": str(harness.bodies_file(db.tmp)), "RUN": f"s{int(time.time())}"}
        storm = subprocess.Popen(["wrk", "-t2", "-c128", "-d120s", "-s", str(HERE / "intake.lua"), servers[0].base],
                                 env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            # Measure once the storm's batches flow.
            first = servers[0].metrics().get("hotline_intake_batches_total", 0.0)
            while servers[0].metrics().get("hotline_intake_batches_total", 0.0) < first + 20:
                time.sleep(0.05)
            out["during_intake_storm"] = phase(a, b, ids[args.cases:])
            out["during_intake_storm"]["batches_meanwhile"] = servers[0].metrics().get("hotline_intake_batches_total", 0.0) - first
        finally:
            storm.terminate()
            storm.wait()
        print(json.dumps(out))
    finally:
        for s in servers:
            s.stop()
        db.cleanup()


if __name__ == "__main__":
    main()
