"""Issue 2: generate the register at DKI scale, load it into both databases, look NIKs up.

Each step runs in a child process (`bench.common.timed_child`: wall time and the
child's peak RSS). The generated files and the loaded databases are left where
`bench.common.dataset()`, `sqlite_env()` and `postgres_env()` look for them, so the
other benchmarks reuse them instead of building their own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from bench.common import (
    BENCH_VAR,
    DKI_RESIDENTS,
    PG_ADMIN_URL,
    SEED,
    _dataset_stamp,
    adminduk,
    timed_child,
)

TITLE = "Issue 2 — the register at DKI scale"
LOOKUPS = 10_000

# Run inside a child with the database's environment: NIK lookups through Django's
# connection (the app's hot path uses raw SQL on it, RECIPES.md "Web layer").
LOOKUP_SCRIPT = r"""
import json, os, statistics, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adminduk.settings")
django.setup()
from django.db import connection
niks = json.load(open(sys.argv[1]))
sql = ("SELECT p.id, p.nik, p.name, p.sex, p.birth_date, p.status, p.ktp_state, f.kk, f.kelurahan_code, f.rw, f.rt "
       "FROM registry_person p JOIN registry_family f ON f.id = p.family_id WHERE p.nik = %s")
samples, found = [], 0
with connection.cursor() as cur:
    for nik in niks[:200]:  # warm the page cache a little, untimed
        cur.execute(sql, [nik]); cur.fetchall()
    for nik in niks:
        start = time.perf_counter()
        cur.execute(sql, [nik])
        rows = cur.fetchall()
        samples.append(time.perf_counter() - start)
        found += bool(rows)
samples.sort()
print(json.dumps({"median_ms": statistics.median(samples) * 1000, "p99_ms": samples[int(len(samples) * .99)] * 1000,
                  "found": found, "n": len(niks)}))
"""


def _target(rec, what, value, unit, target, limit, scale):
    rec.figure(what, value, unit, target, (value <= limit) if scale == DKI_RESIDENTS else None)


def _sample_niks(data: Path, path: Path) -> None:
    niks = pq.read_table(data / "persons.parquet", columns=["nik"]).column("nik")
    picks = np.random.default_rng(SEED).choice(len(niks), size=min(LOOKUPS, len(niks)), replace=False)
    path.write_text(json.dumps(niks.take(picks).to_pylist()))


def _generate(scale: int, rec) -> Path:
    final = BENCH_VAR / f"synth-{scale}-{SEED}"
    timed = BENCH_VAR / f"synth-{scale}-{SEED}.timed"
    shutil.rmtree(timed, ignore_errors=True)
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    wall, rss = timed_child([sys.executable, "-m", "adminduk", "synth", "--residents", str(scale), "--seed", str(SEED),
                             "--out", str(timed), "--no-progress"])
    _target(rec, "generate (synth → Parquet)", wall, "s", "≤ 90 s", 90, scale)
    _target(rec, "generate: peak memory", rss, "GB", "≤ 6 GB", 6, scale)
    manifest = json.loads((timed / "manifest.json").read_text())
    rec.note(f"generated {manifest['residents']:,} persons in {manifest['families']:,} KK; planted defects "
             + ", ".join(f"{k} {v:,}" for k, v in manifest["defects"].items()))
    shutil.rmtree(final, ignore_errors=True)
    timed.rename(final)  # the cached dataset of bench.common.dataset()
    return final


def _load(label: str, env: dict, data: Path, scale: int, rec, limit: float, target: str) -> None:
    adminduk("migrate", "-v", "0", env=env)
    adminduk("load_regions", env=env, capture=True)
    wall, rss = timed_child([sys.executable, "-m", "adminduk", "load", str(data)], env=env)
    _target(rec, f"load into {label}", wall, "s", target, limit, scale)
    rec.figure(f"load into {label}: peak memory", rss, "GB")


def _lookups(label: str, env: dict, niks: Path, scale: int, rec) -> None:
    result = subprocess.run([sys.executable, "-c", LOOKUP_SCRIPT, str(niks)], env={**os.environ, **env},
                            check=True, capture_output=True, text=True)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    _target(rec, f"NIK lookup, {label}: median", figures["median_ms"], "ms", "≤ 1 ms", 1, scale)
    rec.figure(f"NIK lookup, {label}: p99", figures["p99_ms"], "ms")
    if figures["found"] != figures["n"]:
        rec.note(f"{label}: only {figures['found']:,} of {figures['n']:,} sampled NIKs found")


def _check_register(label: str, env: dict, scale: int, rec) -> None:
    probe = adminduk("help", "check_register", env=env, check=False, capture=True)
    if probe.returncode != 0:
        rec.note(f"check-register ({label}): the command does not exist yet; not measured")
        return
    start = time.perf_counter()
    # Exit status 1 is expected: the synthetic register carries planted defects.
    proc = adminduk("check_register", env=env, check=False, capture=True)
    wall = time.perf_counter() - start
    _target(rec, f"check-register, {label}", wall, "s", "≤ 60 s", 60, scale)
    if proc.returncode not in (0, 1):
        rec.note(f"check-register ({label}) exited {proc.returncode}: {proc.stderr.strip()[-300:]}")


def run(scale: int, rec) -> None:
    # The machine is shared: the load average says how much of the 2 cores we had.
    rec.note(f"load average (1 min) at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    data = _generate(scale, rec)
    stamp = _dataset_stamp(data)

    sqlite_path = BENCH_VAR / f"register-{scale}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(str(sqlite_path) + suffix).unlink(missing_ok=True)
    sqlite = {"ADMINDUK_SQLITE_PATH": str(sqlite_path), "DATABASE_URL": ""}
    _load("SQLite", sqlite, data, scale, rec, 180, "≤ 3 min")
    sqlite_path.with_suffix(".loaded").write_text(stamp)

    name = f"adminduk_bench_{scale}"
    postgres = {"DATABASE_URL": f"{PG_ADMIN_URL}/{name}"}
    subprocess.run(["psql", f"{PG_ADMIN_URL}/test", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=True)
    subprocess.run(["psql", f"{PG_ADMIN_URL}/test", "-qc", f"CREATE DATABASE {name}"], check=True)
    _load("PostgreSQL", postgres, data, scale, rec, 300, "≤ 5 min")
    (BENCH_VAR / f"{name}.loaded").write_text(stamp)

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        niks = Path(fh.name)
    try:
        _sample_niks(data, niks)
        _lookups("SQLite", sqlite, niks, scale, rec)
        _lookups("PostgreSQL", postgres, niks, scale, rec)
    finally:
        niks.unlink(missing_ok=True)

    _check_register("SQLite", sqlite, scale, rec)
    _check_register("PostgreSQL", postgres, scale, rec)
    rec.note(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
