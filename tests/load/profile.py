#!/usr/bin/env python3
"""Where an intake's CPU goes: the release hotline-api under `valgrind --tool=callgrind` while wrk
sends intakes, then the instructions per stored intake and the heaviest functions. Instruction
counts repeat from run to run and do not depend on what else the machine is doing, unlike
wall-clock figures (and `perf` cannot sample on this VM).

    profile.py postgres|sqlite [--seconds 60] [--connections 8] [--top 40]

Writes tests/load/out/callgrind-<profile>.txt (callgrind_annotate, inclusive) and the raw dump
callgrind-<profile>.out, and prints the
per-intake figure."""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from pathlib import Path

import harness

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("profile", choices=["postgres", "sqlite"])
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--top", type=int, default=40)
    args = ap.parse_args()
    db = harness.Database(args.profile, "profile")
    out_file = db.tmp / "callgrind.out"
    try:
        # Seed the demo city and mint a key at full speed first: argon2 and migrations under
        # valgrind would take minutes and are not what is measured.
        plain = harness.Server(db, "seed", {"HOTLINE_WORKER_EMBEDDED": "false"})
        plain.start()
        key = harness.api_key(plain.base)
        plain.stop()
        os.environ["HOTLINE_LOAD_WRAP"] = f"valgrind --tool=callgrind --callgrind-out-file={out_file} --dump-instr=no"
        server = harness.Server(db, "profiled", {"HOTLINE_WORKER_EMBEDDED": "false"})
        server.start(wait=False)
        server.wait_ready(timeout=600)
        del os.environ["HOTLINE_LOAD_WRAP"]
        before = int(db.query("SELECT count(*) FROM cases"))
        subprocess.run(["callgrind_control", "--zero", str(server.proc.pid)], check=True, capture_output=True)
        env = {**os.environ, "API_KEY": key, "BODIES": str(harness.bodies_file(db.tmp)), "RUN": f"p{int(time.time())}"}
        cmd = ["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "30s", "-s", str(HERE / "intake.lua"), server.base]
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        subprocess.run(["callgrind_control", "--dump", str(server.proc.pid)], check=True, capture_output=True)
        stored = int(db.query("SELECT count(*) FROM cases")) - before
        server.stop(timeout=120)
        dumps = sorted(db.tmp.glob("callgrind.out*"), key=lambda p: p.stat().st_mtime)
        dump = next(p for p in reversed(dumps) if p.stat().st_size > 0 and p.name != "callgrind.out")
        annotate = subprocess.run(["callgrind_annotate", "--inclusive=yes", str(dump)], capture_output=True, text=True, check=True).stdout
        total = next(int(ln.split()[0].replace(",", "")) for ln in annotate.splitlines() if "PROGRAM TOTALS" in ln)
        out = HERE / "out"
        out.mkdir(exist_ok=True)
        (out / f"callgrind-{args.profile}.txt").write_text(annotate)
        # The raw dump too, for `callgrind_annotate --tree=caller` or kcachegrind.
        (out / f"callgrind-{args.profile}.out").write_bytes(dump.read_bytes())
        print(f"{stored} intakes stored while profiled; {total:,} instructions in all; {total / max(stored, 1):,.0f} per intake")
        lines = [ln for ln in annotate.splitlines() if ln.strip() and ln.strip()[0].isdigit()]
        for ln in lines[: args.top]:
            print(ln[:200])
    finally:
        db.cleanup()


if __name__ == "__main__":
    main()
