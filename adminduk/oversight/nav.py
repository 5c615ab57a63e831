from django.urls import reverse
from django.utils.translation import gettext as _

from .summary import can_view


def items(user) -> list[dict]:
    if not can_view(user):
        return []
    return [{"label": _("Pengawasan DPRD"), "url": reverse("oversight:page")}]
