"""An intake client that remembers every request: its Idempotency-Key, its body (which carries
the key as a marker, so a stored case can be traced to its request) and what came back —
acknowledged (201 with the case), refused (an HTTP status), or in doubt (the connection broke
or timed out: the case may or may not be stored). Retrying the unacknowledged with the same key
and body must settle every one of them with no duplicate."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from dataclasses import dataclass, field

import aiohttp


@dataclass
class Outcome:
    key: str
    body: str
    # None: in doubt (sent, then the connection broke or timed out); 0: never reached a server.
    status: int | None = None
    case_id: str | None = None
    answer: str | None = None


@dataclass
class Ledger:
    """Every key sent and its latest outcome."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    in_doubt_events: int = 0

    def acked(self) -> dict[str, str]:
        return {k: o.case_id for k, o in self.outcomes.items() if o.status == 201 and o.case_id}

    def unsettled(self) -> list[Outcome]:
        return [o for o in self.outcomes.values() if o.status != 201]

    def server_errors(self) -> int:
        return sum(n for s, n in self.statuses.items() if s >= 500)


def make_body(template: str, key: str) -> str:
    # The marker ends the description: `[load:KEY]` identifies the request in the database.
    data = json.loads("{" + template + "}")
    data["description"] = f"{data['description'][:900]} [load:{key}]"
    data["caller_phone"] = f"139{random.randrange(10**8):08d}"
    return json.dumps(data, ensure_ascii=False)


async def send(session: aiohttp.ClientSession, base: str, api_key: str, o: Outcome, ledger: Ledger, timeout: float = 10.0) -> None:
    headers = {"content-type": "application/json", "x-api-key": api_key, "idempotency-key": o.key}
    try:
        async with session.post(f"{base}/api/v1/cases", data=o.body.encode(), headers=headers,
                                timeout=aiohttp.ClientTimeout(total=timeout)) as r:
            text = await r.text()
            o.status = r.status
            ledger.statuses[r.status] = ledger.statuses.get(r.status, 0) + 1
            o.answer = text
            if r.status == 201:
                o.case_id = json.loads(text)["case_id"]
    except aiohttp.ClientConnectorError:
        o.status = 0
    except (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError, OSError):
        o.status = None
        ledger.in_doubt_events += 1


async def run_load(bases: list[str], api_key: str, templates: list[str], ledger: Ledger, stop: asyncio.Event,
                   workers: int = 32, prefix: str = "k", on_refused=None) -> None:
    """Sends new keyed intakes from `workers` concurrent clients until `stop` is set, spreading
    them over `bases` (a connection that fails moves the next request to another base, as a
    load balancer does)."""
    counter = itertools.count()

    async def worker(w: int) -> None:
        async with aiohttp.ClientSession() as session:
            while not stop.is_set():
                n = next(counter)
                key = f"{prefix}-{n}"
                o = Outcome(key, make_body(templates[n % len(templates)], key))
                ledger.outcomes[key] = o
                await send(session, bases[(n + w) % len(bases)], api_key, o, ledger)
                if not o.status:
                    await asyncio.sleep(0.05)

    await asyncio.gather(*(worker(w) for w in range(workers)))


async def settle(bases: list[str], api_key: str, ledger: Ledger, deadline_s: float = 120.0) -> None:
    """Retries every unacknowledged request with its own key and body until each is answered
    201 (or the deadline passes)."""
    start = time.monotonic()
    async with aiohttp.ClientSession() as session:
        while ledger.unsettled() and time.monotonic() - start < deadline_s:
            pending = ledger.unsettled()
            sem = asyncio.Semaphore(16)

            async def one(i: int, o: Outcome) -> None:
                async with sem:
                    await send(session, bases[i % len(bases)], api_key, o, ledger)

            await asyncio.gather(*(one(i, o) for i, o in enumerate(pending)))
            if ledger.unsettled():
                await asyncio.sleep(0.5)
