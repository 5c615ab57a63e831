"""Issue 3: what the audit log costs.

1. The cost an audit row adds to a request: the partner API's NIK lookup through the
   whole Django stack (in-process test client, production settings, full register),
   median latency with the real audit row vs with the row's write switched off.
2. `adminduk audit verify` over a chain of 1,000,000 rows (real SHA-256 chain, written
   by a bulk equivalent of `record()` that computes every hash), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from bench.common import BENCH_VAR, PG_ADMIN_URL, ROOT, postgres_env, sqlite_env

TITLE = "Issue 3 — audit log"
CHAIN_ROWS = int(os.environ.get("ADMINDUK_BENCH_AUDIT_ROWS", "1000000"))

COST = r"""
import django, os, json, random, statistics, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adminduk.settings")
django.setup()
from django.test import Client
from adminduk.accounts.models import ApiToken, Role, User
from adminduk.accounts.tokens import issue_token, revoke_token
import contextlib
from adminduk.audit.actions import Meter
from adminduk.registry import api, api_queries
niks = open(os.environ["ADMINDUK_NIK_FILE"]).read().split()
user = User.objects.filter(username="bench.audit").first()
if user is None:
    user = User(username="bench.audit", role=Role.DINAS, area_id="31", institution="benchmark")
    user.set_unusable_password(); user.save()
for old in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
    revoke_token(old.prefix, reason="benchmark berikutnya")
_, secret = issue_token(user, institution="benchmark", name="bench", scopes=["registry.read"],
                        fields=["nik", "name"], rate_limit_per_minute=1_000_000)
client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_X_PURPOSE="uji biaya audit")
real_record, real_counted = api_queries.record, api.counted_call
def no_audit(*args, **kwargs):
    return None
@contextlib.contextmanager
def not_counted(principal, **kwargs):
    # Without the audit row there is no transaction to count the call in either (on
    # PostgreSQL the count and the row are one statement): the no-audit mode also skips
    # the count, so the figure over-states the row's cost by the count's.
    meter = Meter(window_start=None, limit=principal.rate_limit_per_minute, read_access=True, refusal={})
    meter.within_limit = True
    yield meter
samples = {"with": [], "without": []}
rnd = random.Random(1)
for block in range(40):
    for mode in ("with", "without"):
        api_queries.record = real_record if mode == "with" else no_audit
        api.counted_call = real_counted if mode == "with" else not_counted
        for _ in range(50):
            nik = rnd.choice(niks)
            t = time.perf_counter()
            r = client.get(f"/api/registry/persons/{nik}")
            elapsed = time.perf_counter() - t
            assert r.status_code == 200, r.content
            if block >= 4:  # the first blocks warm connections and caches
                samples[mode].append(elapsed)
print(json.dumps({k: statistics.median(v) * 1000 for k, v in samples.items()}))
"""

GENERATE = r"""
import django, os, datetime as dt, io, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adminduk.settings")
django.setup()
from django.db import connection, transaction
from adminduk.audit.actions import GENESIS_HASH, entry_hash
N = int(os.environ["ADMINDUK_AUDIT_ROWS"])
base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
actions = ["person.read", "person.read", "person.read", "family.read", "person.verify", "person.update"]
roles = ["kelurahan", "kecamatan", "sudin", "dinas"]
purposes = ["pelayanan KK", "pelayanan KTP-el", "verifikasi data", "pemutakhiran data"]
cols = ("id", "seq", "at", "user_id_ref", "username", "role", "action", "object_type", "niks", "query", "row_count",
        "purpose", "ip", "token_prefix", "prev_hash", "hash")
def rows():
    prev = GENESIS_HASH
    for i in range(1, N + 1):
        nik = f"3171{(i * 7919) % 10**12:012d}"
        f = {"seq": i, "at": base + dt.timedelta(milliseconds=25 * i), "user_id_ref": 1 + i % 500,
             "username": f"petugas{i % 500}", "role": roles[i % 4], "action": actions[i % 6], "object_type": "person",
             "niks": nik, "query": "", "row_count": 1, "purpose": purposes[i % 4], "ip": f"10.0.{i % 200}.{i % 250}",
             "token_prefix": ""}
        h = entry_hash(f, prev)
        yield (i, i, f["at"], f["user_id_ref"], f["username"], f["role"], f["action"], "person", nik, "", 1,
               f["purpose"], f["ip"], "", prev, h), (i, nik)
        prev = h
