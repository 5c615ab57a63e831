"""What the oversight pages take from the other apps: their own summaries, never rows.

Each function returns plain aggregates (dicts of counts and dates) or None when the
app has nothing yet, and raises `Unavailable` when the app (or the function the page
needs) does not exist in this installation, so the page says "belum tersedia"
instead of inventing a figure. No logic of the other apps is repeated here.
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module


class Unavailable(Exception):
    """The source of a section does not exist (yet) in this installation."""


def _module(name: str):
    try:
        return import_module(name)
    except ImportError as exc:
        raise Unavailable(f"modul {name} belum ada") from exc


def dp4_summary() -> dict | None:
    """The latest DP4 extract: potential voters by sex, per kota (summed from its DAK2
    rows per kecamatan), and exclusions by reason."""
    models = _module("adminduk.elections.models")
    extract = models.Extract.objects.select_related("election").order_by("-created_at", "-id").first()
    if extract is None:
        return None
    by_kota: dict[str, dict[str, int]] = {}
    for row in extract.dak2 or []:
        code = str(row.get("kecamatan") or "")
        if code.count(".") != 2:
            continue
        kota = by_kota.setdefault(code[:5], {"men": 0, "women": 0, "all": 0})
        kota["men"] += int(row.get("pemilih_l") or 0)
        kota["women"] += int(row.get("pemilih_p") or 0)
        kota["all"] += int(row.get("pemilih") or 0)
    return {
        "election": extract.election.name, "polling_day": extract.election.polling_day,
        "cutoff_date": extract.election.cutoff_date, "version": extract.version,
        "created_at": extract.created_at, "eligible": extract.eligible, "men": extract.eligible_men,
        "women": extract.eligible_women, "excluded": {k: int(v) for k, v in (extract.excluded or {}).items()},
        "by_kota": by_kota, "exclusion_labels": dict(models.ExclusionReason.choices),
    }


def reconciliation_summary() -> dict | None:
    """The latest reconciliation of a KPU list against the register: findings per kota
    and category, from the elections app's own per-kelurahan summary table."""
    queries = _module("adminduk.elections.queries")
    models = _module("adminduk.elections.models")
    run = queries.latest_reconciliation()
    if run is None:
        return None
    per_kota: dict[str, dict[str, int]] = {}
    for code, category, count in run.kelurahan_counts.values_list("kelurahan_code", "category", "count"):
        cell = per_kota.setdefault(code[:5], {})
        cell[category] = cell.get(category, 0) + count
    return {
        "election": run.election.name, "list_name": run.list_name, "created_at": run.created_at,
        "rows": run.rows, "unreadable": run.unreadable, "matched": run.matched,
        "counts": {k: int(v) for k, v in (run.counts or {}).items()}, "per_kota": per_kota,
        "labels": dict(models.Category.choices), "categories": list(models.Category.values),
    }


def blanko_summary(as_of: dt.date | None = None) -> dict | None:
    """Stock, print backlog and the forecast clearance date per kota and for DKI."""
    planning = _module("adminduk.cardstock.planning")
    forecast = _module("adminduk.cardstock.forecast")
    if not all(hasattr(planning, f) for f in ("current_state", "kota_figures")) or not hasattr(forecast, "simulate"):
        raise Unavailable("fungsi ringkasan blanko belum ada")
    state = planning.current_state(as_of)
    if not state.stores:
        return None
    result = forecast.simulate(state.params)
    return {"as_of": state.params.start, "rows": planning.kota_figures(state, result)}
