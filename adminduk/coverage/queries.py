"""Reads of the coverage summary tables (aggregates only, never a person's row).

Every page reads the few thousand rows of one snapshot; nothing here touches the
register. Who may read: staff roles and the auditor see unsuppressed counts; the
DPRD sees the suppressed figures of the oversight pages instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from adminduk.accounts.models import Role

from . import indicators
from .models import AreaIndicator, Snapshot, Target

VIEWER_ROLES = frozenset({Role.KELURAHAN, Role.KECAMATAN, Role.SUDIN, Role.DINAS, Role.AUDITOR})
CHILD_LEVEL = {"provinsi": "kota", "kota": "kecamatan", "kecamatan": "kelurahan"}
DKI = "31"


def can_view(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in VIEWER_ROLES)


def require_viewer(user) -> None:
    if not can_view(user):
        raise PermissionDenied(_("peran ini tidak melihat dasbor cakupan (DPRD: halaman pengawasan)"))


@dataclass(frozen=True)
class Figure:
    area_code: str
    area_name: str
    level: str
    indicator: str
    numerator: int
    denominator: int
    note: str
    target: Decimal | None
    target_source: str

    @property
    def meta(self) -> indicators.Indicator:
        return indicators.BY_KEY[self.indicator]

    @cached_property
    def percent(self) -> Decimal | None:
        return indicators.percent(self.numerator, self.denominator)

    @cached_property
    def without(self) -> int:
        """People in the denominator who do not (yet) hold the document."""
        return max(0, self.denominator - self.numerator)

    @cached_property
    def gap_people(self) -> int | None:
        return indicators.people_to_target(self.numerator, self.denominator, self.target)

    @cached_property
    def gap_points(self) -> Decimal | None:
        if self.target is None or self.percent is None:
            return None
        return max(Decimal(0), self.target - self.percent)

    @cached_property
    def met(self) -> bool | None:
        gap = self.gap_people
        return None if gap is None else gap == 0

    @property
    def over_100(self) -> bool:
        return self.numerator > self.denominator


def latest_snapshot(on: dt.date | None = None) -> Snapshot | None:
    """The newest snapshot whose as-of date is on or before `on` (any, if None)."""
    qs = Snapshot.objects.all()
    if on is not None:
        qs = qs.filter(as_of__lte=on)
    return qs.order_by("-as_of", "-id").first()


def snapshot_dates() -> list[dt.date]:
    return list(Snapshot.objects.order_by("-as_of").values_list("as_of", flat=True).distinct())


def snapshot_list(limit: int = 50) -> list[Snapshot]:
    return list(Snapshot.objects.select_related("actor").order_by("-as_of", "-id")[:limit])


def effective_targets(year: int) -> dict[tuple[str, str], tuple[Decimal | None, str]]:
    """(indicator, area code) -> (target, where it comes from), for areas with their own
    current target. `target_for` walks up the area tree to the DKI and national default."""
    current: dict[tuple[str, str], Target] = {}
    for target in Target.objects.filter(year=year).order_by("set_at", "id"):
        current[(target.indicator, target.area_id)] = target  # later rows win
    return {key: (t.value, f"Dinas, {t.set_at:%d-%m-%Y}: {t.reason}") for key, t in current.items()
            if t.value is not None}


def target_for(targets: dict, indicator: str, area_code: str) -> tuple[Decimal | None, str]:
    parts = area_code.split(".")
    for depth in range(len(parts), 0, -1):
        found = targets.get((indicator, ".".join(parts[:depth])))
        if found:
            return found
    meta = indicators.BY_KEY[indicator]
    if meta.national_target is not None:
        return meta.national_target, str(meta.target_source)
    return None, ""


def _figures(rows, targets) -> list[Figure]:
    out = []
    for r in rows:
        target, source = target_for(targets, r.indicator, r.area_code)
        out.append(Figure(r.area_code, r.area_name, r.level, r.indicator, r.numerator, r.denominator, r.note,
                          target, source))
    return out


def area_figures(snapshot: Snapshot, area_code: str) -> list[Figure]:
    """Every indicator of one area, in the order of the indicator list."""
    rows = AreaIndicator.objects.filter(snapshot=snapshot, area_code=area_code)
    order = {k: i for i, k in enumerate(indicators.KEYS)}
    figures = _figures(rows, effective_targets(snapshot.as_of.year))
    return sorted(figures, key=lambda f: order[f.indicator])


def children_figures(snapshot: Snapshot, area_code: str, indicator: str) -> list[Figure]:
    rows = AreaIndicator.objects.filter(snapshot=snapshot, parent_code=area_code, indicator=indicator)
    return sorted(_figures(rows, effective_targets(snapshot.as_of.year)), key=lambda f: f.area_code)


def level_figures(snapshot: Snapshot, level: str, indicator: str | None = None) -> list[Figure]:
    rows = AreaIndicator.objects.filter(snapshot=snapshot, level=level)
    if indicator:
        rows = rows.filter(indicator=indicator)
    order = {k: i for i, k in enumerate(indicators.KEYS)}
    return sorted(_figures(rows, effective_targets(snapshot.as_of.year)),
                  key=lambda f: (f.area_code, order[f.indicator]))


LEAGUE_SORTS = {
    "gap": lambda f: (-(f.gap_people or 0), f.area_code),
    "percent": lambda f: (f.percent if f.percent is not None else Decimal(999), f.area_code),
    "without": lambda f: (-f.without, f.area_code),
    "name": lambda f: (f.area_name, f.area_code),
    "code": lambda f: f.area_code,
}


def league(snapshot: Snapshot, indicator: str, *, within: str = "", sort: str = "gap") -> list[Figure]:
    """Kelurahan ranked by the number of people still needed to reach the target,
    optionally only those under a kota or kecamatan code."""
    indicators.get(indicator)
    if sort not in LEAGUE_SORTS:
        raise ValueError(f"urutan {sort!r} tidak dikenal; pilihan: {', '.join(LEAGUE_SORTS)}")
    rows = AreaIndicator.objects.filter(snapshot=snapshot, level="kelurahan", indicator=indicator)
    if within and within != DKI:
        rows = rows.filter(area_code__startswith=within + ".")
    return sorted(_figures(rows, effective_targets(snapshot.as_of.year)), key=LEAGUE_SORTS[sort])


def trend(area_code: str, indicator: str, *, until: dt.date | None = None) -> list[tuple[dt.date, int, int]]:
    """(as-of date, numerator, denominator) per as-of date, the latest snapshot of each date."""
    rows = AreaIndicator.objects.filter(area_code=area_code, indicator=indicator)
    if until is not None:
        rows = rows.filter(snapshot__as_of__lte=until)
    by_date: dict[dt.date, tuple[int, int, int]] = {}
    for as_of, sid, num, den in rows.values_list("snapshot__as_of", "snapshot_id", "numerator", "denominator"):
        if as_of not in by_date or sid > by_date[as_of][0]:
            by_date[as_of] = (sid, num, den)
    return [(d, v[1], v[2]) for d, v in sorted(by_date.items())]


def target_history(*, indicator: str | None = None, area_code: str | None = None, limit: int = 200):
    qs = Target.objects.select_related("area", "set_by")
    if indicator:
        qs = qs.filter(indicator=indicator)
    if area_code:
        qs = qs.filter(area_id=area_code)
    return list(qs.order_by("-set_at", "-id")[:limit])
