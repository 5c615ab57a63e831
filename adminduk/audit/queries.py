"""Permission-checked reads of the audit log.

The log itself holds personal data (NIKs and what was looked up), so it is read only
here: auditors search all of it (and that search is itself audited); staff see the
accesses to a person they are allowed to see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from adminduk.accounts.models import Role

from .actions import record
from .models import AuditEntry, AuditSubject

PAGE_SIZE = 50


def is_auditor(user) -> bool:
    return bool(user and user.is_active and user.role == Role.AUDITOR)


def accesses_for_nik(user, nik: str, *, limit: int = 200) -> list[AuditEntry]:
    """Who accessed this person, newest first (for the person page and, later, the
    resident's own view). Allowed to auditors and to staff whose jurisdiction covers
    the person. Not audited by itself: it is shown with the person's record, whose read
    is audited by `registry.queries`; an auditor's own searches go through `search_log`."""
    if not is_auditor(user):
        from adminduk.registry.models import Person

        kelurahan = Person.objects.filter(nik=nik).values_list("family__kelurahan_id", flat=True).first()
        if kelurahan is None or not user.in_jurisdiction(kelurahan):
            raise PermissionDenied("riwayat akses hanya untuk penduduk di wilayah kerja Anda")
    entry_ids = AuditSubject.objects.filter(nik=nik).order_by("-entry_id").values_list("entry_id", flat=True)[:limit]
    return list(AuditEntry.objects.filter(id__in=list(entry_ids)).order_by("-seq"))


@dataclass
class LogFilters:
    username: str = ""
    role: str = ""
    action: str = ""
    nik: str = ""
    purpose: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    before_seq: int | None = None  # keyset pagination: rows older than this seq

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in self.__dict__.items() if v not in ("", None) and k != "before_seq"]
        return " ".join(parts) or "semua"


@dataclass
class LogPage:
    entries: list[AuditEntry]
    next_before: int | None  # pass as before_seq for the next (older) page
    filters: LogFilters = field(default_factory=LogFilters)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _filtered(f: LogFilters) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.all()
    if f.nik:
        qs = qs.filter(id__in=AuditSubject.objects.filter(nik=f.nik).values("entry_id"))
    if f.username:
        qs = qs.filter(username=f.username)
    if f.role:
        qs = qs.filter(role=f.role)
    if f.action:
        qs = qs.filter(action__startswith=f.action)
    if f.purpose:
        qs = qs.filter(purpose__icontains=f.purpose)
    # Dates become a range of seq: `at` grows with `seq` (it is read under the chain
    # lock), so every filter stays a backwards walk of one index, newest first, instead
    # of sorting all rows of a date range.
    if f.date_from:
        first = (AuditEntry.objects.filter(at__gte=_day_start(f.date_from)).order_by("at")
                 .values_list("seq", flat=True).first())
        qs = qs.filter(seq__gte=first) if first is not None else qs.none()
    if f.date_to:
        last = (AuditEntry.objects.filter(at__lt=_day_start(f.date_to + dt.timedelta(days=1))).order_by("-at")
                .values_list("seq", flat=True).first())
        qs = qs.filter(seq__lte=last) if last is not None else qs.none()
    return qs


def search_log(user, filters: LogFilters, *, ip: str = "", page_size: int = PAGE_SIZE) -> LogPage:
    """One page of the log, newest first, for auditors only. Keyset pagination on
    `seq` (no OFFSET, no COUNT) keeps every page fast on millions of rows."""
    if not is_auditor(user):
        raise PermissionDenied("log audit hanya dapat dibaca oleh auditor")
    qs = _filtered(filters)
    if filters.before_seq:
        qs = qs.filter(seq__lt=filters.before_seq)
    rows = list(qs.order_by("-seq")[: page_size + 1])
    more = len(rows) > page_size
    rows = rows[:page_size]
    # Reading the log is itself an access to personal data (the NIKs in it).
    record(user, "audit.search", object_type="audit", purpose="pemeriksaan log audit", query=filters.describe(),
           row_count=len(rows), ip=ip)
    return LogPage(entries=rows, next_before=rows[-1].seq if more and rows else None, filters=filters)
