"""Permission-checked reads for the blanko pages: one function per resource.

The queue shows residents' names and NIKs, so it is audited and limited to the
stores the user may print for; everything else here is aggregate (no personal data).
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from adminduk.audit.actions import record as audit_record
from adminduk.documents.actions import waiting_queue
from adminduk.documents.models import PrintRequest, RequestStatus, Suket

from . import ledger
from .models import Movement, Store, StoreKind


def stores_in_area(user):
    code = getattr(user, "jurisdiction_code", None)
    if getattr(user, "role", None) == "auditor":
        return Store.objects.all()
    if code is None:
        return Store.objects.none()
    return Store.objects.filter(Q(region_id=code) | Q(region__code__startswith=code + "."))


def get_store(user, code: str) -> Store:
    store = Store.objects.filter(region_id=code).first()
    if store is None or not (ledger.in_area(user, store) or getattr(user, "role", None) == "auditor"):
        raise PermissionDenied(f"gudang {code} tidak dikenal atau di luar wilayah kerja")
    return store


def print_queue(user, store: Store, *, purpose: str, limit: int = 100, ip: str = "") -> list[PrintRequest]:
    """The next waiting requests of a service point, with names, for its printers."""
    if not ledger.can_print(user, store):
        raise PermissionDenied("hanya petugas tempat cetak ini yang dapat melihat antreannya")
    rows = list(waiting_queue(store).select_related("person")[:limit])
    audit_record(user, "ktp.queue.read", purpose=purpose, niks=[r.person.nik for r in rows], row_count=len(rows),
                 query=f"store={store.region_id}", ip=ip)
    return rows


def queue_counts(store: Store) -> dict:
    waiting = PrintRequest.objects.filter(store=store, status=RequestStatus.WAITING)
    return {"waiting": waiting.count(), "not_yet_17": waiting.filter(not_before__gt=timezone.localdate()).count(),
            "stock": ledger.balance(store.pk),
            "suket_open": Suket.objects.filter(store=store, replaced_at__isnull=True).count()}


def ledger_rows(user, *, store: str = "", kind: str = "", date_from=None, date_to=None, limit: int = 100):
    """The newest `limit` movements matching the filters, and how many match."""
    if not ledger.can_view_ledger(user):
        raise PermissionDenied("peran ini tidak dapat melihat buku blanko")
    qs = Movement.objects.filter(store__in=stores_in_area(user)).select_related("store", "counterpart", "actor")
    if store:
        qs = qs.filter(store__region_id=store)
    if kind:
        qs = qs.filter(kind=kind)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return list(qs.order_by("-at", "-id")[:limit]), qs.count()


def printable_stores(user):
    return [s for s in stores_in_area(user).filter(kind=StoreKind.SERVICE_POINT) if ledger.can_print(user, s)]


def managed_stores(user):
    return [s for s in stores_in_area(user) if ledger.can_manage(user, s)]


def expiring_sukets(user, *, within_days: int = 30, purpose: str, ip: str = "") -> list[Suket]:
    """Sukets not yet replaced by a card that expire within `within_days` (or have)."""
    code = getattr(user, "jurisdiction_code", None)
    if code is None:
        raise PermissionDenied("peran ini tidak boleh membaca data perseorangan")
    until = timezone.localdate() + dt.timedelta(days=within_days)
    rows = list(Suket.objects.filter(store__in=stores_in_area(user), replaced_at__isnull=True, valid_until__lte=until)
                .select_related("person", "store").order_by("valid_until")[:500])
    audit_record(user, "suket.expiring.read", purpose=purpose, niks=[s.person.nik for s in rows], row_count=len(rows),
                 query=f"within_days={within_days}", ip=ip)
    return rows
