#!/usr/bin/env python3
"""Intake and read throughput of a real hotline-api (release build) with wrk on loopback, beside
the ceiling the same disk and database give a plain insert per commit in the same run.

    bench.py postgres|sqlite [--seconds 60] [--connections 128]

Prints a Markdown table (for docs/BENCHMARKS.md) and writes the figures as JSON to
tests/load/out/bench-<profile>.json."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import harness

HERE = Path(__file__).resolve().parent


def wrk(script: str, base: str, seconds: int, connections: int, threads: int, env: dict) -> dict:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(HERE / script), base]
    out = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True, check=True)
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("{")][-1]
    result = json.loads(line)
    if out.stderr.strip():
        result["stderr"] = out.stderr.strip()[:1000]
    return result


def pg_ceiling(seconds: int, clients: int) -> dict:
    """pgbench: one INSERT of a row the size of an intake's writes (~4 KB) per transaction."""
    db = harness.Database("postgres", "ceiling")
    try:
        db.query("CREATE TABLE intake_like (id uuid PRIMARY KEY, payload text NOT NULL)")
        script = Path(db.tmp) / "insert.sql"
        script.write_text("INSERT INTO intake_like VALUES (gen_random_uuid(), repeat('市民来电反映', 220));\n")
        out = subprocess.run(["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-n", "-c", str(clients), "-j", "2", "-T", str(seconds),
                              "-f", str(script), db.name], capture_output=True, text=True, check=True)
        tps = next(float(ln.split("=")[1].split()[0]) for ln in out.stdout.splitlines() if ln.startswith("tps"))
        latency = next((float(ln.split("=")[1].split()[0]) for ln in out.stdout.splitlines() if ln.startswith("latency average")), None)
        return {"tool": f"pgbench -c {clients} -j 2, one 4 KB INSERT per commit", "per_second": tps, "latency_ms": latency}
    finally:
        db.cleanup()


