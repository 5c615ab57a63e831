from django.urls import reverse
from django.utils.translation import gettext as _

from .queries import can_view


def items(user) -> list[dict]:
    if not can_view(user):
        return []
    return [{"label": _("Cakupan dokumen"), "url": reverse("coverage:dashboard")}]
