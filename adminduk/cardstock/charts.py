"""Server-rendered SVG line charts (no JavaScript, no CDN; presentation attributes
only, so the strict Content-Security-Policy of the staff UI holds)."""

import datetime as dt

from django.utils.html import escape
from django.utils.safestring import mark_safe


def line_chart(dates: list[dt.date], series: list[tuple[str, list[float], str]], *, marks=(), width=900,
               height=300, title="") -> str:
    """`series`: (label, values, colour). `marks`: (date, label) vertical markers."""
    left, right, top, bottom = 70, 20, 30, 40
    w, h = width - left - right, height - top - bottom
    peak = max([max(v) for _, v, _ in series if v] + [1])
    step = 10 ** max(0, len(str(int(peak))) - 1)
    peak = (int(peak / step) + 1) * step
    n = max(1, len(dates) - 1)

    def x(i):
        return left + w * i / n

    def y(v):
        return top + h - h * v / peak

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" role="img" '
             f'aria-label="{escape(title)}">', f'<title>{escape(title)}</title>']
    for k in range(5):
        v = peak * k / 4
        parts.append(f'<line x1="{left}" x2="{left + w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#dde3ea"/>')
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11" fill="#5b6b7c">'
                     f'{int(v):,}</text>'.replace(",", "."))
    for i, d in enumerate(dates):
        if d.day == 1 or (i == 0 and d.day < 25):
            parts.append(f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{top}" y2="{top + h}" stroke="#eef2f6"/>')
            parts.append(f'<text x="{x(i):.1f}" y="{top + h + 16}" font-size="11" fill="#5b6b7c">{d:%d/%m/%y}</text>')
    for k, (d, label) in enumerate(marks):
        if dates and dates[0] <= d <= dates[-1]:
            i = (d - dates[0]).days
            parts.append(f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{top}" y2="{top + h}" stroke="#b3261e" '
                         f'stroke-dasharray="4 3"/>')
            parts.append(f'<text x="{x(i) + 3:.1f}" y="{top + 12 + 13 * (k % 2)}" font-size="11" fill="#b3261e">'
                         f'{escape(label)}</text>')
    for j, (label, values, colour) in enumerate(series):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        parts.append(f'<rect x="{left + 10 + j * 190}" y="{height - 14}" width="12" height="4" fill="{colour}"/>')
        parts.append(f'<text x="{left + 26 + j * 190}" y="{height - 8}" font-size="12" fill="#1d2733">'
                     f'{escape(label)}</text>')
    parts.append(f'<rect x="{left}" y="{top}" width="{w}" height="{h}" fill="none" stroke="#b8c4d0"/></svg>')
    return mark_safe("".join(parts))  # noqa: S308 - every text part above is escaped
