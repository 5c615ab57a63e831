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
    """The latest DP4 extract: potential voters by sex and by kota, and exclusions by reason."""
    models = _module("adminduk.elections.models")
    extract = models.Extract.objects.select_related("election").order_by("-created_at", "-id").first()
    if extract is None:
        return None
    by_kota: dict[str, int] = {}
    for row in extract.dak2 or []:
        code = str(row.get("kecamatan_code") or row.get("code") or "")
        count = row.get("dp4") or row.get("eligible") or row.get("count") or row.get("total")
        if code.count(".") >= 2 and isinstance(count, int):
            kota = ".".join(code.split(".")[:2])
            by_kota[kota] = by_kota.get(kota, 0) + count
    return {
        "election": extract.election.name, "polling_day": extract.election.polling_day,
        "cutoff_date": extract.election.cutoff_date, "version": extract.version,
        "created_at": extract.created_at, "eligible": extract.eligible, "men": extract.eligible_men,
        "women": extract.eligible_women, "excluded": dict(extract.excluded or {}), "by_kota": by_kota,
        "exclusion_labels": dict(getattr(models, "ExclusionReason", None).choices)
        if hasattr(models, "ExclusionReason") else {},
    }


def reconciliation_summary() -> dict | None:
    """The latest reconciliation of a KPU list against the register, by category."""
    models = _module("adminduk.elections.models")
    rec = models.Reconciliation.objects.select_related("election").order_by("-created_at", "-id").first()
    if rec is None:
        return None
    labels = dict(models.Category.choices)
    return {
        "election": rec.election.name, "list_name": rec.list_name, "created_at": rec.created_at,
        "rows": rec.rows, "unreadable": rec.unreadable, "matched": rec.matched,
        "counts": {k: int(v) for k, v in (rec.counts or {}).items()}, "labels": labels,
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
