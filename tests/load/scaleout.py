#!/usr/bin/env python3
"""Scale-out on one machine, the proof that replicas share nothing but PostgreSQL and Redis: two
hotline-api processes (worker not embedded) and two hotline-worker processes on one database.

  1. intake load through both APIs at once (wrk, one per API);
  2. a rule published through one API is used by the other within a second (Redis pub/sub);
  3. every deadline crossing of many cases is handled exactly once although two workers sweep;
  4. a rolling restart of every process (SIGTERM, start, ready) under load: no 5xx, nothing
     lost, nothing doubled.

    scaleout.py [--short]      (PostgreSQL + Redis on 127.0.0.1; exit 1 on any failed check)"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import harness
from client import Ledger, run_load, settle

HERE = Path(__file__).resolve().parent
FAILURES: list[str] = []


def check(ok: bool, what: str) -> None:
    print(("ok - " if ok else "FAILED - ") + what, flush=True)
    if not ok:
        FAILURES.append(what)


def both_loads(apis, key, bodies: Path, seconds: int) -> dict:
    """wrk against each API at once; the sum is the platform's rate."""
    procs = []
    for i, api in enumerate(apis):
        env = {**os.environ, "API_KEY": key, "BODIES": str(bodies), "RUN": f"scale{i}-{int(time.time())}"}
        cmd = ["wrk", "-t1", "-c64", f"-d{seconds}s", "--timeout", "10s", "-s", str(HERE / "intake.lua"), api.base]
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = []
    for p in procs:
        out, err = p.communicate()
        results.append(json.loads([ln for ln in out.splitlines() if ln.startswith("{")][-1]))
    total = sum(r["rate"] for r in results)
    non2xx = sum(r["non_201"] for r in results)
    check(non2xx == 0 and all(r["socket_errors"] == 0 for r in results), f"load through both APIs: {total:.0f} cases/s, 0 non-2xx")
    return {"per_api": results, "total_rate": total}


def rule_propagation(a, b, rounds: int) -> dict:
    admin_a, admin_b = harness.token(a.base, "admin_12319"), harness.token(b.base, "admin_12319")
    status, units = harness.call(a.base, "GET", "/api/v1/tenants/12319/units?limit=200", admin_a)
    by_name = {u["name"]: u["id"] for u in units["items"]}
    targets = [by_name["园林绿化处"], by_name["市政设施管理处"]]
    case = {"channel": "phone", "contact_type": "complaint", "description": "扩容测试：量子井盖需要处理。", "district": "鼓楼区"}
    delays = []
    for r in range(rounds):
        unit = targets[r % 2]
        rules = [{"name": f"扩容测试{r}", "event": "case_received", "priority": 99, "conditions": {"kw": ["量子井盖"]},
                  "actions": [{"type": "route_to_unit", "unit": unit}], "stop": True}]
        status, draft = harness.call(a.base, "POST", "/api/v1/tenants/12319/rule-sets", admin_a, {"rules": rules})
        assert status == 201, draft
        status, body = harness.call(a.base, "POST", f"/api/v1/tenants/12319/rule-sets/{draft['id']}/publish", admin_a)
        assert status == 200, body
        published = time.monotonic()
        while True:
            status, d = harness.call(b.base, "POST", "/api/v1/routing/simulate", admin_b, {"case": case})
            if status == 200 and d.get("lead_unit") == unit:
                delays.append(time.monotonic() - published)
                break
            if time.monotonic() - published > 5:
                delays.append(float("inf"))
                break
            time.sleep(0.01)
    worst = max(delays)
    check(worst < 1.0, f"a rule published on one API is used by the other within a second (worst {worst * 1000:.0f} ms of {rounds})")
    return {"rounds": rounds, "delays_ms": [round(d * 1000, 1) for d in delays]}


