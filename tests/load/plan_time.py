#!/usr/bin/env python3
"""What the partial indexes of migration 000052 cost the planner: planning time of the
integrator's filtered list page (the statement PostgreSQL plans afresh on every call), 250
plans each with the partial indexes and with the same indexes made full, twice over, on cases
stored by a short intake run. PostgreSQL only.

    plan_time.py"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import harness

HERE = Path(__file__).resolve().parent
db = harness.Database("postgres", "plantime")
server = harness.bench_server(db)
PARTIAL = [("ix_cases_lead_unit", "lead_unit_id, id", "lead_unit_id"), ("ix_cases_duplicate_of", "duplicate_of", "duplicate_of"),
           ("ix_cases_caller_phone_hash", "caller_phone_hash", "caller_phone_hash"), ("ix_cases_feedback_near_at", "feedback_near_at", "feedback_near_at"),
           ("ix_cases_feedback_due_at", "feedback_due_at", "feedback_due_at"), ("ix_cases_sign_due_at", "sign_due_at", "sign_due_at")]
try:
    server.start()
    key = harness.api_key(server.base)
    env = {**os.environ, "API_KEY": key, "BODIES": str(harness.bodies_file(db.tmp)), "RUN": f"e{int(time.time())}"}
    subprocess.run(["wrk", "-t2", "-c64", "-d10s", "-s", str(HERE / "intake.lua"), server.base], env=env, check=True, capture_output=True)
    server.stop()
    harness.prepare_reads(db)
    who = db.query("SELECT created_by FROM cases WHERE created_by IS NOT NULL LIMIT 1")
    q = f"EXPLAIN (SUMMARY) SELECT * FROM cases WHERE created_by = '{who}' AND status = 'received' AND district = '鼓楼区' ORDER BY id DESC LIMIT 21;"
    def plan_ms():
        out = harness.psql(q * 300, db.name)
        times = [float(x) for x in re.findall(r"Planning Time: ([0-9.]+) ms", out)]
        return sum(times[50:]) / len(times[50:])
    for rnd in range(2):
        partial = plan_ms()
        for name, cols, _ in PARTIAL:
            db.query(f"DROP INDEX {name}; CREATE INDEX {name} ON cases ({cols})")
        full = plan_ms()
        for name, cols, col in PARTIAL:
            db.query(f"DROP INDEX {name}; CREATE INDEX {name} ON cases ({cols}) WHERE {col} IS NOT NULL")
        print(f"round {rnd + 1}: planning the list page: partial indexes {partial * 1000:.0f} us, full indexes {full * 1000:.0f} us")
finally:
    server.stop()
    db.cleanup()
