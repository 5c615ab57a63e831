"""Issue 4: backlog and forecast for all stores, one print, 8 concurrent printers.

On a private copy of the full-scale register (SQLite file copy; PostgreSQL database
from the loaded one as a template), so the DKJ re-print queued here to reach
≥ 100,000 PRRs never changes the register the other benchmarks read. In a child
process per database (`python -m bench.bench_blanko child`), which:
1. once: seeds the stores, opens the print requests of every PRR loaded from SIAK,
   queues the DKI→DKJ re-print for two kelurahan (≥ 100,000 PRRs in all), refreshes
   the demand basis from the register (the nightly batch, timed);
2. times backlog + forecast for all 274 stores (what the dashboard computes), median of 5;
3. times one print action (`do_print_run(store, 1)`), 200 in a row, median and p95;
4. starts 8 printer processes against one service point holding exactly 1,000 blanks
   and counts what they printed (must be 1,000, balance 0, each blank used once);
5. times the seed scenario (`run_scenario("seed-2023")`) on the full register.
SQLite always; PostgreSQL too unless ADMINDUK_BENCH_PG=0.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import BENCH_VAR, PG_ADMIN_URL, ROOT, machine_lock, postgres_env, sqlite_env

TITLE = "Issue 4 — KTP-el production and blanko"
CAMPAIGN = ("31.75.06.1001", "31.74.01.1001")  # Cakung Barat (concurrency), Kebayoran Baru: Selong (one print)
# More kelurahan re-printed for DKJ if the PRRs of the register are fewer than 100,000.
MORE = ("31.73.01.1001", "31.72.01.1001", "31.71.01.1002", "31.75.01.1001", "31.74.02.1001")
PRINTERS = 8
BLANKS = 1000


def _copy_sqlite(scale: int) -> dict:
    src = Path(sqlite_env(scale)["ADMINDUK_SQLITE_PATH"])
    dst = BENCH_VAR / f"blanko-register-{scale}.sqlite3"
    marker = dst.with_suffix(".copied")
    if not marker.exists():
        with machine_lock():
            # Under the lock nobody writes the source: its file and its WAL are consistent.
            for suffix in ("", "-wal", "-shm"):
                Path(str(dst) + suffix).unlink(missing_ok=True)
            for suffix in ("", "-wal"):
                if Path(str(src) + suffix).exists():
                    shutil.copyfile(str(src) + suffix, str(dst) + suffix)
            marker.touch()
    return {"ADMINDUK_SQLITE_PATH": str(dst), "DATABASE_URL": ""}


def _copy_postgres(scale: int) -> dict:
    source = postgres_env(scale)["DATABASE_URL"].rsplit("/", 1)[1]
    name = f"adminduk_blanko_bench_{scale}"
    marker = BENCH_VAR / f"{name}.copied"
    if not marker.exists():
        with machine_lock():
            admin = f"{PG_ADMIN_URL}/test"
            subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=True)
            # A template copy needs the source to be idle: under the bench lock nobody
            # benchmarks on it, but a session may linger for a moment; never kill it.
            for _ in range(30):
                done = subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name} TEMPLATE {source}"], check=False)
                if done.returncode == 0:
                    break
                time.sleep(10)
            else:
                raise RuntimeError(f"{source} stayed busy: cannot copy it as a template")
            marker.touch()
    return {"DATABASE_URL": f"{PG_ADMIN_URL}/{name}"}


def _child(env: dict) -> dict:
    proc = subprocess.run([sys.executable, "-m", "bench.bench_blanko", "child"], env={**os.environ, **env}, cwd=ROOT,
                          capture_output=True, text=True, check=False)
    sys.stdout.write("".join(f"    {line}\n" for line in proc.stdout.splitlines() if not line.startswith("JSON")))
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(next(x for x in proc.stdout.splitlines() if x.startswith("JSON"))[4:])


def run(scale: int, rec) -> None:
    targets = [("SQLite", _copy_sqlite)]
    if os.environ.get("ADMINDUK_BENCH_PG", "1") != "0":
        targets.append(("PostgreSQL", _copy_postgres))
    for label, make_env in targets:
        out = _child(make_env(scale))
        rec.figure(f"{label}: PRRs waiting (backlog)", out["backlog"], "requests", "≥ 100,000", out["backlog"] >= 100_000)
        rec.figure(f"{label}: demand basis from the register (batch)", out["demand_s"], "s")
        rec.figure(f"{label}: backlog + forecast, all {out['stores']} stores (median of 5)", out["forecast_s"], "s",
                   "≤ 2 s", out["forecast_s"] <= 2)
        rec.figure(f"{label}: one print action, median", out["print_ms_median"], "ms", "≤ 20 ms",
                   out["print_ms_median"] <= 20)
        rec.figure(f"{label}: one print action, p95", out["print_ms_p95"], "ms")
        rec.figure(f"{label}: {PRINTERS} concurrent printers, {BLANKS} blanks: cards printed", out["printed"], "cards",
                   f"= {BLANKS}", out["printed"] == BLANKS and out["balance"] == 0 and out["distinct_blanks"] == BLANKS)
        rec.figure(f"{label}: {PRINTERS} concurrent printers, throughput", out["cards_per_s"], "cards/s")
        rec.figure(f"{label}: seed scenario on the full register (first, uncached)", out["scenario_s"], "s")
        if "dashboard_ms" in out:
            rec.figure(f"{label}: dashboard page /blanko/ (warm, median of 5)", out["dashboard_ms"], "ms")
        rec.note(f"{label}: seed-2023 answer on this register: {out['answer']}")


# --- the child: runs with the environment of one copy -----------------------------------------

def _printer(store_id: int, user_id: int, queue) -> None:
    import django
    from django.db import connection

    django.setup()
    from django.core.exceptions import ValidationError

    from adminduk.accounts.models import User
    from adminduk.cardstock import actions
    from adminduk.cardstock.models import Store

    connection.close()
    printed = 0
    try:
        store, user = Store.objects.get(pk=store_id), User.objects.get(pk=user_id)
        while True:
            try:
                printed += actions.do_print_run(store, 1, actor=user).printed
            except ValidationError:
                break
    except Exception as exc:  # noqa: BLE001 - reported by the parent, never hangs it
        queue.put(("error", repr(exc)))
        return
    finally:
        connection.close()
    queue.put(("ok", printed))


def child() -> None:
    import datetime as dt
    import multiprocessing
    import statistics
    import time

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adminduk.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from adminduk.accounts.models import Role, User
    from adminduk.cardstock import actions, forecast, ledger, planning
    from adminduk.cardstock.models import Movement, Store
    from adminduk.documents import actions as documents
    from adminduk.documents.models import PrintRequest, RequestKind, RequestStatus
    from adminduk.registry.choices import KtpState, LifeStatus
    from adminduk.registry.models import Person

    call_command("migrate", verbosity=0)
    user = User.objects.filter(username="bench.blanko").first()
    if user is None:
        user = User(username="bench.blanko", role=Role.DINAS, area_id="31", institution="benchmark")
        user.set_unusable_password()
        user.save()
    actions.ensure_stores()
    stores = {s.region_id: s for s in Store.objects.all()}
    demand_s = None
    if not PrintRequest.objects.exists():
        t = time.perf_counter()
        rows = [(pk, RequestKind.FIRST_17, dt.datetime(2023, 1, 2, tzinfo=dt.UTC) - dt.timedelta(minutes=i % 90000))
                for i, pk in enumerate(Person.objects.filter(ktp_state=KtpState.PRINT_READY_RECORD,
                                                             status=LifeStatus.HIDUP).values_list("pk", flat=True))]
        print(f"carry over {documents.do_carry_over(rows, actor=user, reason='benchmark'):,} PRRs "
              f"in {time.perf_counter() - t:.1f} s", flush=True)
    if not PrintRequest.objects.filter(kind=RequestKind.DKJ).exists():
        for code in CAMPAIGN:
            t = time.perf_counter()
            n = documents.do_start_dkj_campaign(code, actor=user, reason="benchmark: cetak ulang DKJ")
            print(f"DKJ campaign {code}: {n:,} in {time.perf_counter() - t:.1f} s", flush=True)
        for code in MORE:
            if PrintRequest.objects.filter(status=RequestStatus.WAITING).count() >= 110_000:
                break
            n = documents.do_start_dkj_campaign(code, actor=user, reason="benchmark: cetak ulang DKJ")
            print(f"DKJ campaign {code}: {n:,}", flush=True)
    if not Movement.objects.filter(letter_no="bench").exists():
        actions.do_receive(stores["31"], 5_000_000, letter_no="bench", letter_date=dt.date(2023, 1, 16), actor=user)
    t = time.perf_counter()
    planning.refresh_demand(dt.date(2023, 1, 2))
    demand_s = time.perf_counter() - t

    samples = []
    for _ in range(5):
        t = time.perf_counter()
        state = planning.current_state(dt.date(2023, 1, 2))
        result = forecast.simulate(state.params)
        rows = planning.kota_figures(state, result)
        samples.append(time.perf_counter() - t)
    backlog = rows[-1]["backlog"]

    # One print at a time at a store with a long queue.
    dinas, one = stores["31"], stores[CAMPAIGN[1]]
    actions.do_transfer(dinas, one, 200, actor=user)
    prints = []
    for _ in range(200):
        t = time.perf_counter()
        actions.do_print_run(one, 1, actor=user)
        prints.append(time.perf_counter() - t)
    prints.sort()

    # Exactly 1,000 blanks at one service point, 8 printer processes.
    many = stores[CAMPAIGN[0]]
    left = ledger.balance(many.pk)
    if left:
        actions.do_correct(many, -left, actor=user, reason="benchmark: empty before the race")
    actions.do_transfer(dinas, many, BLANKS, actor=user)
    before = Movement.objects.filter(store=many, kind="consumption").count()
    connection.close()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_printer, args=(many.pk, user.pk, queue)) for _ in range(PRINTERS)]
    t = time.perf_counter()
    for p in procs:
        p.start()
    answers = [queue.get(timeout=900) for _ in procs]
    failures = [a[1] for a in answers if a[0] != "ok"]
    if failures:
        raise RuntimeError(f"printer processes failed: {failures}")
    printed = sum(a[1] for a in answers)
    for p in procs:
        p.join()
    race_s = time.perf_counter() - t
    consumed = Movement.objects.filter(store=many, kind="consumption").order_by("-seq")[:BLANKS]
    distinct = PrintRequest.objects.filter(consumption__in=list(consumed.values_list("pk", flat=True)),
                                           status=RequestStatus.PRINTED).count()

    t = time.perf_counter()
    report = planning.run_scenario("seed-2023", daily=False)
    scenario_s = time.perf_counter() - t

    # The dashboard page as a Dinas officer sees it (server time through the whole
    # stack; the register's turning-17 counts are cached after the first visit).
    from django.conf import settings
    from django.test import Client

    settings.ADMINDUK_REQUIRE_OTP = False  # the second factor is not what is measured
    settings.ALLOWED_HOSTS = ["testserver"]
    client = Client()
    client.force_login(user)
    assert client.get("/blanko/").status_code == 200
    pages = []
    for _ in range(5):
        t = time.perf_counter()
        assert client.get("/blanko/").status_code == 200
        pages.append(time.perf_counter() - t)
    out = {
        "backlog": backlog, "stores": len(state.stores), "demand_s": demand_s,
        "forecast_s": statistics.median(samples), "print_ms_median": statistics.median(prints) * 1000,
        "print_ms_p95": prints[int(0.95 * (len(prints) - 1))] * 1000, "printed": printed,
        "balance": ledger.balance(many.pk), "distinct_blanks": distinct,
        "consumed_here": Movement.objects.filter(store=many, kind="consumption").count() - before,
        "cards_per_s": printed / race_s, "scenario_s": scenario_s, "answer": report["answer"]["summary"],
        "dashboard_ms": statistics.median(pages) * 1000,
    }
    print("JSON" + json.dumps(out))


if __name__ == "__main__" and sys.argv[1:] == ["child"]:
    child()