t = time.perf_counter()
with transaction.atomic():
    if connection.vendor == "postgresql":
        raw = connection.connection
        with raw.cursor() as cur:
            with cur.copy(f"COPY audit_auditentry ({', '.join(cols)}) FROM STDIN") as copy_e:
                subjects = []
                for entry, subject in rows():
                    copy_e.write_row(entry)
                    subjects.append(subject)
            with cur.copy("COPY audit_auditsubject (entry_id, nik) FROM STDIN") as copy_s:
                for s in subjects:
                    copy_s.write_row(s)
    else:
        with connection.cursor() as cur:
            batch, subjects = [], []
            sql = f"INSERT INTO audit_auditentry ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
            for entry, subject in rows():
                batch.append(entry[:2] + (connection.ops.adapt_datetimefield_value(entry[2]),) + entry[3:])
                subjects.append(subject)
                if len(batch) == 20000:
                    cur.executemany(sql, batch); batch = []
            if batch:
                cur.executemany(sql, batch)
            cur.executemany("INSERT INTO audit_auditsubject (entry_id, nik) VALUES (%s, %s)", subjects)
print(f"generated {N} rows in {time.perf_counter() - t:.1f} s", flush=True)
"""


def _child(code: str, env: dict) -> str:
    return subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout


def _adminduk(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "adminduk", *args], env={**os.environ, **env}, cwd=ROOT,
                          capture_output=True, text=True)


def chain_env(vendor: str, rows: int) -> dict:
    """A database holding only a generated audit chain of `rows` rows (built once)."""
    marker = BENCH_VAR / f"audit-chain-{vendor}-{rows}.loaded"
    if vendor == "sqlite":
        path = BENCH_VAR / f"audit-chain-{rows}.sqlite3"
        env = {"ADMINDUK_SQLITE_PATH": str(path), "DATABASE_URL": ""}
    else:
        name = f"adminduk_bench_audit_{rows}"
        env = {"DATABASE_URL": f"{PG_ADMIN_URL}/{name}"}
    if not marker.exists():
        BENCH_VAR.mkdir(parents=True, exist_ok=True)
        if vendor == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                (BENCH_VAR / f"audit-chain-{rows}.sqlite3{suffix}").unlink(missing_ok=True)
        else:
            subprocess.run(["psql", f"{PG_ADMIN_URL}/test", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                           check=True)
            subprocess.run(["psql", f"{PG_ADMIN_URL}/test", "-qc", f"CREATE DATABASE {name}"], check=True)
        _adminduk(env, "migrate", "-v", "0").check_returncode()
        print(_child(GENERATE, {**env, "ADMINDUK_AUDIT_ROWS": str(rows)}), end="", flush=True)
        marker.touch()
    return env


def run(scale: int, rec) -> None:
    from bench.bench_api import sample_niks

    niks = sample_niks(scale)
    for label, env_of in (("SQLite", sqlite_env), ("PostgreSQL", postgres_env)):
        env = {**env_of(scale), "ADMINDUK_NIK_FILE": str(niks), "ADMINDUK_ALLOWED_HOSTS": "testserver",
               "ADMINDUK_LOG_LEVEL": "ERROR"}
        medians = json.loads(_child(COST, env).strip().splitlines()[-1])
        added = medians["with"] - medians["without"]
        rec.figure(f"API lookup, {label}: median without the audit row", medians["without"], "ms")
        rec.figure(f"API lookup, {label}: median with the audit row", medians["with"], "ms")
        rec.figure(f"audit row adds to a request, {label} (median)", added, "ms", "≤ 2", added <= 2)
    for label, vendor in (("SQLite", "sqlite"), ("PostgreSQL", "postgresql")):
        env = chain_env(vendor, CHAIN_ROWS)
        start = time.perf_counter()
        proc = _adminduk(env, "audit", "verify", "--no-save")
        wall = time.perf_counter() - start
        print(proc.stdout, proc.stderr, flush=True)
        if proc.returncode != 0:
            raise RuntimeError(f"audit verify failed on {label}: {proc.stderr.strip()}")
        rec.figure(f"`adminduk audit verify`, {CHAIN_ROWS:,} rows, {label}", wall, "s", "≤ 30", wall <= 30)
    rec.note("Cost of the audit row: 1,800 requests per mode through the Django stack in-process (test client, "
             "production settings, full register), alternating blocks of 50 with and without the row's write "
             "(`registry.api_queries.record` replaced by a no-op, and the rate count with it: both are one "
             "statement on PostgreSQL); medians. The row includes the rate count, the chain lock, the head read, "
             "the hash and two inserts, committed.")
    rec.note(f"verify: wall time of the command (process start included) over a generated chain of {CHAIN_ROWS:,} "
             "rows with one NIK each; hashes computed exactly as `record()` does; the NIK index is checked too.")
