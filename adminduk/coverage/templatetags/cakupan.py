"""Number formatting for coverage figures in the active language (1.234.567 / 98,12 %)."""

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def angka(value):
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        return value  # already a suppressed label such as "<10"
    return number_format(value, 0, use_l10n=True, force_grouping=True)


@register.filter
def persen(value):
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        return value
    return number_format(value, 2, use_l10n=True, force_grouping=True) + "%"
