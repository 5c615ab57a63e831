"""From the database (or a scenario file) to a forecast, and back to figures a page shows.

`current_params` reads the present state: stock per store (from the ledger), backlog
per service point (waiting print requests), planned shipments, and the demand basis
that `refresh_demand` wrote from the register. `run_scenario` builds the same
simulation from a scenario file (the seed scenario of January 2023), every assumption
listed with its source and overridable.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from adminduk.analytics import engine
from adminduk.documents.models import PrintRequest, RequestStatus, Suket
from adminduk.documents.rules import add_months
from adminduk.registry.choices import LifeStatus
from adminduk.registry.models import Person

from . import forecast, ledger
from .models import DemandBasis, Shipment, ShipmentStatus, Store, StoreKind

SCENARIO_DIR = Path(__file__).with_name("scenarios")
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember")


def load_scenario(name: str) -> dict:
    path = SCENARIO_DIR / f"{name}.json"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name or "") or not path.exists():
        known = ", ".join(sorted(p.stem for p in SCENARIO_DIR.glob("*.json")))
        raise ValueError(f"skenario {name!r} tidak dikenal (tersedia: {known})")
    return json.loads(path.read_text())


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return dt.date(day.year - years, 2, 28)


# --- Demand from the register (batch, columnar) ---------------------------------------------

def turning_17_counts(start: dt.date, months: int, *, by_kelurahan: bool = False) -> dict:
    """Residents whose 17th birthday falls in each month from `start`: {"YYYY-MM": n},
    or {kelurahan: {"YYYY-MM": n}}. Reads only the birth-date window (indexed)."""
    first = start.replace(day=1)
    lo, hi = _years_before(first, 17), _years_before(add_months(first, months), 17)
    cols = ["birth_date", "kelurahan_code"] if by_kelurahan else ["birth_date"]
    table = engine.persons_table(cols, where=f"p.status = 'hidup' AND p.birth_date >= '{lo}' AND p.birth_date < '{hi}'")
    key = "kelurahan_code, " if by_kelurahan else ""
    with engine.duck(t=table) as con:
        rows = con.sql(f"SELECT {key}strftime(birth_date + INTERVAL 17 YEAR, '%Y-%m') AS m, COUNT(*) AS n "
                       f"FROM t GROUP BY ALL").fetchall()
    if not by_kelurahan:
        return {m: int(n) for m, n in rows}
    out: dict[str, dict[str, int]] = {}
    for kel, m, n in rows:
        out.setdefault(kel, {})[m] = int(n)
    return out


def register_residents() -> int:
    return Person.objects.filter(status=LifeStatus.HIDUP).count()


def register_basis(start: dt.date, months: int) -> tuple[int, dict]:
    """(residents, turning-17 counts by month) of the whole register, kept ten minutes:
    the dashboard shows the seed scenario on every visit, counting 11 million rows takes
    seconds, and the register's age structure moves slowly. The key follows the newest
    person, so a load or a new resident is seen at once."""
    newest = Person.objects.order_by("-pk").values_list("pk", flat=True).first()
    key = f"blanko:basis:{start}:{months}:{newest}"
    value = cache.get(key)
    if value is None:
        value = (register_residents(), turning_17_counts(start, months))
        cache.set(key, value, 600)
    return value


def refresh_demand(as_of: dt.date | None = None, months: int = 12) -> int:
    """Write the demand basis of every service point from the register (a nightly
    batch): residents, wajib KTP, and residents turning 17 in each coming month."""
    as_of = as_of or timezone.localdate()
    seventeen = _years_before(as_of, 17)
    counts = engine.fetch_arrow(
        "SELECT f.kelurahan_code AS kelurahan_code, COUNT(*) AS residents, "
        f"SUM(CASE WHEN p.birth_date <= '{seventeen}' OR p.marital_status <> 'belum_kawin' THEN 1 ELSE 0 END) AS wajib "
        "FROM registry_person p JOIN registry_family f ON f.id = p.family_id WHERE p.status = 'hidup' "
        "GROUP BY f.kelurahan_code").to_pylist()
    per_kel = {r["kelurahan_code"]: r for r in counts}
    turning = turning_17_counts(as_of, months, by_kelurahan=True)
    stores = Store.objects.filter(kind=StoreKind.SERVICE_POINT)
    with transaction.atomic():
        DemandBasis.objects.filter(store__in=stores).delete()
        DemandBasis.objects.bulk_create([
            DemandBasis(store=s, as_of=as_of, residents=int(per_kel.get(s.region_id, {}).get("residents") or 0),
                        wajib_ktp=int(per_kel.get(s.region_id, {}).get("wajib") or 0),
                        turning_17=turning.get(s.region_id, {})) for s in stores])
    return stores.count()


# --- The present state ------------------------------------------------------------------------

def rates(cfg: dict | None = None) -> dict:
    cfg = cfg or load_scenario("seed-2023")
    return {k: cfg[k] for k in ("turning_17_takeup", "replacement_rate_per_year", "change_rate_per_year",
                                "move_rate_per_year")}


def _days_in_month(month: str) -> int:
    y, m = map(int, month.split("-"))
    return (add_months(dt.date(y, m, 1), 1) - dt.date(y, m, 1)).days


@dataclasses.dataclass
class State:
    stores: list[Store]
    balance: dict[int, int]
    backlog: dict[int, int]
    suket_open: dict[int, int]
    suket_expiring: dict[int, int]
    params: forecast.Params


def current_state(as_of: dt.date | None = None, *, horizon_days: int = 180, capacity_factor: float = 1.0,
                  extra_shipments: list[forecast.Shipment] | None = None,
                  moved: dict[int, dt.date] | None = None) -> State:
    """Stock, backlog and Sukets per store now, and the forecast parameters from them.
    What-if: scale capacity, add shipments, move planned shipments ({id: new date})."""
    as_of = as_of or timezone.localdate()
    stores = list(Store.objects.all())
    balance = ledger.balances()
    backlog = dict(PrintRequest.objects.filter(status=RequestStatus.WAITING).values("store_id")
                   .annotate(n=Count("id")).values_list("store_id", "n"))
    soon = as_of + dt.timedelta(days=30)
    sukets = {r["store_id"]: r for r in Suket.objects.filter(replaced_at__isnull=True).values("store_id").annotate(
        n=Count("id"), expiring=Count("id", filter=Q(valid_until__lte=soon)))}
    basis = {d.store_id: d for d in DemandBasis.objects.all()}
    r = rates()
    yearly = r["replacement_rate_per_year"] + r["change_rate_per_year"] + r["move_rate_per_year"]
    units = []
    for s in stores:
        if s.kind != StoreKind.SERVICE_POINT:
            continue
        b = basis.get(s.pk)
        monthly = ({m: n * r["turning_17_takeup"] / _days_in_month(m) for m, n in b.turning_17.items()} if b else {})
        units.append(forecast.Unit(code=s.region_id, name=s.name, group=s.region_id[:5], stock=balance.get(s.pk, 0),
                                   backlog=backlog.get(s.pk, 0), capacity=s.daily_capacity * capacity_factor,
                                   demand_per_day=(b.wajib_ktp * yearly / 365) if b else 0.0, monthly_extra=monthly))
    pool = sum(balance.get(s.pk, 0) for s in stores if s.kind != StoreKind.SERVICE_POINT)
    shipments = [forecast.Shipment(max(as_of, (moved or {}).get(sh.pk, sh.expected_on)), sh.quantity,
                                   sh.letter_no or f"kiriman #{sh.pk}")
                 for sh in Shipment.objects.filter(status=ShipmentStatus.PLANNED)]
    params = forecast.Params(start=as_of, units=units, shipments=shipments + list(extra_shipments or []),
                             pool_stock=pool, horizon_days=horizon_days)
    return State(stores, balance, backlog, {k: v["n"] for k, v in sukets.items()},
                 {k: v["expiring"] for k, v in sukets.items()}, params)


def kota_figures(state: State, result: forecast.Result) -> list[dict]:
    """One row per kota and one for DKI: stock, backlog, Sukets, days of cover, dates."""
    by_code = {s.region_id: s for s in state.stores}
    groups: dict[str, list[int]] = {}
    for i, unit in enumerate(state.params.units):
        groups.setdefault(unit.group, []).append(i)
    rows = []
    for code in sorted(c for c, s in by_code.items() if s.kind == StoreKind.SUDIN):
        members = [s for s in state.stores if s.region_id == code or (s.region_id.startswith(code + ".")
                                                                     and s.kind == StoreKind.SERVICE_POINT)]
        rows.append(_row(by_code[code].name, code, members, state, result, groups.get(code, [])))
    rows.append(_row("DKI Jakarta", "31", state.stores, state, result, list(range(len(state.params.units)))))
    return rows


def _row(name, code, members, state, result, cols) -> dict:
    stock = sum(state.balance.get(s.pk, 0) for s in members)
    backlog = sum(state.backlog.get(s.pk, 0) for s in members)
    capacity = sum(state.params.units[i].capacity for i in cols)
    demand = float(result.demand[:, cols].sum(axis=1).mean()) if cols else 0.0
    # Days of cover: working days the stock lasts at the rate it will be used - the
    # printers' capacity while there is a backlog, the daily demand otherwise.
    rate = capacity if backlog else min(capacity, demand)
    return {
        "code": code, "name": name, "stock": stock, "backlog": backlog,
        "suket_open": sum(state.suket_open.get(s.pk, 0) for s in members),
        "suket_expiring": sum(state.suket_expiring.get(s.pk, 0) for s in members),
        "capacity": round(capacity), "demand_per_day": round(demand, 1),
        "days_of_cover": round(stock / rate, 1) if rate else None,
        "cleared_on": result.cleared_on(cols) if cols else None,
    }


# --- The seed scenario (and any other scenario file) -----------------------------------------

def scenario_params(cfg: dict, *, turning_17_per_month: float | None = None) -> tuple[forecast.Params, list[dict]]:
    start = dt.date.fromisoformat(cfg["start"])
    horizon = int(cfg["horizon_days"])
    months = [add_months(start.replace(day=1), i).strftime("%Y-%m") for i in range(horizon // 28 + 2)]
    src = cfg.get("sources", {})
    if cfg.get("turning_17_per_month") is not None:
        by_month = {m: float(cfg["turning_17_per_month"]) for m in months}
        t17_note = "diberikan sebagai opsi"
    elif turning_17_per_month is not None:
        by_month = {m: float(turning_17_per_month) for m in months}
        t17_note = "diberikan sebagai opsi"
    else:
        residents, counts = register_basis(start, len(months))
        scale = cfg["population"] / residents if residents else 0
        by_month = {m: counts.get(m, 0) * scale for m in months}
        t17_note = (f"register: {residents:,} penduduk aktif, diskalakan ×{scale:,.2f} ke {cfg['population']:,}"
                    if residents else "register kosong: 0 (beri --turning-17-per-month)")
    yearly = cfg["replacement_rate_per_year"] + cfg["change_rate_per_year"] + cfg["move_rate_per_year"]
    base = cfg["wajib_ktp"] * yearly / 365
    extra = {m: n * cfg["turning_17_takeup"] / _days_in_month(m) for m, n in by_month.items()}
    unit = forecast.Unit(code="31", name="DKI Jakarta", group="31", stock=int(cfg["stock"]),
                         backlog=int(cfg["backlog"]), capacity=int(cfg["capacity_per_workday"]),
                         demand_per_day=base, monthly_extra=extra)
    shipments = [forecast.Shipment(dt.date.fromisoformat(s["on"]), int(s["quantity"]), s.get("label", ""))
                 for s in cfg["shipments"]]
    params = forecast.Params(start=start, units=[unit], shipments=shipments, horizon_days=horizon,
                             distribution_lag_days=int(cfg["distribution_lag_days"]),
                             target=dt.date.fromisoformat(cfg["target"]))
    t17_first = by_month.get(months[0], 0)
    assumptions = [
        ("start", cfg["start"], "awal simulasi"),
        ("target", cfg["target"], "tanggal yang ditanyakan"),
        ("backlog", cfg["backlog"], src.get("backlog", "")),
        ("stock", cfg["stock"], src.get("stock", "")),
        *[(f"shipment[{i}]", f"{s.on.isoformat()}:{s.quantity}", s.label + "; " + src.get("shipments", ""))
          for i, s in enumerate(shipments)],
        ("distribution_lag_days", cfg["distribution_lag_days"], "hari dari tiba di Dinas sampai di mesin cetak"),
        ("capacity_per_workday", cfg["capacity_per_workday"], src.get("capacity_per_workday", "")),
        ("workdays", "Senin-Jumat", "hari libur nasional tidak dikurangkan"),
        ("turning_17_per_month", round(t17_first), f"{t17_note}; {src.get('turning_17_per_month', '')}"),
        ("turning_17_takeup", cfg["turning_17_takeup"], "bagian yang langsung mengajukan KTP-el pertama"),
        ("wajib_ktp", cfg["wajib_ktp"], src.get("wajib_ktp", "")),
        ("replacement_rate_per_year", cfg["replacement_rate_per_year"], src.get("replacement_rate_per_year", "")),
        ("change_rate_per_year", cfg["change_rate_per_year"], src.get("change_rate_per_year", "")),
        ("move_rate_per_year", cfg["move_rate_per_year"], src.get("move_rate_per_year", "")),
        ("new_demand_per_day", round(base + t17_first * cfg["turning_17_takeup"] / 30.4),
         "= wajib_ktp × (hilang/rusak + perubahan + pindah) / 365 + berusia 17 × take-up / hari"),
    ]
    return params, [{"name": n, "value": v, "source": s} for n, v, s in assumptions]


def run_scenario(name: str = "seed-2023", overrides: dict | None = None, *, daily: bool = True) -> dict:
    cfg = load_scenario(name)
    for key, value in (overrides or {}).items():
        if value is not None:
            cfg[key] = value
    params, assumptions = scenario_params(cfg)
    result = forecast.simulate(params)
    target = params.target
    cleared = result.cleared_on()
    paid = result.initial_debt_paid_on()
    i = result.on(target)
    backlog_at_target = int(round(result.total_backlog[i])) if i is not None else None
    clears = cleared is not None and cleared <= target
    extra = forecast.extra_blanks_to_clear(params, target)
    factor = forecast.capacity_to_clear(params, target)
    if extra is None and factor:
        # Capacity is the first bottleneck: how many blanks, once capacity is raised?
        scaled = dataclasses.replace(params, units=[dataclasses.replace(u, capacity=u.capacity * factor)
                                                    for u in params.units])
        extra = forecast.extra_blanks_to_clear(scaled, target)
    month = f"{BULAN[target.month - 1]} {target.year}"
    if clears:
        summary = f"Ya: hutang cetak turun ke tingkat normal pada {cleared:%d-%m-%Y}, sebelum {target:%d-%m-%Y}."
    else:
        summary = (f"Tidak: pada {target:%d-%m-%Y} hutang cetak masih sekitar {backlog_at_target:,} kartu"
                   .replace(",", ".") + ". ")
        if extra is not None:
            summary += (f"Agar lunas pada {month} perlu tambahan ±{extra:,} blanko di awal periode".replace(",", ".")
                        + (f" dan kapasitas cetak ×{factor} dari asumsi" if factor and factor > 1 else "") + ".")
        elif factor is not None:
            summary += f"Kapasitas cetak harus ×{factor} dari asumsi."
        else:
            summary += "Tidak dapat lunas pada tanggal itu dengan kapasitas apa pun dalam model ini."
        summary += (f" Lunas (normal) pada {cleared:%d-%m-%Y}." if cleared else
                    f" Dalam {params.horizon_days} hari simulasi hutang tidak lunas.")
    report = {
        "scenario": cfg["name"], "title": cfg.get("title", ""), "question": cfg.get("question", ""),
        "answer": {
            "clears_by_target": clears,
            "target": target.isoformat(),
            "cleared_on": cleared.isoformat() if cleared else None,
            "initial_debt_paid_on": paid.isoformat() if paid else None,
            "backlog_on_target": backlog_at_target,
            "printed_by_target": int(result.printed[: (i or 0) + 1].sum()),
            "stock_out_working_days": result.stock_out_days(),
            "extra_blanks_needed": extra,
            "capacity_factor_needed": factor,
            "summary": summary,
        },
        "assumptions": assumptions,
    }
    if daily:
        report["daily"] = [
            {"date": d.isoformat(), "backlog": int(round(result.total_backlog[t])),
             "stock": int(round(result.total_stock[t])), "printed": int(result.printed[t].sum()),
             "demand": round(float(result.demand[t].sum()), 1)}
            for t, d in enumerate(result.days)]
    report["_result"] = result
    return report
