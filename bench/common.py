"""Shared pieces of the benchmarks: the full-scale dataset and databases, built once.

Full-scale work must not overlap (2 cores, shared memory): every builder here takes
the machine-wide lock `/tmp/adminduk-bench.lock`, and so does `bench.run`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_VAR = Path(os.environ.get("ADMINDUK_BENCH_DIR", ROOT / "var" / "bench"))
DKI_RESIDENTS = 11_038_216
SEED = 20230118
PG_ADMIN_URL = os.environ.get("ADMINDUK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
LOCK_PATH = "/tmp/adminduk-bench.lock"


@contextlib.contextmanager
def machine_lock():
    """Serialise full-scale work across processes (re-entrant within one process)."""
    if os.environ.get("ADMINDUK_BENCH_LOCK_HELD"):
        yield
        return
    with open(LOCK_PATH, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        os.environ["ADMINDUK_BENCH_LOCK_HELD"] = "1"
        try:
            yield
        finally:
            os.environ.pop("ADMINDUK_BENCH_LOCK_HELD", None)
            fcntl.flock(fh, fcntl.LOCK_UN)


def adminduk(*args: str, env: dict | None = None, check: bool = True, capture: bool = False) -> subprocess.CompletedProcess:
    """Run `python -m adminduk ARGS` in a child process with the given environment."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "adminduk", *args], env=full_env, check=check, cwd=ROOT,
                          capture_output=capture, text=True)


def timed_child(args: list[str], env: dict | None = None) -> tuple[float, float]:
    """Run a child process; return (wall seconds, peak RSS in GB of the child)."""
    full_env = {**os.environ, **(env or {})}
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=full_env, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise subprocess.CalledProcessError(os.waitstatus_to_exitcode(status), args)
    return wall, usage.ru_maxrss / 1024 / 1024  # ru_maxrss is in KiB on Linux


def _generator_version() -> str:
    from adminduk.synth.generator import GENERATOR_VERSION

    return GENERATOR_VERSION


def _dataset_stamp(out: Path) -> str:
    """What identifies a generated dataset: its persons file's SHA-256 from the manifest."""
    try:
        meta = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return ""
    if meta.get("generator_version") != _generator_version():
        return ""
    return meta.get("files", {}).get("persons.parquet", {}).get("sha256", "")


def dataset(scale: int = DKI_RESIDENTS, seed: int = SEED) -> Path:
    """Directory with persons.parquet / families.parquet for `scale` residents (cached).

    Regenerated when the generator's version changed since the cached files were made.
    """
    out = BENCH_VAR / f"synth-{scale}-{seed}"
    if not _dataset_stamp(out):
        with machine_lock():
            if not _dataset_stamp(out):
                adminduk("synth", "--residents", str(scale), "--seed", str(seed), "--out", str(out), "--no-progress")
    return out


def _loaded(marker: Path, data: Path) -> bool:
    # The marker holds the stamp of the dataset that was loaded: a new dataset reloads.
    # (An empty marker, from before stamps, counts if it is newer than the dataset.)
    if not marker.exists():
        return False
    stamp = marker.read_text().strip()
    if not stamp:
        manifest = data / "manifest.json"
        return manifest.exists() and marker.stat().st_mtime >= manifest.stat().st_mtime
    return stamp == _dataset_stamp(data)


def sqlite_env(scale: int = DKI_RESIDENTS) -> dict:
    """Environment for a child process using the loaded full-scale SQLite register."""
    path = BENCH_VAR / f"register-{scale}.sqlite3"
    env = {"ADMINDUK_SQLITE_PATH": str(path), "DATABASE_URL": ""}
    marker = path.with_suffix(".loaded")
    data = dataset(scale)
    if not _loaded(marker, data):
        with machine_lock():
            if not _loaded(marker, data):
                BENCH_VAR.mkdir(parents=True, exist_ok=True)
                for suffix in ("", "-wal", "-shm"):
                    Path(str(path) + suffix).unlink(missing_ok=True)
                adminduk("migrate", "-v", "0", env=env)
                adminduk("load_regions", env=env)
                adminduk("load", str(data), env=env)
                marker.write_text(_dataset_stamp(data))
    return env


def postgres_env(scale: int = DKI_RESIDENTS) -> dict:
    """Environment for a child process using the loaded full-scale PostgreSQL register."""
    name = f"adminduk_bench_{scale}"
    env = {"DATABASE_URL": f"{PG_ADMIN_URL}/{name}"}
    marker = BENCH_VAR / f"{name}.loaded"
    data = dataset(scale)
    if not _loaded(marker, data):
        with machine_lock():
            if not _loaded(marker, data):
                subprocess.run(["psql", f"{PG_ADMIN_URL}/test", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                               check=True)
                subprocess.run(["psql", f"{PG_ADMIN_URL}/test", "-qc", f"CREATE DATABASE {name}"], check=True)
                adminduk("migrate", "-v", "0", env=env)
                adminduk("load_regions", env=env)
                adminduk("load", str(data), env=env)
                BENCH_VAR.mkdir(parents=True, exist_ok=True)
                marker.write_text(_dataset_stamp(data))
    return env


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def peak_rss_gb_self() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