def sqlite_ceiling(seconds: int) -> dict:
    """One 4 KB insert per commit with the service's pragmas (WAL, synchronous=FULL)."""
    with tempfile.TemporaryDirectory() as tmp:
        con = sqlite3.connect(Path(tmp) / "c.db", isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=FULL")
        con.execute("CREATE TABLE intake_like (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
        payload = "市民来电反映" * 220
        n, start = 0, time.monotonic()
        while time.monotonic() - start < seconds:
            con.execute("BEGIN")
            con.execute("INSERT INTO intake_like (payload) VALUES (?)", (payload,))
            con.execute("COMMIT")
            n += 1
        return {"tool": "python sqlite3, one 4 KB INSERT per commit (WAL, synchronous=FULL)", "per_second": n / (time.monotonic() - start)}


def writer(before: dict, after: dict, seconds: float) -> dict:
    """The intake writer during the run: mean intakes per group commit, and the share of the
    run it was writing (near 1: group commit is the limit; well below: requests are)."""
    moved = lambda name: after.get(name, 0.0) - before.get(name, 0.0)  # noqa: E731
    batches = moved("hotline_intake_batches_total")
    return {"batches": batches, "mean_batch": moved("hotline_intake_batched_total") / batches if batches else 0.0,
            "busy_share": moved("hotline_intake_writer_busy_seconds_total") / seconds}


def cache_use(before: dict, after: dict) -> dict:
    """Hits and misses of the read cache between two scrapes, by kind (case, page)."""
    out = {}
    for kind in ("case", "page"):
        moved = {w: after.get(f'hotline_read_cache_{w}_total{{kind="{kind}"}}', 0.0) - before.get(f'hotline_read_cache_{w}_total{{kind="{kind}"}}', 0.0)
                 for w in ("hits", "misses")}
        asked = moved["hits"] + moved["misses"]
        out[kind] = {**moved, "hit_rate": moved["hits"] / asked if asked else 0.0}
    return out


def machine() -> dict:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("model name")), "?")
    commit = subprocess.run(["git", "-C", str(harness.ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(), "date": time.strftime("%Y-%m-%d"), "commit": commit}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("profile", choices=["postgres", "sqlite"])
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--connections", type=int, default=128)
    args = ap.parse_args()
    figures: dict = {"machine": machine(), "profile": args.profile, "seconds": args.seconds, "connections": args.connections}

    if args.profile == "postgres":
        max_conn = int(harness.psql("SHOW max_connections"))
        clients = min(args.connections, max_conn - 10)
        figures["ceiling"] = pg_ceiling(min(args.seconds, 30), clients)
    else:
        figures["ceiling"] = sqlite_ceiling(min(args.seconds, 15))

    db = harness.Database(args.profile, "bench")
    server = harness.bench_server(db)
    try:
        server.start()
        key = harness.api_key(server.base)
        env = {"API_KEY": key, "BODIES": str(harness.bodies_file(db.tmp)), "RUN": f"r{int(time.time())}"}
        figures["idle"] = wrk("intake.lua", server.base, min(args.seconds, 20), 1, 1, {**env, "RUN": env["RUN"] + "i"})
        before = server.metrics()
        figures["intake"] = wrk("intake.lua", server.base, args.seconds, args.connections, 2, env)
        figures["writer"] = writer(before, server.metrics(), figures["intake"]["seconds"])
        stored = int(db.query("SELECT count(*) FROM cases"))
        figures["stored_cases"] = stored
        ids = harness.prepare_reads(db)
        read_env = {"API_KEY": key, "IDS": str(ids)}
        before = server.metrics()
        figures["reads"] = wrk("read.lua", server.base, min(args.seconds, 30), args.connections, 2, read_env)
        figures["read_cache"] = cache_use(before, server.metrics())
        # The run above begins with nothing kept (it includes the reads that fill the cache);
        # the same reads again show the steady state.
        before = server.metrics()
        figures["reads_warm"] = wrk("read.lua", server.base, min(args.seconds, 20), args.connections, 2, read_env)
        figures["read_cache_warm"] = cache_use(before, server.metrics())
        figures["rss_mib_after_reads"] = server.rss_mib()
        # The same reads while another system (a key of its own) takes in contacts one after
        # another: each intake's notice makes the city-wide pages stale, not the reading key's
        # pages (they show what that key brought in); case reads stay kept (an intake changes
        # no existing case).
        other = {**env, "API_KEY": harness.api_key(server.base), "RUN": env["RUN"] + "w"}
        before = server.metrics()
        with ThreadPoolExecutor(2) as pool:
            writes = pool.submit(wrk, "intake.lua", server.base, min(args.seconds, 20), 1, 1, other)
            reads = pool.submit(wrk, "read.lua", server.base, min(args.seconds, 20), args.connections, 2, read_env)
            figures["reads_during_intake"], figures["intake_beside_reads"] = reads.result(), writes.result()
        figures["read_cache_during_intake"] = cache_use(before, server.metrics())
        figures["drift_exit"], figures["drift"] = harness.verify_stats(db)
    finally:
        server.stop()
        db.cleanup()

    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / f"bench-{args.profile}.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    i, r, c, idle = figures["intake"], figures["reads"], figures["ceiling"], figures["idle"]
    ms = lambda us: f"{us / 1000:.1f}"  # noqa: E731
    print(f"\n{figures['machine']}\n")
    print("| what | figure | p50 ms | p99 ms | non-2xx | ceiling in the same run |")
    print("|---|---|---|---|---|---|")
    print(f"| intake, {args.profile}, {args.connections} connections, {args.seconds} s | {i['rate']:.0f} cases/s "
          f"| {ms(i['p50_us'])} | {ms(i['p99_us'])} | {i['non_201']} | {c['per_second']:.0f}/s ({c['tool']}): "
          f"{100 * i['rate'] / c['per_second']:.0f} % of it |")
    print(f"| single intake, idle | {idle['rate']:.0f} req/s sequential | {ms(idle['p50_us'])} | {ms(idle['p99_us'])} | {idle['non_201']} | — |")
    print(f"| GET case by id + filtered list (1 in 4), first 30 s after the storm | {r['rate']:.0f} req/s | {ms(r['p50_us'])} | {ms(r['p99_us'])} | {r['non_200']} | — |")
    rw = figures["reads_warm"]
    print(f"| the same reads again (read cache warm) | {rw['rate']:.0f} req/s | {ms(rw['p50_us'])} | {ms(rw['p99_us'])} | {rw['non_200']} | — |")
    rd, wi = figures["reads_during_intake"], figures["intake_beside_reads"]
    print(f"| the same reads beside another key taking in contacts on one connection | {rd['rate']:.0f} req/s (intake {wi['rate']:.0f}/s) "
          f"| {ms(rd['p50_us'])} | {ms(rd['p99_us'])} | {rd['non_200']} (intake {wi['non_201']}) | — |")
    rate = lambda use, kind: f"{100 * use[kind]['hit_rate']:.1f} %"  # noqa: E731
    rc, rcw, rci = figures["read_cache"], figures["read_cache_warm"], figures["read_cache_during_intake"]
    print(f"\nread cache hit rate (cases, pages): first reads {rate(rc, 'case')}, {rate(rc, 'page')}; again {rate(rcw, 'case')}, "
          f"{rate(rcw, 'page')}; beside the intake {rate(rci, 'case')}, {rate(rci, 'page')}; "
          f"API resident memory after the reads: {figures['rss_mib_after_reads']:.0f} MiB")
    w = figures["writer"]
    print(f"\nstored cases: {figures['stored_cases']}; drift check exit {figures['drift_exit']}; intake writer: "
          f"{w['batches']:.0f} batches of {w['mean_batch']:.1f} intakes on average, writing {100 * w['busy_share']:.0f} % of the run")


if __name__ == "__main__":
    main()
