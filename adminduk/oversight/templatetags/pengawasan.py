"""Rendering oversight charts as inline SVG (the same charts as the dashboard)."""

from django import template

from adminduk.coverage import charts

register = template.Library()


@register.filter
def svg(chart):
    if chart.kind == "trend":
        return charts.trend(chart.items, target=chart.target, title=chart.title)
    return charts.bars(chart.items, title=chart.title)
