"""Issue 3: NIK lookup over the partner API, served by granian, on the full register.

Load: wrk (Debian's `wrk`, C, event loop) from a separate process on loopback, with a
Lua script that picks a random NIK from 20,000 real ones for each request. Each request
is the real thing: bearer token check, scope, the person read, the rate count (a
database upsert) and the call's audit row appended to the hash chain, atomically
(PostgreSQL: one statement, `adminduk_api_call`; SQLite: one IMMEDIATE transaction).
Server: granian (WSGI; one worker per core, one blocking thread each, HTTP keep-alive),
production settings (DEBUG off), persistent database connections; docs/API.md says why
not gunicorn. SQLite and PostgreSQL, each with the full register loaded.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import BENCH_VAR, ROOT, dataset, postgres_env, sqlite_env

TITLE = "Issue 3 — API and audit"
WORKERS = int(os.environ.get("ADMINDUK_BENCH_WORKERS", "2"))
CONNECTIONS = int(os.environ.get("ADMINDUK_BENCH_CONNECTIONS", "4"))
DURATION = int(os.environ.get("ADMINDUK_BENCH_SECONDS", "20"))
PORT = 8771

LUA = r"""
local niks = {}
for line in io.lines(os.getenv("ADMINDUK_NIK_FILE")) do niks[#niks + 1] = line end
local token = os.getenv("ADMINDUK_TOKEN")
local counter = 0
function setup(thread) counter = counter + 1; thread:set("seed", counter) end
function init(args) math.randomseed(os.time() * 1000 + (seed or 0)) end
request = function()
  local nik = niks[math.random(#niks)]
  return wrk.format("GET", "/api/registry/persons/" .. nik,
                    {["Authorization"] = "Bearer " .. token, ["X-Purpose"] = "uji beban API"})
end
"""

SETUP_TOKEN = r"""
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adminduk.settings")
django.setup()
from adminduk.accounts.models import ApiToken, Role, User
from adminduk.accounts.tokens import issue_token, revoke_token
from adminduk.regions.loading import load_regions
from django.db import connection
if connection.vendor == "postgresql":
    # A register loaded before the loader ran ANALYZE has no statistics: the planner then
    # picks a parallel scan for a NIK lookup. Production runs autovacuum; give it that state.
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'registry_person' "
                    "AND last_analyze IS NULL AND last_autoanalyze IS NULL")
        if cur.fetchone()[0]:
            cur.execute("ANALYZE registry_family, registry_person")
user = User.objects.filter(username="bench.api").first()
if user is None:
    user = User(username="bench.api", role=Role.DINAS, area_id="31", institution="benchmark")
    user.set_unusable_password()
    user.save()
for old in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
    revoke_token(old.prefix, reason="benchmark berikutnya")
_, secret = issue_token(user, institution="benchmark", name="bench", scopes=["registry.read"],
                        fields=["nik", "name", "birth_date", "kelurahan_code", "status"], rate_limit_per_minute=1_000_000)
print(secret)
"""


def sample_niks(scale: int, n: int = 20_000) -> Path:
    import numpy as np
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    path = BENCH_VAR / f"niks-{scale}.txt"
    if not path.exists():
        niks = pq.read_table(dataset(scale) / "persons.parquet", columns=["nik"]).column("nik")
        niks = niks.filter(pc.equal(pc.utf8_length(niks), 16))  # the synthetic register plants invalid NIKs
        idx = np.random.default_rng(1).integers(0, len(niks), n)
        path.write_text("\n".join(niks.take(idx).to_pylist()) + "\n")
    return path


def _server_env(db_env: dict) -> dict:
    return {**os.environ, **db_env, "ADMINDUK_ENV": "production", "ADMINDUK_SECRET_KEY": "bench-" + "x" * 50,
            "ADMINDUK_ALLOWED_HOSTS": "127.0.0.1", "ADMINDUK_SSL_REDIRECT": "0", "ADMINDUK_LOG_LEVEL": "ERROR",
            "PYTHONUNBUFFERED": "1"}


def _wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the server did not listen on port {port}")


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, env: dict, seconds: int, connections: int, script: Path) -> dict:
    out = subprocess.run(["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--latency", "-s", str(script),
                          url], env=env, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {p: _ms(v, u) for p, v, u in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: .*", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "p50": lat["50"], "p99": lat["99"], "non2xx": int(bad.group(1)) if bad else 0,
            "requests": total, "socket_errors": errors.group(0) if errors else "", "raw": out}


def measure(label: str, db_env: dict, niks: Path, rec) -> None:
    secret = subprocess.run([sys.executable, "-c", SETUP_TOKEN], env={**os.environ, **db_env}, cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    env = _server_env(db_env)
    granian = Path(sys.executable).with_name("granian")
    server = subprocess.Popen([str(granian), "--interface", "wsgi", "--workers", str(WORKERS), "--blocking-threads", "1",
                               "--no-ws", "--host", "127.0.0.1", "--port", str(PORT), "--log-level", "warning",
                               "adminduk.wsgi:application"],
                              env=env, cwd=ROOT, start_new_session=True)
    try:
        _wait_port(PORT)
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "lookup.lua"
            script.write_text(LUA)
            wrk_env = {**os.environ, "ADMINDUK_NIK_FILE": str(niks), "ADMINDUK_TOKEN": secret}
            url = f"http://127.0.0.1:{PORT}"
            run_wrk(url, wrk_env, 4, CONNECTIONS, script)  # warm-up: connections, caches, imports
            result = run_wrk(url, wrk_env, DURATION, CONNECTIONS, script)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(result["raw"], flush=True)
    rec.figure(f"NIK lookup over the API, {label}: throughput", result["rps"], "req/s", "≥ 1,000",
               result["rps"] >= 1000)
    rec.figure(f"NIK lookup over the API, {label}: p99 latency", result["p99"], "ms", "≤ 15", result["p99"] <= 15)
    rec.figure(f"NIK lookup over the API, {label}: median latency", result["p50"], "ms")
    rec.figure(f"NIK lookup over the API, {label}: non-200 answers", result["non2xx"], f"of {result['requests']:,}",
               "0", result["non2xx"] == 0)


def run(scale: int, rec) -> None:
    if not shutil.which("wrk"):
        raise RuntimeError("wrk not found: apt-get install -y wrk")
    niks = sample_niks(scale)
    rec.note(f"granian {WORKERS} WSGI workers × 1 blocking thread, production settings; load: wrk 1 thread, {CONNECTIONS} connections, "
             f"{DURATION} s after a 4 s warm-up, on the same 2 cores (loopback); a random NIK of 20,000 per request. "
             "Each request: token check, scope, person read, then rate count + audit row (hash chain) committed "
             "atomically (PostgreSQL: one server-side statement; SQLite: one IMMEDIATE transaction) before the "
             "answer leaves.")
    for label, env_of in (("SQLite", sqlite_env), ("PostgreSQL", postgres_env)):
        measure(label, env_of(scale), niks, rec)
