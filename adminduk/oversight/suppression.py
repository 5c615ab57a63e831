"""Small-count suppression for figures shown to the DPRD (aggregates only).

A count from 1 to 9 is shown as "<10" (primary suppression): a cell that small can
point at a household. Because tables carry totals, hiding one cell is not enough: a
row total minus the other cells gives it back. So every additive relation in a table
(total = sum of parts) is a constraint, and when exactly one cell of a constraint is
hidden, the smallest other visible cell of that constraint is hidden too
(complementary suppression), repeated until no constraint has a lone hidden cell.
Zero is shown: "nobody" in an area of thousands singles no one out.

Pure functions, no database; the oversight pages and the rakor report both use them.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

THRESHOLD = 10
SUPPRESSED = "<10"
# A cell hidden only so that a small one cannot be computed back from a total.
COMPLEMENTARY = "×"


def is_small(value: int | None) -> bool:
    return value is not None and 0 < value < THRESHOLD


@dataclass(frozen=True)
class Constraint:
    """`total` equals the sum of `parts` (cell keys of one table)."""

    total: Hashable
    parts: tuple[Hashable, ...]

    @property
    def cells(self) -> tuple[Hashable, ...]:
        return (self.total, *self.parts)


def suppress(values: dict[Hashable, int], constraints: Iterable[Constraint] = ()) -> set[Hashable]:
    """The keys of the cells to hide: primary (1–9) plus complementary suppression."""
    hidden = {key for key, value in values.items() if is_small(value)}
    constraints = list(constraints)
    changed = True
    while changed:
        changed = False
        for c in constraints:
            cells = [k for k in c.cells if k in values]
            lone = [k for k in cells if k in hidden]
            if len(lone) != 1:
                continue
            visible = [k for k in cells if k not in hidden]
            if not visible:
                continue
            # Prefer hiding a non-zero part (a zero reveals as much as it hides), then the smallest.
            choice = min(visible, key=lambda k: (values[k] == 0, k == c.total, values[k]))
            hidden.add(choice)
            changed = True
    return hidden


def shown(value: int | None, hidden: bool) -> str | int | None:
    """What a page prints for a count: the number, "<10" for a small count, or "×" for
    a larger one hidden to protect a small one."""
    if not hidden:
        return value
    return SUPPRESSED if is_small(value) else COMPLEMENTARY


def bounded_percent(numerator: int, denominator: int, *, numerator_hidden: bool, without_hidden: bool,
                    denominator_hidden: bool) -> str | Decimal | None:
    """A percentage that does not give back a hidden count.

    With the denominator shown, an exact percentage would reveal a hidden numerator or
    complement. A small hidden count gives a bound ("> 99,9%" when fewer than 10 lack
    the document, "< 0,5%" when fewer than 10 hold it). A larger count hidden only to
    protect another cell gives a whole percent ("± 98%") when the rounding hides at
    least 10 people, and nothing otherwise.
    """
    if denominator <= 0:
        return None
    if denominator_hidden:
        return SUPPRESSED if is_small(denominator) else COMPLEMENTARY
    without = denominator - numerator
    if without_hidden and is_small(without):
        bound = (Decimal(denominator - THRESHOLD) * 100 / denominator).quantize(Decimal("0.1"), ROUND_FLOOR)
        return f"> {max(bound, Decimal(0))}".replace(".", ",") + "%"
    if numerator_hidden and is_small(numerator):
        bound = (Decimal(THRESHOLD) * 100 / denominator).quantize(Decimal("0.1"), ROUND_CEILING)
        return f"< {min(bound, Decimal(100))}".replace(".", ",") + "%"
    if numerator_hidden or without_hidden:
        if denominator * Decimal("0.005") >= THRESHOLD:  # ±0.5 point is at least 10 people
            return f"± {(Decimal(numerator) * 100 / denominator).quantize(Decimal(1))}%"
        return COMPLEMENTARY
    return (Decimal(numerator) * 100 / denominator).quantize(Decimal("0.01"))
