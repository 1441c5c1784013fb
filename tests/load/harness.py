"""Shared parts of the load, durability and scale-out scripts: a real hotline-api process (release
build) on a database of its own (a fresh PostgreSQL database + Redis key prefix, or a SQLite
file in a temporary folder), the demo city, an integrator key, and direct reads of what the
database holds. Loopback only; everything made here is removed by `cleanup()`."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/hotline-target"))
PROFILE = os.environ.get("HOTLINE_LOAD_BUILD", "release")
PG = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/0"
PASSWORD = "load-test-password"
METRICS_TOKEN = "load-metrics-token-0123456789"


def binary(name: str = "hotline-api") -> Path:
    return TARGET / PROFILE / name


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(sql: str, db: str = "postgres") -> str:
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-AtX", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


class Database:
    """A database of the run's own: PostgreSQL (with a Redis key prefix) or a SQLite file."""

    def __init__(self, kind: str, name: str):
        self.kind = kind
        self.name = f"hotline_{name}_{os.getpid()}_{secrets.token_hex(3)}"
        self.tmp = Path(tempfile.mkdtemp(prefix="hotline-load-"))
        if kind == "postgres":
            psql(f"CREATE DATABASE {self.name}")
            self.url = f"{PG}/{self.name}"
            self.kv_prefix = f"{self.name}:"
        else:
            self.url = f"sqlite://{self.tmp}/hotline.db"
            self.kv_prefix = "hotline:"

    def env(self) -> dict:
        env = {"HOTLINE_DATABASE_URL": self.url}
        if self.kind == "postgres":
            env.update({"HOTLINE_REDIS_URL": REDIS, "HOTLINE_KV_PREFIX": self.kv_prefix})
        return env

    def query(self, sql: str) -> str:
        if self.kind == "postgres":
            return psql(sql, self.name)
        out = subprocess.run(["sqlite3", str(self.tmp / "hotline.db"), sql], check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def rows(self, sql: str) -> list[list[str]]:
        text = self.query(sql)
        return [line.split("|") for line in text.splitlines()] if text else []

    def cleanup(self) -> None:
        if self.kind == "postgres":
            try:
                psql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
            except subprocess.CalledProcessError:
                pass
            redis_cli("EVAL", "for _,k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end return 0", "0", f"{self.kv_prefix}*")
        subprocess.run(["rm", "-rf", str(self.tmp)], check=False)


def redis_cli(*args: str) -> str:
    out = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", *args], capture_output=True, text=True)
    return out.stdout.strip()


class Server:
    """One hotline-api (or hotline-worker) process on the database."""

    def __init__(self, db: Database, name: str = "api", extra: dict | None = None, program: str = "hotline-api"):
        self.db = db
        self.name = name
        self.program = program
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = db.tmp / f"{name}.log"
        self.extra = extra or {}
        self.proc: subprocess.Popen | None = None

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
        env.update(self.db.env())
        env.update({
            "HOTLINE_BIND": f"127.0.0.1:{self.port}",
            "HOTLINE_DEMO": "true",
            "HOTLINE_DEMO_PASSWORD": PASSWORD,
            "HOTLINE_LOG_LEVEL": os.environ.get("HOTLINE_LOAD_LOG", "warn"),
            # Shared by every process of a run (replicas must agree on both).
            "HOTLINE_JWT_KEYS": "load:" + "k" * 40,
            "HOTLINE_PII_KEY": "p" * 40,
            "HOTLINE_METRICS_TOKEN": METRICS_TOKEN,
        })
        env.update(self.extra)
        return env

    def start(self, wait: bool = True) -> "Server":
        log = open(self.log_path, "ab")
        # HOTLINE_LOAD_WRAP runs the server under a tool, e.g. "valgrind --tool=callgrind" (profiling).
        wrap = os.environ.get("HOTLINE_LOAD_WRAP", "").split()
        self.proc = subprocess.Popen([*wrap, str(binary(self.program))], env=self.env(), stdout=log, stderr=subprocess.STDOUT, cwd=self.db.tmp)
        if wait and self.program == "hotline-api":
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Seconds until /readyz answers 200."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.proc and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base}/readyz", timeout=2) as r:
                    if r.status == 200:
                        return time.monotonic() - start
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} not ready after {timeout} s:\n{self.log_tail()}")

    def metrics(self) -> dict[str, float]:
        """The samples of /metrics (the process counters a run compares), keyed by the name with
        its labels as exposed: `hotline_intake_batches_total`, `hotline_read_cache_hits_total{kind="case"}`."""
        req = urllib.request.Request(f"{self.base}/metrics", headers={"authorization": f"Bearer {METRICS_TOKEN}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            text = r.read().decode()
        samples = (ln.rsplit(" ", 1) for ln in text.splitlines() if ln and not ln.startswith("#"))
        return {parts[0]: float(parts[1]) for parts in samples if len(parts) == 2}

    def rss_mib(self) -> float:
        """The process's resident memory now, in MiB."""
        assert self.proc is not None
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        kb = next(int(ln.split()[1]) for ln in status.splitlines() if ln.startswith("VmRSS:"))
        return kb / 1024

    def kill9(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, then the exit code (SIGKILL after `timeout`)."""
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            return -9

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def call(base: str, method: str, path: str, token: str | None = None, body=None, headers: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def token(base: str, user: str) -> str:
    status, body = call(base, "POST", "/api/v1/auth/login", body={"username": user, "password": PASSWORD})
    assert status == 200, body
    return body["access_token"]


def api_key(base: str, tenant: str = "12345") -> str:
    """A new integrator key of `tenant` (made by the security administrator: 三员分立)."""
    status, body = call(base, "POST", f"/api/v1/tenants/{tenant}/api-keys", token(base, "security_admin"), {"name": f"load {secrets.token_hex(3)}"})
    assert status == 201, body
    return body["secret"]


def bodies_file(tmp: Path) -> Path:
    out = tmp / "bodies.txt"
    subprocess.run(["python3", str(ROOT / "tests/load/bodies.py"), str(out)], check=True, capture_output=True)
    return out


def load_bodies(tmp: Path) -> list[str]:
    return bodies_file(tmp).read_text(encoding="utf-8").splitlines()


def bench_server(db: Database) -> Server:
    """The API alone, as production runs it on PostgreSQL (the worker is a process of its own):
    the worker's passes after a storm (the hot-spot comparison of tens of thousands of new cases)
    would otherwise take one of the two cores from what is measured after it."""
    return Server(db, extra={"HOTLINE_DATABASE_MAX_CONNECTIONS": os.environ.get("HOTLINE_LOAD_POOL", "32"),
                             "HOTLINE_WORKER_EMBEDDED": "false"})


def prepare_reads(db: Database, n: int = 20000) -> Path:
    """Before a read run: table statistics as autovacuum would have them a minute after the
    storm (right after 60,000 inserts the planner still believes the table nearly empty and
    picks a bitmap scan over every case for a list page: 57 ms instead of 0.3 ms), and a file
    of the latest `n` case ids for read.lua."""
    if db.kind == "postgres":
        db.query("ANALYZE")
    ids = db.tmp / "ids.txt"
    ids.write_text("\n".join(recent_case_ids(db, n)) + "\n")
    return ids


def recent_case_ids(db: Database, n: int) -> list[str]:
    """The ids of the `n` latest cases (SQLite keeps a uuid as 16 bytes: read as hex)."""
    if db.kind == "postgres":
        return [r[0] for r in db.rows(f"SELECT id FROM cases ORDER BY created_at DESC LIMIT {n}")]
    sql = f"SELECT CASE WHEN typeof(id) = 'blob' THEN lower(hex(id)) ELSE id END FROM cases ORDER BY created_at DESC LIMIT {n}"
    ids = [r[0] for r in db.rows(sql)]
    return [f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}" if len(x) == 32 else x for x in ids]


def verify_stats(db: Database) -> tuple[int, str]:
    """`hotline-api verify-stats` on the database: (exit code, output). 0 = no drift."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(db.env())
    env.update({"HOTLINE_PII_KEY": "p" * 40, "HOTLINE_JWT_KEYS": "load:" + "k" * 40, "HOTLINE_LOG_LEVEL": "warn"})
    out = subprocess.run([str(binary()), "verify-stats"], env=env, capture_output=True, text=True, cwd=db.tmp)
    # stdout is the report; stderr the log (e.g. the startup's warning that the load runs as the
    # database owner, so row-level security does not apply to it).
    return out.returncode, (out.stdout.strip() or out.stderr.strip())
