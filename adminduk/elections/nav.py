from django.urls import reverse
from django.utils.translation import gettext as _

from adminduk.accounts.models import Role

from .queries import can_see_summaries


def items(user) -> list[dict]:
    if user.role == Role.DPRD:
        return [{"label": _("Kesiapan data pemilih"), "url": reverse("elections:dprd")}]
    if can_see_summaries(user):
        return [{"label": _("Data pemilih (DP4)"), "url": reverse("elections:index")}]
    return []
