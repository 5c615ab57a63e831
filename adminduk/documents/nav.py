from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def items(user) -> list[dict]:
    if getattr(user, "jurisdiction_code", None) is None:
        return []
    return [{"label": _("KTP-el"), "url": reverse("documents:lookup")}]
