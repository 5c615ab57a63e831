"""Server-side SVG charts: no JavaScript, no CDN, readable without a browser plug-in.

Both functions return a complete <svg> element as a safe string; every text that
comes from data is escaped. Sizes are in SVG units and scale with the page.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

ACCENT = "#0b5ea8"
BELOW = "#c2410c"
TARGET = "#1e7b34"
GRID = "#dde3ea"
MUTED = "#5b6b7c"


def short_name(name: str) -> str:
    """Area names without the administrative prefix, so chart labels fit."""
    for prefix in ("Kabupaten Administrasi ", "Kota Administrasi ", "Kab. Adm. ", "Kota Adm. "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _fmt(value: Decimal | float) -> str:
    return f"{float(value):.1f}".replace(".", ",")


def bars(items: list[tuple], *, title: str = "", width: int = 640) -> str:
    """Horizontal bars of percentages (0–100), one per (label, percent, target[, text]).

    A bar below its target is drawn in the warning colour; the target is a green tick.
    An item with its own text (a bound such as "> 99,9%") is drawn grey with that text.
    """
    row, left, right, top = 22, 190, 60, 26 if title else 8
    height = top + row * len(items) + 24
    plot = width - left - right
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" class="chart" font-family="system-ui, sans-serif" font-size="12">']
    if title:
        parts.append(f'<text x="0" y="16" font-weight="600" font-size="13">{escape(title)}</text>')
    for pct in (0, 25, 50, 75, 100):
        x = left + plot * pct / 100
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 20}" stroke="{GRID}"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" fill="{MUTED}">{pct}%</text>')
    for i, item in enumerate(items):
        label, pct, target = item[:3]
        text = item[3] if len(item) > 3 and item[3] else None
        y = top + i * row
        parts.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{escape(short_name(label)[:30])}</text>')
        if pct is None:
            parts.append(f'<text x="{left + 4}" y="{y + 15}" fill="{MUTED}">–</text>')
            continue
        w = plot * min(float(pct), 100) / 100
        colour = MUTED if text else BELOW if target is not None and pct < target else ACCENT
        parts.append(f'<rect x="{left}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{colour}"/>')
        parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 15}">{escape(text) if text else _fmt(pct) + "%"}</text>')
        if target is not None:
            tx = left + plot * float(target) / 100
            parts.append(f'<line x1="{tx:.1f}" y1="{y + 1}" x2="{tx:.1f}" y2="{y + row - 1}" stroke="{TARGET}" '
                         f'stroke-width="3"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every data text above is escaped


def trend(points: list[tuple[dt.date, Decimal | None]], *, target: Decimal | None = None, title: str = "",
          width: int = 640, height: int = 220) -> str:
    """A line of percentages over as-of dates, with the target as a dashed line.

    The y axis starts below the lowest value (coverage moves by tenths of a point), and
    says so by its labels.
    """
    top, left, right, bottom = 26 if title else 10, 48, 34, 28
    values = [float(p) for _, p in points if p is not None]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" class="chart" font-family="system-ui, sans-serif" font-size="12">']
    if title:
        parts.append(f'<text x="0" y="16" font-weight="600" font-size="13">{escape(title)}</text>')
    if not values:
        parts.append(f'<text x="{left}" y="{height / 2}" fill="{MUTED}">belum ada snapshot</text></svg>')
        return mark_safe("".join(parts))  # noqa: S308
    lo = min(values + ([float(target)] if target is not None else []))
    hi = max(values + ([float(target)] if target is not None else []))
    lo, hi = max(0.0, lo - max(1.0, (hi - lo) * 0.15)), min(100.0, hi + max(0.5, (hi - lo) * 0.15))
    if hi - lo < 1:
        lo = max(0.0, hi - 1)
    pw, ph = width - left - right, height - top - bottom

    def y(v: float) -> float:
        return top + ph * (1 - (v - lo) / (hi - lo))

    def x(i: int) -> float:
        return left + (pw * i / (len(points) - 1) if len(points) > 1 else pw / 2)

    for k in range(5):
        v = lo + (hi - lo) * k / 4
        parts.append(f'<line x1="{left}" y1="{y(v):.1f}" x2="{width - right}" y2="{y(v):.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 4}" y="{y(v) + 4:.1f}" text-anchor="end" fill="{MUTED}">{_fmt(v)}</text>')
    if target is not None:
        ty = y(float(target))
        parts.append(f'<line x1="{left}" y1="{ty:.1f}" x2="{width - right}" y2="{ty:.1f}" stroke="{TARGET}" '
                     f'stroke-dasharray="6 4" stroke-width="2"/>')
        parts.append(f'<text x="{width - right}" y="{ty - 4:.1f}" text-anchor="end" fill="{TARGET}">'
                     f'target {_fmt(target)}%</text>')
    coords = [(x(i), y(float(p))) for i, (_, p) in enumerate(points) if p is not None]
    parts.append('<polyline fill="none" stroke="{}" stroke-width="2.5" points="{}"/>'.format(
        ACCENT, " ".join(f"{a:.1f},{b:.1f}" for a, b in coords)))
    step = max(1, len(points) // 8)
    for i, (day, p) in enumerate(points):
        if p is None:
            continue
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(float(p)):.1f}" r="3.5" fill="{ACCENT}">'
                     f'<title>{day:%d-%m-%Y}: {_fmt(p)}%</title></circle>')
        if i % step == 0 or i == len(points) - 1:
            parts.append(f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" fill="{MUTED}">'
                         f'{day:%m/%Y}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308
