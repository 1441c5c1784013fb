#!/usr/bin/env python3
"""Where an intake's CPU goes: the release hotline-api under `valgrind --tool=callgrind` while wrk
sends intakes, then the instructions per stored intake and the heaviest functions. Instruction
counts repeat from run to run and do not depend on what else the machine is doing, unlike
wall-clock figures (and `perf` cannot sample on this VM).

    profile.py postgres|sqlite [--seconds 60] [--connections 8] [--top 40] [--reads]

With `--reads` it profiles read.lua (a case by id, and a filtered list page in four) over cases
stored at full speed before, and gives the instructions per read.

Writes tests/load/out/callgrind-<profile>.txt (callgrind_annotate, inclusive) and the raw dump
callgrind-<profile>.out, and prints the
per-intake figure."""

from __future__ import annotations

import argparse
import json
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
    ap.add_argument("--reads", action="store_true", help="profile reads instead of intakes")
    args = ap.parse_args()
    db = harness.Database(args.profile, "profile")
    out_file = db.tmp / "callgrind.out"
    try:
        # Seed the demo city and mint a key at full speed first: argon2 and migrations under
        # valgrind would take minutes and are not what is measured.
        plain = harness.Server(db, "seed", {"HOTLINE_WORKER_EMBEDDED": "false"})
        plain.start()
        key = harness.api_key(plain.base)
        bodies = {"API_KEY": key, "BODIES": str(harness.bodies_file(db.tmp)), "RUN": f"p{int(time.time())}"}
        if args.reads:
            # Cases to read, stored at full speed.
            seed = ["wrk", "-t2", "-c32", "-d10s", "--timeout", "30s", "-s", str(HERE / "intake.lua"), plain.base]
            subprocess.run(seed, env={**os.environ, **bodies, "RUN": bodies["RUN"] + "s"}, check=True, capture_output=True)
            ids = harness.prepare_reads(db)
        plain.stop()
        os.environ["HOTLINE_LOAD_WRAP"] = f"valgrind --tool=callgrind --callgrind-out-file={out_file} --dump-instr=no"
        server = harness.Server(db, "profiled", {"HOTLINE_WORKER_EMBEDDED": "false"})
        server.start(wait=False)
        server.wait_ready(timeout=600)
        del os.environ["HOTLINE_LOAD_WRAP"]
        before = int(db.query("SELECT count(*) FROM cases"))
        subprocess.run(["callgrind_control", "--zero", str(server.proc.pid)], check=True, capture_output=True)
        env = {**os.environ, **bodies, **({"IDS": str(ids)} if args.reads else {})}
        script = "read.lua" if args.reads else "intake.lua"
        cmd = ["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "30s", "-s", str(HERE / script), server.base]
        ran = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
        requests = json.loads([ln for ln in ran.stdout.splitlines() if ln.startswith("{")][-1])["requests"]
        subprocess.run(["callgrind_control", "--dump", str(server.proc.pid)], check=True, capture_output=True)
        stored = int(db.query("SELECT count(*) FROM cases")) - before
        server.stop(timeout=120)
        dumps = sorted(db.tmp.glob("callgrind.out*"), key=lambda p: p.stat().st_mtime)
        dump = next(p for p in reversed(dumps) if p.stat().st_size > 0 and p.name != "callgrind.out")
        annotate = subprocess.run(["callgrind_annotate", "--inclusive=yes", str(dump)], capture_output=True, text=True, check=True).stdout
        total = next(int(ln.split()[0].replace(",", "")) for ln in annotate.splitlines() if "PROGRAM TOTALS" in ln)
        out = HERE / "out"
        out.mkdir(exist_ok=True)
        name = f"callgrind-{args.profile}{'-reads' if args.reads else ''}"
        (out / f"{name}.txt").write_text(annotate)
        # The raw dump too, for `callgrind_annotate --tree=caller` or kcachegrind.
        (out / f"{name}.out").write_bytes(dump.read_bytes())
        if args.reads:
            print(f"{requests} reads while profiled; {total:,} instructions in all; {total / max(requests, 1):,.0f} per read")
        else:
            print(f"{stored} intakes stored while profiled; {total:,} instructions in all; {total / max(stored, 1):,.0f} per intake")
        lines = [ln for ln in annotate.splitlines() if ln.strip() and ln.strip()[0].isdigit()]
        for ln in lines[: args.top]:
            print(ln[:200])
    finally:
        db.cleanup()


if __name__ == "__main__":
    main()
