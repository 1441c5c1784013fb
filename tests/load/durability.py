#!/usr/bin/env python3
"""Durability under failure, against a real hotline-api on loopback:

  postgres: kill -9 the API during an intake load, restart it, retry every unacknowledged
            request with its key; kill -9 PostgreSQL (postmaster and backends) during the load,
            restart it; an idempotency storm; the statistics drift check.
  sqlite:   kill -9 the API during writes at random moments, N times, with PRAGMA
            integrity_check after each; the same storm and drift check.

Every check fails the run (exit 1) on a lost acknowledged case or a duplicate.

    durability.py postgres|sqlite [--short]

Killing PostgreSQL stops it for everything on this machine for a few seconds: run it alone."""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import random
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

import harness
from client import Ledger, Outcome, make_body, run_load, send, settle

FAILURES: list[str] = []


def unsettled_summary(ledger: Ledger) -> str:
    left = ledger.unsettled()
    if not left:
        return "none left"
    return f"{len(left)} unsettled, statuses {dict(collections.Counter(o.status for o in left))}, e.g. {(left[0].answer or '')[:300]}"


def check(ok: bool, what: str) -> None:
    print(("ok - " if ok else "FAILED - ") + what, flush=True)
    if not ok:
        FAILURES.append(what)


def stored(db: harness.Database, prefix: str = "") -> list[tuple[str, str]]:
    """(request key, case id) of every case a load client made (the `[load:KEY]` marker)."""
    if db.kind == "postgres":
        sql = "SELECT substring(description from '\\[load:([^]]+)\\]$'), id FROM cases WHERE description LIKE '%[load:%'"
    else:
        sql = ("SELECT substr(description, instr(description, '[load:') + 6, length(description) - instr(description, '[load:') - 6), "
               "lower(hex(id)) FROM cases WHERE instr(description, '[load:') > 0")
    rows = db.rows(sql)
    if db.kind == "sqlite":
        # SQLite keeps UUIDs as 16 bytes; write them as the API does.
        rows = [[k, f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"] if len(h) == 32 else [k, h] for k, h in rows]
    return [(k, i) for k, i in rows if k.startswith(prefix)]


def verify(db: harness.Database, acked: dict[str, str], ledger: Ledger, what: str, prefix: str) -> dict:
    rows = stored(db, prefix)
    per_key = collections.Counter(k for k, _ in rows)
    ids = {i for _, i in rows}
    lost = [k for k, cid in acked.items() if cid not in ids]
    duplicates = sum(n - 1 for n in per_key.values() if n > 1)
    strangers = [k for k in per_key if k not in ledger.outcomes]
    report = {"acknowledged": len(acked), "stored": len(rows), "lost": len(lost), "duplicates": duplicates, "strangers": len(strangers)}
    check(not lost, f"{what}: 0 acknowledged cases lost ({len(acked)} acknowledged, {len(rows)} stored)")
    check(duplicates == 0, f"{what}: 0 duplicates")
    check(not strangers, f"{what}: every stored case is one of ours")
    return report


async def load_until(bases, key, templates, ledger, seconds, prefix, kill) -> tuple[dict, int]:
    """Runs the load, calls `kill()` after `seconds`, and returns the acknowledged cases at
    that moment and how many requests were then in doubt."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_load(bases, key, templates, ledger, stop, workers=32, prefix=prefix))
    await asyncio.sleep(seconds)
    await asyncio.get_running_loop().run_in_executor(None, kill)
    acked = dict(ledger.acked())
    await asyncio.sleep(0.5)
    stop.set()
    await task
    in_doubt = sum(1 for o in ledger.outcomes.values() if o.status is None)
    return acked, in_doubt


def api_kill(db, templates, short: bool) -> dict:
    server = harness.Server(db, "api").start()
    key = harness.api_key(server.base)
    ledger = Ledger()
    seconds = random.uniform(2, 4 if short else 10)
    acked, in_doubt = asyncio.run(load_until([server.base], key, templates, ledger, seconds, "apikill", server.kill9))
    server.start()
    asyncio.run(settle([server.base], key, ledger))
    check(not ledger.unsettled(), f"api kill -9: every request settled by retrying with its key ({in_doubt} were in doubt; {unsettled_summary(ledger)})")
    report = verify(db, ledger.acked(), ledger, "api kill -9", "apikill-")
    report.update({"acknowledged_before_kill": len(acked), "in_doubt": in_doubt, "killed_after_s": round(seconds, 2)})
    lost_at_kill = [k for k, cid in acked.items() if ledger.acked().get(k) != cid]
    check(not lost_at_kill, "api kill -9: every answer given before the kill still names the stored case")
    server.stop()
    return report


def kill_postgres() -> None:
    """kill -9 of the postmaster and every backend (all processes of the postgres user), as a
    crash of the database server would leave them."""
    subprocess.run(["pkill", "-9", "-u", "postgres"], check=False)
    while subprocess.run(["pgrep", "-u", "postgres"], capture_output=True).returncode == 0:
        time.sleep(0.05)


def restart_postgres() -> float:
    """Starts the cluster again (crash recovery) and returns the seconds until it accepts."""
    version = sorted(Path("/etc/postgresql").iterdir())[0].name
    start = time.monotonic()
    for attempt in range(20):
        done = subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], capture_output=True, text=True)
        if done.returncode == 0 or "already running" in done.stderr:
            break
        time.sleep(0.25)
    else:
        raise RuntimeError(f"PostgreSQL did not start again: {done.stderr}")
    while subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode != 0:
        time.sleep(0.1)
    return time.monotonic() - start


def postgres_kill(db, templates, short: bool) -> dict:
    server = harness.Server(db, "api").start()
    key = harness.api_key(server.base)
    ledger = Ledger()
    timing: dict = {}

    def kill() -> None:
        kill_postgres()
        timing["killed_at"] = time.monotonic()
        time.sleep(1.0)  # down for a moment, as a crashed server would be
        timing["postgres_start_s"] = restart_postgres()

    seconds = random.uniform(2, 4 if short else 10)
    acked, in_doubt = asyncio.run(load_until([server.base], key, templates, ledger, seconds, "pgkill", kill))

    async def first_success() -> float:
        async with aiohttp.ClientSession() as session:
            n = 0
            while True:
                n += 1
                o = Outcome(f"pgkill-probe-{n}", make_body(templates[0], f"pgkill-probe-{n}"))
                ledger.outcomes[o.key] = o
                await send(session, server.base, key, o, ledger)
                if o.status == 201:
                    return time.monotonic() - timing["killed_at"]
                await asyncio.sleep(0.1)

    recovery = asyncio.run(first_success())
    check(server.proc.poll() is None, "postgres kill -9: the API process stayed up")
    asyncio.run(settle([server.base], key, ledger))
    check(not ledger.unsettled(), f"postgres kill -9: every request settled ({in_doubt} were in doubt; {unsettled_summary(ledger)})")
    # While the database is away the service says so (503 unavailable, retry), never 500.
    errors = {s: n for s, n in ledger.statuses.items() if s >= 500}
    check(set(errors) <= {503}, f"postgres kill -9: the outage is answered 503, not another 5xx ({errors})")
    report = verify(db, ledger.acked(), ledger, "postgres kill -9", "pgkill-")
    report.update({"acknowledged_before_kill": len(acked), "in_doubt": in_doubt, "postgres_restart_s": round(timing["postgres_start_s"], 2),
                   "intake_recovered_after_kill_s": round(recovery, 2), "server_errors_during_outage": errors})
    server.stop()
    return report


def sqlite_kills(db, templates, rounds: int) -> dict:
    server = harness.Server(db, "api").start()
    key = harness.api_key(server.base)
    ledger = Ledger()
    acked: dict[str, str] = {}
    for r in range(rounds):
        if r:
            server.start()
        seconds = random.uniform(0.3, 2.5)
        at_kill, _ = asyncio.run(load_until([server.base], key, templates, ledger, seconds, f"sqlite{r}", server.kill9))
        acked.update(at_kill)
        integrity = db.query("PRAGMA integrity_check")
        check(integrity == "ok", f"sqlite kill -9 #{r + 1} after {seconds:.2f} s: integrity_check = {integrity}")
        ids = {i for _, i in stored(db)}
        missing = [k for k, cid in acked.items() if cid not in ids]
        check(not missing, f"sqlite kill -9 #{r + 1}: acknowledged ⊆ stored ({len(acked)} acknowledged so far)")
    server.start()
    asyncio.run(settle([server.base], key, ledger))
    check(not ledger.unsettled(), f"sqlite: every request settled after the last restart ({unsettled_summary(ledger)})")
    report = verify(db, ledger.acked(), ledger, "sqlite kills", "sqlite")
    report["rounds"] = rounds
    server.stop()
    return report


def storm(db, templates, keys: int) -> dict:
    """32 clients send each of `keys` keys 5 times, all at once."""
    server = harness.Server(db, "api").start()
    key = harness.api_key(server.base)
    sends = [(f"storm-{k}", make_body(templates[k % len(templates)], f"storm-{k}")) for k in range(keys)]
    plan = [s for s in sends for _ in range(5)]
    random.shuffle(plan)
    answers: dict[str, list[tuple[int | None, str | None]]] = collections.defaultdict(list)
    ledger = Ledger()

    async def go() -> None:
        queue: asyncio.Queue = asyncio.Queue()
        for item in plan:
            queue.put_nowait(item)

        async def client() -> None:
            async with aiohttp.ClientSession() as session:
                while not queue.empty():
                    k, body = queue.get_nowait()
                    o = Outcome(k, body)
                    await send(session, server.base, key, o, ledger, timeout=30)
                    answers[k].append((o.status, o.answer))
                    ledger.outcomes[k] = o

        await asyncio.gather(*(client() for _ in range(32)))

    asyncio.run(go())
    statuses = collections.Counter(s for a in answers.values() for s, _ in a)
    identical = all(len({a for _, a in got}) == 1 and all(s == 201 for s, _ in got) for got in answers.values())
    check(identical, f"storm: every key's 5 answers are 201 and byte-identical ({dict(statuses)})")
    per_key = collections.Counter(k for k, _ in stored(db, "storm-"))
    check(len(per_key) == keys and all(n == 1 for n in per_key.values()),
          f"storm: exactly {keys} cases for {keys} keys ({sum(per_key.values())} stored)")
    server.stop()
    return {"keys": keys, "sends": len(plan), "statuses": dict(statuses), "cases": sum(per_key.values())}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("profile", choices=["postgres", "sqlite"])
    ap.add_argument("--short", action="store_true", help="bounded counts for CI")
    args = ap.parse_args()
    db = harness.Database(args.profile, "durability")
    report: dict = {"profile": args.profile, "short": args.short, "date": time.strftime("%Y-%m-%d %H:%M")}
    try:
        templates = harness.load_bodies(db.tmp)
        if args.profile == "postgres":
            report["api_kill"] = api_kill(db, templates, args.short)
            report["postgres_kill"] = postgres_kill(db, templates, args.short)
        else:
            report["sqlite_kills"] = sqlite_kills(db, templates, 6 if args.short else 20)
        report["storm"] = storm(db, templates, 200 if args.short else 1000)
        code, out = harness.verify_stats(db)
        check(code == 0, f"drift check after all of the above: {out.splitlines()[-1] if out else code}")
        report["drift"] = out.splitlines()[-1] if out else code
    finally:
        db.cleanup()
    out_dir = Path(__file__).resolve().parent / "out"
    out_dir.mkdir(exist_ok=True)
    (out_dir / f"durability-{args.profile}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
