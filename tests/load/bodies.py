#!/usr/bin/env python3
"""Intake bodies for the load tests: real citizen messages (../shared/data, TipDM 2020 Fujian
set, 4,326 messages) as JSON fragments, one per line, for wrk's Lua scripts and the Python
clients. Usage: bodies.py OUT_FILE"""
import csv
import json
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[3] / "shared/data/cn_gov_messages/tipdm2020_fujian3_unlabeled.csv"
DISTRICTS = ["鼓楼区", "台江区", "仓山区", "晋安区", "马尾区", "长乐区"]
CHANNELS = ["phone", "app", "web", "sms", "wechat"]
TYPES = ["complaint", "consultation", "help", "suggestion", "report"]


def main(out: str) -> None:
    lines = []
    with DATA.open(encoding="utf-8") as f:
        for i, row in enumerate(csv.DictReader(f)):
            title = (row["留言主题"] or "").strip()[:60]
            text = " ".join((row["留言详情"] or "").split())[:1000]
            if not text:
                continue
            fragment = {
                "channel": CHANNELS[i % len(CHANNELS)],
                "contact_type": TYPES[i % len(TYPES)],
                "title": title or None,
                "description": text,
                "district": DISTRICTS[i % len(DISTRICTS)],
                "address": f"{DISTRICTS[i % len(DISTRICTS)]}{row['留言编号']}号",
                "caller_name": "市民",
            }
            # The caller's phone and the idempotency marker are added per request.
            lines.append(json.dumps(fragment, ensure_ascii=False)[1:-1])
    Path(out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} bodies in {out}")


if __name__ == "__main__":
    main(sys.argv[1])