def deadlines_once(db, a, workers, cases: int) -> dict:
    """Sign-for within 1 minute, feedback within 2: two workers sweep every second. The cases are
    taken by the front door (12345), so its policy applies (a line's own policy covers the cases
    the line takes itself)."""
    admin = harness.token(a.base, "admin_12319")
    city_admin = harness.token(a.base, "city_admin")
    # An override beats the defaults at the same specificity (DOMAIN.md), so it names the
    # urgency and contact type of the cases below.
    entries = [{"urgency": "general", "stage": "sign", "limit": {"natural_minutes": 1}},
               {"urgency": "general", "contact_type": "complaint", "stage": "feedback", "limit": {"natural_minutes": 2}}]
    status, body = harness.call(a.base, "PUT", "/api/v1/tenants/12345/sla-policy", city_admin, {"entries": entries})
    assert status == 200, body
    agent, dispatcher = harness.token(a.base, "agent"), harness.token(a.base, "dispatcher")
    status, units = harness.call(a.base, "GET", "/api/v1/tenants/12319/units?limit=200", admin)
    unit = next(u["id"] for u in units["items"] if u["name"] == "市容环境卫生处")
    ids = []
    for i in range(cases):
        status, r = harness.call(a.base, "POST", "/api/v1/cases", agent,
                                 {"channel": "phone", "contact_type": "complaint", "description": f"扩容测试时限第{i}件：垃圾未清运。"})
        assert status == 201, r
        status, d = harness.call(a.base, "POST", f"/api/v1/cases/{r['case_id']}/dispatch", dispatcher, {"lead_unit_id": unit})
        assert status == 200, d
        ids.append(r["case_id"])
        if i == 0:
            print(f"first case: sign due {d.get('sign_due_at')}, feedback due {d.get('feedback_due_at')}", flush=True)
    expected = {
        ("supervise", "督办: the case was not signed for in time"),
        ("remind", "催办: the feedback deadline is near"),
        ("supervise", "督办: the feedback deadline has passed"),
    }
    id_list = ",".join(f"'{i}'" for i in ids)

    def observe():
        rows = db.rows(f"SELECT case_id, action, reason FROM case_events WHERE case_id IN ({id_list}) AND action IN ('remind', 'supervise')")
        per = collections.Counter((c, action, reason) for c, action, reason in rows)
        return rows, per, all({(a_, r) for c_, a_, r in per if c_ == c} == expected for c in ids)

    # The feedback limit is two real minutes (the smallest a policy takes), so the last crossing
    # comes about 120 s after dispatch: poll until every case has all three, at most 150 s.
    give_up = time.monotonic() + 150
    rows, per, complete = observe()
    while not complete and time.monotonic() < give_up:
        time.sleep(1)
        rows, per, complete = observe()
    time.sleep(5)  # an observation window of five more sweeps: nothing may be added twice
    rows, per, complete = observe()
    kinds = collections.Counter((action, reason) for _, action, reason in rows)
    twice = [k for k, n in per.items() if n > 1]
    check(not twice, f"deadline crossings with two workers: none handled twice ({len(rows)} events for {cases} cases)")
    check(complete, f"deadline crossings: every case got its sign-for supervision, reminder and feedback supervision ({dict(kinds)})")
    if not complete:
        for w in workers:
            print(f"--- {w.name} log tail:\n{w.log_tail()}", flush=True)
    return {"cases": cases, "events": len(rows), "handled_twice": len(twice)}


def rolling_restart(db, processes, key, templates) -> dict:
    """Restarts every process in turn (SIGTERM, start, ready) while a client loads both APIs."""
    apis = [p for p in processes if p.program == "hotline-api"]
    ledger = Ledger()
    exits = {}

    async def run() -> None:
        stop = asyncio.Event()
        load = asyncio.create_task(run_load([a.base for a in apis], key, templates, ledger, stop, workers=24, prefix="rolling"))
        await asyncio.sleep(2)
        for p in processes:
            exits[p.name] = await asyncio.get_running_loop().run_in_executor(None, p.stop)
            await asyncio.get_running_loop().run_in_executor(None, p.start)
            if p.program == "hotline-api":
                await asyncio.get_running_loop().run_in_executor(None, p.wait_ready)
            await asyncio.sleep(1)
        stop.set()
        await load
        await settle([a.base for a in apis], key, ledger)

    asyncio.run(run())
    check(ledger.server_errors() == 0, f"rolling restart: no 5xx ({dict(ledger.statuses)})")
    check(all(code == 0 for code in exits.values()), f"rolling restart: every process exited cleanly on SIGTERM ({exits})")
    check(not ledger.unsettled(), "rolling restart: every request settled")
    rows = db.rows("SELECT substring(description from '\\[load:([^]]+)\\]$'), id FROM cases WHERE description LIKE '%[load:rolling-%'")
    per_key = collections.Counter(k for k, _ in rows)
    ids = {i for _, i in rows}
    lost = [k for k, cid in ledger.acked().items() if cid not in ids]
    check(not lost and all(n == 1 for n in per_key.values()), f"rolling restart: 0 lost, 0 duplicates ({len(ledger.acked())} acknowledged)")
    return {"acknowledged": len(ledger.acked()), "statuses": dict(ledger.statuses), "exits": exits}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--short", action="store_true")
    args = ap.parse_args()
    db = harness.Database("postgres", "scaleout")
    common = {"HOTLINE_WORKER_EMBEDDED": "false", "HOTLINE_SWEEP_INTERVAL": "1s"}
    a = harness.Server(db, "api-a", common)
    b = harness.Server(db, "api-b", common)
    w1 = harness.Server(db, "worker-1", common, program="hotline-worker")
    w2 = harness.Server(db, "worker-2", common, program="hotline-worker")
    report: dict = {"date": time.strftime("%Y-%m-%d %H:%M"), "short": args.short}
    try:
        a.start()  # seeds the demo city; the others find it there
        b.start()
        w1.start()
        w2.start()
        key = harness.api_key(a.base)
        report["load"] = both_loads([a, b], key, harness.bodies_file(db.tmp), 10 if args.short else 60)
        report["rules"] = rule_propagation(a, b, 3 if args.short else 10)
        report["deadlines"] = deadlines_once(db, a, [w1, w2], 30 if args.short else 200)
        report["rolling"] = rolling_restart(db, [a, b, w1, w2], key, harness.load_bodies(db.tmp))
        code, out = harness.verify_stats(db)
        check(code == 0, f"drift check: {out.splitlines()[-1] if out else code}")
    finally:
        for p in (a, b, w1, w2):
            p.stop()
        db.cleanup()
    out_dir = HERE / "out"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "scaleout.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
