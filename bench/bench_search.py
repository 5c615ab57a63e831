"""Issue 3: name search on the full register, through `registry.queries.search_persons`.

The real call an officer's search page makes: name key, spelling alternatives from the
vocabulary, index lookups, ranking, and the audit row (query text, row count, NIKs
shown) appended to the hash chain. Run in a child process per database (SQLite and
PostgreSQL, each with the full register loaded).

The mix (drawn from real residents, seeded): a quarter each of
- the full name as registered,
- a misspelt name (one letter dropped, doubled or changed in one word, or a spelling
  variant such as Muhammad → Moh., Yusuf → Jusuf, -i → -y),
- a single name (the first word only: officers often start with it),
- a misspelt name with the birth date,
and half of the first three also carry the birth date. Acting user: a Dinas user (all
of DKI: the widest scope, so the most rows to rank); a Gambir officer's searches are
timed separately (full, misspelt and single names, half with the birth date). Recall: the share of searches whose target resident is among the
results shown (a single name without birth date is not expected to find one person
out of thousands, so recall is reported per kind).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bench.common import ROOT, percentile, postgres_env, sqlite_env

TITLE = "Issue 3 — name search"
SEARCHES = int(os.environ.get("ADMINDUK_BENCH_SEARCHES", "400"))
TARGET_P95_MS = 150.0

CHILD = r"""
import json, os, random, statistics, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adminduk.settings")
django.setup()
from django.db import connection
from adminduk.accounts.models import Role, User
from adminduk.registry import queries, search
from adminduk.registry.models import NameToken, Person

n = int(sys.argv[1])
rng = random.Random(20230118)

def user(username, role, area):
    u = User.objects.filter(username=username).first()
    if u is None:
        u = User(username=username, role=role, area_id=area, institution="benchmark")
        u.set_unusable_password()
        u.save()
    return u

dinas = user("bench.search.dinas", Role.DINAS, "31")
officer = user("bench.search.gambir", Role.KELURAHAN, "31.71.01.1001")

# This machine's PostgreSQL runs with autovacuum off and the bulk loader does not
# ANALYZE: without statistics the planner hash-joins all families for every search.
analyzed = False
if connection.vendor == "postgresql":
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(last_analyze, last_autoanalyze) FROM pg_stat_user_tables "
                    "WHERE relname = 'registry_family'")
        row = cur.fetchone()
        if row is None or row[0] is None:
            cur.execute("ANALYZE registry_person")
            cur.execute("ANALYZE registry_family")
            analyzed = True

t0 = time.perf_counter()
if not NameToken.objects.exists():
    search.refresh_name_tokens()
vocab_build = time.perf_counter() - t0
t0 = time.perf_counter()
search.word_choices("budi")  # loads the per-process deletion index
vocab_load = time.perf_counter() - t0
words = NameToken.objects.count()

max_id = Person.objects.order_by("-id").values_list("id", flat=True).first()
ids = rng.sample(range(1, max_id + 1), n * 2)
targets = list(Person.objects.filter(id__in=ids).values_list("id", "name", "birth_date", "family__kelurahan_id"))
rng.shuffle(targets)
targets = targets[:n]
gambir = list(Person.objects.filter(family__kelurahan_id="31.71.01.1001")
              .values_list("id", "name", "birth_date", "family__kelurahan_id")[:2000])
