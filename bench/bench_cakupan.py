"""Issue 6: recompute every indicator for every area, the dashboard, the rakor PDF.

Full DKI register (bench.common), in child processes with the full-scale environment:
1. `adminduk coverage --recompute`: the columnar job (ADBC → Arrow → DuckDB), written
   back as one snapshot; the job's own timing and the child's wall time and peak memory.
2. Dashboard pages through Django's test client in a child process (server time: the
   whole request through middleware, view and template; no network), median and p95
   over repeated requests, on the summary tables the job wrote.
3. `adminduk report rakor --date 2023-01-18 --out FILE.pdf`, wall time of the child.
SQLite always; PostgreSQL too when ADMINDUK_BENCH_PG_TOO=1 (the load takes long).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import ROOT, postgres_env, sqlite_env, timed_child

TITLE = "Issue 6 — coverage and oversight"
AS_OF = "2023-01-18"
REPEAT = int(os.environ.get("ADMINDUK_BENCH_REPEAT", "15"))

PAGES = r"""
import django, json, os, statistics, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adminduk.settings")
django.setup()
from django.conf import settings
from django.test import Client
from adminduk.accounts.models import Role, User
settings.ADMINDUK_REQUIRE_OTP = False  # the second factor is not what is measured here
settings.ALLOWED_HOSTS = ["testserver"]
users = {}
for name, role, area in (("bench.cakupan", Role.DINAS, "31"), ("bench.dprd", Role.DPRD, None)):
    user = User.objects.filter(username=name).first()
    if user is None:
        user = User(username=name, role=role, area_id=area, institution="benchmark")
        user.set_unusable_password()
        user.save()
    users[name] = user
pages = [("dasbor DKI", "bench.cakupan", "/cakupan/", {}),
         ("dasbor kota (Jakarta Timur)", "bench.cakupan", "/cakupan/", {"wilayah": "31.75", "indikator": "akta_lahir"}),
         ("dasbor kecamatan", "bench.cakupan", "/cakupan/", {"wilayah": "31.75.06", "indikator": "kia"}),
         ("peringkat 267 kelurahan", "bench.cakupan", "/cakupan/peringkat/", {"indikator": "akta_lahir"}),
         ("CSV peringkat", "bench.cakupan", "/cakupan/peringkat/", {"indikator": "akta_lahir", "format": "csv"}),
         ("halaman pengawasan DPRD", "bench.dprd", "/pengawasan/", {"tanggal": "2023-01-18"})]
out = {}
repeat = int(sys.argv[1])
for label, who, path, params in pages:
    client = Client()
    client.force_login(users[who])
    assert client.get(path, params).status_code == 200, label  # warm-up (template load, first query)
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        response = client.get(path, params)
        samples.append(time.perf_counter() - t)
        assert response.status_code == 200, (label, response.status_code)
    samples.sort()
    out[label] = {"median_ms": statistics.median(samples) * 1000,
                  "p95_ms": samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))] * 1000}
print("JSON" + json.dumps(out))
"""


def _child_json(code: str, env: dict, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", code, *args], env={**os.environ, **env}, cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    line = next(x for x in proc.stdout.splitlines() if x.startswith("JSON"))
    return json.loads(line[4:])


def _last_snapshot(env: dict) -> dict:
    code = ("import django, json, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'adminduk.settings'); "
            "django.setup(); from adminduk.coverage.models import Snapshot; s = Snapshot.objects.order_by('-id')"
            ".first(); print('JSON' + json.dumps({'seconds': s.seconds, 'rows': s.persons_read}))")
    return _child_json(code, env)


def _one_database(label: str, env: dict, rec) -> None:
    py = sys.executable
    wall, rss = timed_child([py, "-m", "adminduk", "coverage", "--recompute", "--date", AS_OF, "--level", "provinsi",
                             "--reason", "benchmark"], env)
    snap = _last_snapshot(env)
    rec.figure(f"{label}: recompute all indicators, all 318 areas (job)", snap["seconds"], "s", "≤ 30 s",
               snap["seconds"] <= 30)
    rec.figure(f"{label}: recompute, child process wall time", wall, "s", "≤ 30 s", wall <= 30)
    rec.figure(f"{label}: recompute, peak memory of the child", rss, "GB")
    rec.note(f"{label}: {snap['rows']:,} register rows read for the snapshot".replace(",", "."))
    pages = _child_json(PAGES, env, str(REPEAT))
    for page, figures in pages.items():
        rec.figure(f"{label}: {page}, median server time", figures["median_ms"], "ms", "≤ 300 ms",
                   figures["median_ms"] <= 300)
        rec.figure(f"{label}: {page}, p95 server time", figures["p95_ms"], "ms")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rakor.pdf"
        wall, _ = timed_child([py, "-m", "adminduk", "report", "rakor", "--date", AS_OF, "--out", str(out)], env)
        rec.figure(f"{label}: rakor PDF ({out.stat().st_size // 1024} KB), child process wall time", wall, "s",
                   "≤ 10 s", wall <= 10)


def run(scale: int, rec) -> None:
    _one_database("SQLite", sqlite_env(scale), rec)
    if os.environ.get("ADMINDUK_BENCH_PG_TOO") == "1":
        _one_database("PostgreSQL", postgres_env(scale), rec)
    else:
        rec.note("PostgreSQL not run this time (set ADMINDUK_BENCH_PG_TOO=1); the tests run on both.")
    rec.note("Server time = Django test client in a child process: middleware, view, queries and template, no "
             "network; pages read only the ~2,500-row snapshot tables.")
