from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import ledger


def items(user) -> list[dict]:
    if not ledger.can_view_dashboard(user):
        return []
    return [{"label": _("Blanko KTP-el"), "url": reverse("cardstock:dashboard")}]
