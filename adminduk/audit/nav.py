from django.urls import reverse
from django.utils.translation import gettext as _

from .queries import is_auditor


def items(user) -> list[dict]:
    if not is_auditor(user):
        return []
    return [{"label": _("Log audit"), "url": reverse("audit:log")}]
