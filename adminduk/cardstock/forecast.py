"""Backlog forecast by day: a small, transparent simulation (pure; no database).

Each printing unit (a service point, or DKI as a whole in a scenario) has a stock, a
backlog and a capacity per working day; new requests arrive every calendar day.
Shipments from Kemendagri land in a central pool and reach the printing units after a
distribution lag; the pool is handed out each day in proportion to each unit's
shortfall (backlog not covered by its stock), which is also the allocation rule
suggested for a real shipment (`suggest_allocation`). On working days each unit prints
min(capacity, stock, backlog); quantities are continuous (expected values).

"Cleared" means the backlog has come down to at most one day of new demand (a queue
that never waits more than a day); "initial debt paid" means as many cards have been
printed as were owed on the first day. Both dates, or None when not within the horizon.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import numpy as np


@dataclasses.dataclass
class Unit:
    code: str
    name: str
    group: str  # the kota it belongs to (for per-kota figures)
    stock: int
    backlog: int
    capacity: float  # cards per working day
    demand_per_day: float  # new requests per calendar day (base)
    # Extra demand per day by month ("YYYY-MM" -> requests/day), e.g. residents turning 17.
    monthly_extra: dict[str, float] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Shipment:
    on: dt.date
    quantity: int
    label: str = ""


@dataclasses.dataclass
class Params:
    start: dt.date
    units: list[Unit]
    shipments: list[Shipment] = dataclasses.field(default_factory=list)
    pool_stock: int = 0  # blanks at the Dinas / Suku Dinas, not yet at a printer
    horizon_days: int = 180
    distribution_lag_days: int = 3
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday..Friday
    target: dt.date | None = None


@dataclasses.dataclass
class Result:
    days: list[dt.date]
    backlog: np.ndarray  # [day, unit] end-of-day backlog
    stock: np.ndarray  # [day, unit] end-of-day stock at the unit
    pool: np.ndarray  # [day] blanks arrived at the Dinas / Suku Dinas, not yet at a printer
    printed: np.ndarray  # [day, unit]
    demand: np.ndarray  # [day, unit]
    params: Params

    @property
    def total_backlog(self) -> np.ndarray:
        return self.backlog.sum(axis=1)

    @property
    def total_stock(self) -> np.ndarray:
        return self.stock.sum(axis=1) + self.pool

    def cleared_on(self, columns: Sequence[int] | None = None) -> dt.date | None:
        cols = list(range(len(self.params.units))) if columns is None else list(columns)
        backlog = self.backlog[:, cols].sum(axis=1)
        daily = self.demand[:, cols].sum(axis=1)
        threshold = max(1.0, float(daily.mean())) if len(daily) else 1.0
        hits = np.nonzero(backlog <= threshold)[0]
        return self.days[int(hits[0])] if len(hits) else None

    def initial_debt_paid_on(self, columns: Sequence[int] | None = None) -> dt.date | None:
        cols = list(range(len(self.params.units))) if columns is None else list(columns)
        owed = sum(self.params.units[i].backlog for i in cols)
        if owed == 0:
            return self.days[0]
        done = np.cumsum(self.printed[:, cols].sum(axis=1))
        hits = np.nonzero(done >= owed)[0]
        return self.days[int(hits[0])] if len(hits) else None

    def on(self, day: dt.date) -> int | None:
        i = (day - self.days[0]).days
        return i if 0 <= i < len(self.days) else None

    def stock_out_days(self) -> int:
        """Working days on which some unit had a backlog but no blanks."""
        work = np.array([d.weekday() in self.params.workdays for d in self.days])
        starved = ((self.stock <= 0) & (self.backlog >= 1)).any(axis=1)
        return int((starved & work).sum())


def _demand_matrix(params: Params, days: list[dt.date]) -> np.ndarray:
    base = np.array([u.demand_per_day for u in params.units], dtype=float)
    out = np.tile(base, (len(days), 1))
    months = [d.strftime("%Y-%m") for d in days]
    for j, unit in enumerate(params.units):
        if unit.monthly_extra:
            out[:, j] += [unit.monthly_extra.get(m, 0.0) for m in months]
    return out


def simulate(params: Params) -> Result:
    n_days, units = params.horizon_days, params.units
    days = [params.start + dt.timedelta(days=i) for i in range(n_days)]
    demand = _demand_matrix(params, days)
    stock = np.array([u.stock for u in units], dtype=float)
    backlog = np.array([u.backlog for u in units], dtype=float)
    capacity = np.array([u.capacity for u in units], dtype=float)
    pool, in_transit = float(params.pool_stock), {}
    for s in params.shipments:
        arrive = max(s.on, params.start) + dt.timedelta(days=params.distribution_lag_days)
        in_transit[arrive] = in_transit.get(arrive, 0.0) + s.quantity
    out_backlog = np.zeros((n_days, len(units)))
    out_stock = np.zeros((n_days, len(units)))
    out_printed = np.zeros((n_days, len(units)))
    out_pool = np.zeros(n_days)
    for t, day in enumerate(days):
        arriving = in_transit.pop(day, 0.0)
        pool += arriving
        backlog += demand[t]
        if pool >= 1 and len(units):
            shortfall = np.clip(backlog + demand[t] * params.distribution_lag_days - stock, 0, None)
            need = shortfall.sum()
            if need > 0:
                give = min(pool, need)
                share = shortfall / need * give
                stock += share
                pool -= share.sum()
        if day.weekday() in params.workdays:
            # Continuous quantities: demand arrives in fractions of a card per unit and
            # day; flooring would leave a residue of up to one card at each of 267 units.
            printed = np.minimum(np.minimum(capacity, stock), backlog)
            printed = np.clip(printed, 0, None)
            stock -= printed
            backlog -= printed
            out_printed[t] = printed
        out_backlog[t], out_stock[t] = backlog, stock
        out_pool[t] = pool
    return Result(days, out_backlog, out_stock, out_pool, out_printed, demand, params)


def suggest_allocation(quantity: int, backlogs: dict[str, int], stocks: dict[str, int] | None = None) -> dict[str, int]:
    """Split a shipment across stores in proportion to their shortfall (backlog minus
    stock), largest remainder, so the parts add up to `quantity` exactly. With no
    shortfall anywhere, in proportion to backlog; with no backlog, equally."""
    stocks = stocks or {}
    codes = sorted(backlogs)
    if not codes or quantity <= 0:
        return {c: 0 for c in codes}
    weights = [max(0, backlogs[c] - stocks.get(c, 0)) for c in codes]
    if sum(weights) == 0:
        weights = [max(0, backlogs[c]) for c in codes]
    if sum(weights) == 0:
        weights = [1] * len(codes)
    total = sum(weights)
    exact = [quantity * w / total for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(codes)), key=lambda i: (-(exact[i] - parts[i]), codes[i]))
    for i in order[: quantity - sum(parts)]:
        parts[i] += 1
    return dict(zip(codes, parts, strict=True))


def extra_blanks_to_clear(params: Params, by: dt.date, limit: int = 5_000_000) -> int | None:
    """The fewest extra blanks at hand on the first day that clear the backlog by
    `by`; None when even `limit` does not (printing capacity is the bottleneck)."""
    def clears(extra: int) -> bool:
        trial = dataclasses.replace(params, pool_stock=params.pool_stock + extra)
        when = simulate(trial).cleared_on()
        return when is not None and when <= by

    if clears(0):
        return 0
    if not clears(limit):
        return None
    lo, hi = 0, limit
    while hi - lo > 100:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if clears(mid) else (mid, hi)
    return hi


def capacity_to_clear(params: Params, by: dt.date, max_factor: float = 20.0) -> float | None:
    """The factor on every unit's capacity (with unlimited blanks) that clears by `by`."""
    def clears(factor: float) -> bool:
        units = [dataclasses.replace(u, capacity=u.capacity * factor) for u in params.units]
        trial = dataclasses.replace(params, units=units, pool_stock=params.pool_stock + 10_000_000)
        when = simulate(trial).cleared_on()
        return when is not None and when <= by

    if not clears(max_factor):
        return None
    lo, hi = 0.0, max_factor
    while hi - lo > 0.01:
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if clears(mid) else (mid, hi)
    return round(hi, 2)