gambir = rng.sample(gambir, min(len(gambir), max(20, n // 8)))

VARIANTS = [("Muhammad", "Moh."), ("Muhammad", "Muhamad"), ("Mohammad", "M."), ("Yusuf", "Jusuf"),
            ("Syarif", "Sjarif"), ("Abdul", "Abd."), ("Siti", "St."), ("Nur", "Noer"), ("Fitri", "Fitry"),
            ("Rizki", "Rizky"), ("Cahya", "Tjahja"), ("Hidayat", "Hidajat"), ("Joko", "Djoko")]

def misspell(name):
    for a, b in VARIANTS:
        if a in name.split() and rng.random() < 0.7:
            return name.replace(a, b, 1)
    words = name.split()
    i = max(range(len(words)), key=lambda k: len(words[k]))
    w = words[i]
    if len(w) < 4:
        return name
    j = rng.randrange(1, len(w) - 1)
    kind = rng.choice(["drop", "double", "swap_vowel"])
    if kind == "drop":
        w = w[:j] + w[j + 1:]
    elif kind == "double":
        w = w[:j] + w[j] + w[j:]
    else:
        vowels = "aiueo"
        k = next((k for k in range(j, len(w)) if w[k].lower() in vowels), None)
        if k is not None:
            w = w[:k] + rng.choice([v for v in vowels if v != w[k].lower()]) + w[k + 1:]
    words[i] = w
    return " ".join(words)

cases = []
for k, (pk, name, born, kel) in enumerate(targets):
    kind = ["full", "misspelt", "single", "misspelt+date"][k % 4]
    with_date = kind == "misspelt+date" or (k // 4) % 2 == 0
    typed = {"full": name, "misspelt": misspell(name), "single": name.split()[0],
             "misspelt+date": misspell(name)}[kind]
    cases.append((dinas, kind + ("+date" if with_date and kind != "misspelt+date" else ""), pk, typed,
                  born if with_date else None))
for k, (pk, name, born, kel) in enumerate(gambir):
    kind = ["full", "misspelt", "single"][k % 3]
    typed = {"full": name, "misspelt": misspell(name), "single": name.split()[0]}[kind]
    cases.append((officer, "officer:" + kind, pk, typed, born if k % 2 == 0 else None))

# Warm the connection and caches as a running server would be.
for u, kind, pk, typed, born in cases[:10]:
    queries.search_persons(u, purpose="uji kinerja", name=typed, birth_date=born)

out = []
for u, kind, pk, typed, born in cases:
    t = time.perf_counter()
    result = queries.search_persons(u, purpose="uji kinerja", name=typed, birth_date=born)
    elapsed = time.perf_counter() - t
    out.append({"kind": kind, "ms": elapsed * 1000, "found": any(r.pk == pk for r in result.rows),
                "rows": len(result.rows), "typed": typed})
print("RESULT " + json.dumps({"searches": out, "vocab_build_s": vocab_build, "vocab_load_s": vocab_load,
                              "words": words, "vendor": connection.vendor, "analyzed": analyzed}))
"""


def _child(env: dict, n: int) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(n)], env={**os.environ, **env}, cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    line = next(line for line in proc.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def report(rec, label: str, data: dict) -> None:
    searches = data["searches"]
    ms = [s["ms"] for s in searches]
    rec.figure(f"{label}: name search p50", percentile(ms, 50), "ms")
    rec.figure(f"{label}: name search p95", percentile(ms, 95), "ms", f"≤ {TARGET_P95_MS:.0f} ms",
               percentile(ms, 95) <= TARGET_P95_MS)
    rec.figure(f"{label}: name search p99", percentile(ms, 99), "ms")
    kinds = sorted({s["kind"] for s in searches})
    parts = []
    for kind in kinds:
        sub = [s for s in searches if s["kind"] == kind]
        parts.append(f"{kind}: n={len(sub)}, p95 {percentile([s['ms'] for s in sub], 95):.0f} ms, "
                     f"target found {sum(s['found'] for s in sub) / len(sub):.0%}")
    rec.note(f"{label} by kind — " + "; ".join(parts))
    if data.get("analyzed"):
        rec.note(f"{label}: the tables had no planner statistics (autovacuum off, the loader does not ANALYZE); "
                 "the benchmark ran ANALYZE on registry_person and registry_family first")
    rec.note(f"{label}: vocabulary {data['words']:,} words; built from the register in "
             f"{data['vocab_build_s']:.1f} s (0 if it existed), loaded per process in {data['vocab_load_s']:.2f} s")


def run(scale: int, rec) -> None:
    rec.note(f"{SEARCHES} searches per database through registry.queries.search_persons, each writing its "
             "audit row; the mix and the recall definition are in bench/bench_search.py")
    for label, env_fn in (("SQLite", sqlite_env), ("PostgreSQL", postgres_env)):
        env = env_fn(scale)
        report(rec, label, _child(env, SEARCHES))
