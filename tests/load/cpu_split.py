#!/usr/bin/env python3
"""Whose CPU an intake (or a read) costs: the API process, PostgreSQL's backends, Redis and the
load generator, in CPU microseconds per request, read from /proc before and after a wrk run.
Two cores are shared by all of them, so the sum bounds the rate this machine can reach
(2,000,000 us of CPU a second / sum per request), whatever the concurrency.

    cpu_split.py postgres|sqlite [--seconds 20] [--connections 128] [--reads]

With `--statements` (PostgreSQL with pg_stat_statements loaded) it also prints the
statements by total time."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from pathlib import Path

import harness

HERE = Path(__file__).resolve().parent
HZ = os.sysconf("SC_CLK_TCK")


def program(pid: str, comm: str) -> str:
    """The program's name; PostgreSQL's processes split into the backends that answer clients
    and the background ones (autovacuum, checkpointer, WAL writer...), whose work after a storm
    is not the requests' own and would otherwise be counted as if it were."""
    if not comm.startswith("postgres"):
        return comm
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "postgres"
    is_backend = "127.0.0.1(" in title or "[local]" in title
    return "postgres" if is_backend else "postgres (background)"


def cpu_by_process() -> dict[str, tuple[str, int, int]]:
    """pid → (program name, clock ticks used so far, of which in the kernel) of every live process."""
    out: dict[str, tuple[str, int, int]] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (program(pid, comm), int(fields[11]) + int(fields[12]), int(fields[12]))
    return out


def used_between(before: dict[str, tuple[str, int, int]], after: dict[str, tuple[str, int, int]]) -> dict[str, float]:
    """CPU seconds per program name, from differences per process: a kernel worker renames
    itself with the work it does, so a sum by name taken twice would count a renamed one's whole
    life as used in between."""
    used: dict[str, float] = {}
    for pid, (name, ticks, kernel) in after.items():
        _, ticks_before, kernel_before = before.get(pid, (name, 0, 0))
        if ticks - ticks_before > 0:
            used[name] = used.get(name, 0.0) + (ticks - ticks_before) / HZ
            used[f"{name} (kernel)"] = used.get(f"{name} (kernel)", 0.0) + (kernel - kernel_before) / HZ
    return used


def wrk_with_cpu(script: str, base: str, seconds: int, connections: int, env: dict) -> tuple[dict, dict[str, float]]:
    """Runs wrk and returns its figures and the CPU seconds each program used meanwhile (wrk's
    own from its resource usage: it has exited when /proc is read again)."""
    before = cpu_by_process()
    start = time.monotonic()
    cmd = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(HERE / script), base]
    usage_before = os.times()
    out = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True, check=True)
    usage_after = os.times()
    used = used_between(before, cpu_by_process())
    used["wrk"] = (usage_after.children_user - usage_before.children_user) + (usage_after.children_system - usage_before.children_system)
    used["(wall)"] = time.monotonic() - start
    return json.loads([ln for ln in out.stdout.splitlines() if ln.startswith("{")][-1]), used


def report(title: str, figures: dict, used: dict[str, float]) -> None:
    n = max(figures["requests"], 1)
    wall = used.pop("(wall)")
    print(f"\n{title}: {figures['rate']:.0f}/s, p50 {figures['p50_us'] / 1000:.1f} ms, p99 {figures['p99_us'] / 1000:.1f} ms, "
          f"{n} requests in {wall:.1f} s")
    print("| program | CPU s | share of one core | CPU us per request | of which in the kernel |")
    print("|---|---|---|---|---|")
    total = 0.0
    programs = {k: v for k, v in used.items() if not k.endswith(" (kernel)")}
    for name, secs in sorted(programs.items(), key=lambda kv: -kv[1])[:6]:
        if secs < 0.05:
            continue
        total += secs
        kernel = used.get(f"{name} (kernel)")
        in_kernel = f"{kernel / n * 1e6:.0f}" if kernel is not None else "–"
        print(f"| {name} | {secs:.1f} | {100 * secs / wall:.0f} % | {secs / n * 1e6:.0f} | {in_kernel} |")
    print(f"| all of these | {total:.1f} | {100 * total / wall:.0f} % | {total / n * 1e6:.0f} |")
    print(f"\nat that CPU per request two cores give at most {2 * n / total:.0f} requests/s")


def statements(top: int) -> None:
    # Plans and plan time count only with pg_stat_statements.track_planning = on.
    sql = ("SELECT sum(calls), sum(plans), round(sum(total_exec_time)::numeric), round(sum(total_plan_time)::numeric), "
           "left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM pg_stat_statements GROUP BY 5 ORDER BY 3 DESC LIMIT " + str(top))
    print("\n| calls | plans | exec ms | plan ms | statement |\n|---|---|---|---|---|")
    for line in harness.psql(sql).splitlines():
        calls, plans, ex, plan, q = line.split("|", 4)
        print(f"| {calls} | {plans} | {ex} | {plan} | `{q}` |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("profile", choices=["postgres", "sqlite"])
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--connections", type=int, default=128)
    ap.add_argument("--reads", action="store_true", help="also the reads of bench.py after the intakes")
    ap.add_argument("--statements", action="store_true", help="PostgreSQL: top statements (needs pg_stat_statements)")
    args = ap.parse_args()
    db = harness.Database(args.profile, "split")
    server = harness.bench_server(db)
    try:
        server.start()
        key = harness.api_key(server.base)
        if args.statements:
            harness.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            harness.psql("SELECT pg_stat_statements_reset()")
        env = {"API_KEY": key, "BODIES": str(harness.bodies_file(db.tmp)), "RUN": f"c{int(time.time())}"}
        figures, used = wrk_with_cpu("intake.lua", server.base, args.seconds, args.connections, env)
        report(f"intake, {args.profile}, {args.connections} connections", figures, used)
        if args.statements:
            statements(12)
        if args.reads:
            ids = harness.prepare_reads(db)
            if args.statements:
                harness.psql("SELECT pg_stat_statements_reset()")
            figures, used = wrk_with_cpu("read.lua", server.base, args.seconds, args.connections, {"API_KEY": key, "IDS": str(ids)})
            report(f"reads, {args.profile}, {args.connections} connections", figures, used)
            if args.statements:
                statements(12)
    finally:
        server.stop()
        db.cleanup()


if __name__ == "__main__":
    main()
