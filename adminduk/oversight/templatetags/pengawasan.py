"""Rendering oversight charts as inline SVG (the same charts as the dashboard)."""

from decimal import Decimal

from django import template

from adminduk.coverage import charts
from adminduk.coverage.templatetags.cakupan import angka, persen

register = template.Library()


@register.filter
def svg(chart):
    if chart.kind == "trend":
        return charts.trend(chart.items, target=chart.target, title=chart.title)
    return charts.bars(chart.items, title=chart.title)


@register.filter
def nilai(cell):
    """A table cell: a percentage (Decimal), a count (int), or a mark such as "<10"."""
    if isinstance(cell, Decimal):
        return persen(cell)
    return angka(cell)
