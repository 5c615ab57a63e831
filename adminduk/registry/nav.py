from django.urls import reverse
from django.utils.translation import gettext as _


def items(user) -> list[dict]:
    if not user.can_read_persons or user.jurisdiction_code is None:
        return []
    return [{"label": _("Cari penduduk"), "url": reverse("registry:search")}]
