"""Every change to a KTP-el record, a print request, a Suket or an IKD: one function each.

Each runs in one transaction, validates first (ValidationError keyed by field, in
Bahasa Indonesia), changes `Person.ktp_state` with a one-column update, writes a
`KtpRecordEvent` with the acting user and reason, and an audit row.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from adminduk.audit.actions import record as audit_record
from adminduk.cardstock import ledger
from adminduk.cardstock.models import PrintRun, Store, StoreKind
from adminduk.registry.choices import KtpState, LifeStatus, MaritalStatus
from adminduk.registry.models import Person

from . import rules
from .models import (
    FIRST_KINDS,
    OPEN_STATUSES,
    KtpRecordEvent,
    PrintRequest,
    RequestKind,
    RequestStatus,
    Suket,
)


def _require_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise ValidationError({"reason": "alasan wajib diisi"})


def _actor(actor):
    return actor if getattr(actor, "pk", None) else None


def _lock_person(person_id: int) -> Person:
    qs = Person.objects.select_related("family")
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=person_id)


def _transition(person: Person, to_state: str, *, action: str, actor, reason: str, request=None,
                details=None) -> KtpRecordEvent:
    """Move the record to `to_state` (checked against the table) and write its event."""
    if not rules.allowed(person.ktp_state, to_state):
        raise ValidationError({"ktp_state": f"perubahan status KTP-el dari {KtpState(person.ktp_state).label} ke "
                                            f"{KtpState(to_state).label} tidak diperbolehkan"})
    event = KtpRecordEvent.objects.create(person_id=person.pk, at=timezone.now(), actor=_actor(actor), action=action,
                                          from_state=person.ktp_state, to_state=to_state, reason=reason,
                                          request=request, details=details or {})
    Person.objects.filter(pk=person.pk).update(ktp_state=to_state)
    person.ktp_state = to_state
    return event


def _note(person: Person, *, action: str, actor, reason: str, request=None, details=None) -> KtpRecordEvent:
    """An event that leaves the state as it is (Suket, IKD, a cancelled request)."""
    return KtpRecordEvent.objects.create(person_id=person.pk, at=timezone.now(), actor=_actor(actor), action=action,
                                         from_state=person.ktp_state, to_state=person.ktp_state, reason=reason,
                                         request=request, details=details or {})


def service_point_for(person: Person) -> Store:
    store = Store.objects.filter(region_id=person.family.kelurahan_id, kind=StoreKind.SERVICE_POINT).first()
    if store is None:
        raise ValidationError({"store": f"belum ada tempat cetak untuk kelurahan {person.family.kelurahan_id}"})
    return store


# --- The enrolment pipeline --------------------------------------------------------------

@transaction.atomic
def do_record_state(person: Person, to_state: str, *, actor, reason: str) -> KtpRecordEvent:
    """A state reported by the recording station or the data centre (SFE, PRR, failure,
    adjudication, duplicate). Reaching PRR opens the first-card request of a resident
    who is, or will soon be, wajib KTP, so the backlog is exactly the PRRs without a card."""
    _require_reason(reason)
    person = _lock_person(person.pk)
    if to_state not in KtpState.values:
        raise ValidationError({"ktp_state": f"status {to_state!r} tidak dikenal"})
    if not rules.pipeline_allowed(person.ktp_state, to_state):
        raise ValidationError({"ktp_state": f"perubahan status KTP-el dari {KtpState(person.ktp_state).label} ke "
                                            f"{KtpState(to_state).label} tidak diperbolehkan"})
    event = _transition(person, to_state, action="ktp.state", actor=actor, reason=reason)
    audit_record(actor, "ktp.state", purpose=reason, niks=[person.nik], row_count=1)
    if to_state == KtpState.PRINT_READY_RECORD and not _has_open_request(person) and not _ever_printed(person):
        kind = RequestKind.FIRST_17 if person.marital_status == MaritalStatus.BELUM_KAWIN else RequestKind.FIRST_MARRIAGE
        _open_request(person, kind, actor=actor, reason=reason)
    return event


def _has_open_request(person: Person) -> bool:
    return PrintRequest.objects.filter(person_id=person.pk, status__in=OPEN_STATUSES).exists()


def _ever_printed(person: Person) -> bool:
    return (person.ktp_state in (KtpState.PRINTED, KtpState.ISSUED)
            or PrintRequest.objects.filter(person_id=person.pk, status__in=(RequestStatus.PRINTED,
                                                                            RequestStatus.ISSUED)).exists())


# --- Requests that lead to a print ---------------------------------------------------------

def _validate_request(person: Person, kind: str, *, police_report_no: str, change_note: str, on: dt.date) -> dict:
    errors = {}
    if kind not in RequestKind.values:
        return {"kind": f"jenis permohonan {kind!r} tidak dikenal"}
    if person.status != LifeStatus.HIDUP:
        errors["person"] = f"penduduk berstatus {person.get_status_display()}, bukan penduduk aktif"
    if _has_open_request(person):
        errors["person"] = "penduduk ini masih mempunyai permohonan cetak yang belum selesai"
    if kind in FIRST_KINDS:
        if _ever_printed(person):
            errors["kind"] = "penduduk ini sudah pernah dicetakkan KTP-el: gunakan penggantian atau perubahan data"
        elif person.ktp_state != KtpState.PRINT_READY_RECORD:
            errors["kind"] = (f"rekaman KTP-el belum siap cetak (status: {KtpState(person.ktp_state).label}); "
                              "KTP-el pertama hanya untuk rekaman PRR")
        if kind == RequestKind.FIRST_17 and rules.age_on(person.birth_date, on) < 16:
            errors["kind"] = "KTP-el pertama: umur belum 16 tahun (perekaman mulai 16, cetak pada usia 17)"
        if kind == RequestKind.FIRST_MARRIAGE and person.marital_status == MaritalStatus.BELUM_KAWIN:
            errors["kind"] = "status perkawinan 'belum kawin': gunakan KTP-el pertama usia 17"
    elif person.ktp_state != KtpState.ISSUED:
        errors["kind"] = (f"penggantian/perubahan hanya untuk pemegang KTP-el yang sudah diserahkan "
                          f"(status sekarang: {KtpState(person.ktp_state).label})")
    if kind == RequestKind.LOST and not police_report_no.strip():
        errors["police_report_no"] = "KTP-el hilang: nomor surat keterangan kehilangan dari kepolisian wajib diisi"
    if kind == RequestKind.CHANGE and not change_note.strip():
        errors["change_note"] = "sebutkan elemen data yang berubah (nama, alamat, status perkawinan, …)"
    return errors


def _open_request(person: Person, kind: str, *, actor, reason: str, police_report_no: str = "",
                  change_note: str = "", requested_at=None) -> PrintRequest:
    requested_at = requested_at or timezone.now()
    on = timezone.localdate(requested_at)
    not_before = None
    if kind == RequestKind.FIRST_17:
        birthday = rules.seventeenth_birthday(person.birth_date)
        not_before = birthday if birthday > on else None
    request = PrintRequest.objects.create(
        person_id=person.pk, store=service_point_for(person), kind=kind, requested_at=requested_at,
        priority=rules.priority_for(kind, birth_date=person.birth_date, marital_status=person.marital_status,
                                    citizenship=person.citizenship, occupation=person.occupation, on=on),
        not_before=not_before, police_report_no=police_report_no.strip(), change_note=change_note.strip(),
        actor=_actor(actor), reason=reason)
    if person.ktp_state == KtpState.ISSUED:
        _transition(person, KtpState.PRINT_READY_RECORD, action="ktp.request", actor=actor, reason=reason,
                    request=request, details={"kind": kind})
    else:
        _note(person, action="ktp.request", actor=actor, reason=reason, request=request, details={"kind": kind})
    audit_record(actor, "ktp.request", purpose=reason, niks=[person.nik], row_count=1)
    return request


@transaction.atomic
def do_request_card(person: Person, kind: str, *, actor, reason: str, police_report_no: str = "",
                    change_note: str = "", requested_at=None) -> PrintRequest:
    """A resident asks for a card: first card (17 or married), replacement (lost with a
    police report number, damaged), change of data, or the DKI→DKJ re-print."""
    _require_reason(reason)
    person = _lock_person(person.pk)
    on = timezone.localdate(requested_at) if requested_at else timezone.localdate()
    errors = _validate_request(person, kind, police_report_no=police_report_no, change_note=change_note, on=on)
    if errors:
        raise ValidationError(errors)
    return _open_request(person, kind, actor=actor, reason=reason, police_report_no=police_report_no,
                         change_note=change_note, requested_at=requested_at)


# --- Printing: one blank, one card, one transaction -----------------------------------------

# What printing needs of a waiting request (and the NIK for the audit row).
QUEUE_FIELDS = ("id", "person_id", "store_id", "kind", "priority", "status", "requested_at", "not_before",
                "person__id", "person__nik")


def waiting_queue(store: Store, *, on: dt.date | None = None):
    """Waiting requests of a store in print order: priority class, then first come."""
    on = on or timezone.localdate()
    return (PrintRequest.objects.filter(store=store, status=RequestStatus.WAITING)
            .exclude(not_before__gt=on).order_by("priority", "requested_at", "id"))


def next_in_queue(store: Store, count: int, *, on: dt.date | None = None):
    """The next `count` requests to print, with only what printing needs."""
    return waiting_queue(store, on=on).select_related("person").only(*QUEUE_FIELDS)[:count]


def print_locked(request: PrintRequest, store: Store, *, actor, run: PrintRun | None = None,
                 known_head=None) -> PrintRequest:
    """Print one card. The caller holds the store's lock and the transaction.
    `known_head`: the store's ledger head read under that lock (the hot path saves a query)."""
    if request.status != RequestStatus.WAITING:
        raise ValidationError({"request": f"permohonan #{request.pk} sudah {request.get_status_display().lower()}"})
    if request.not_before and request.not_before > timezone.localdate():
        raise ValidationError({"request": f"kartu baru boleh dicetak mulai {request.not_before:%d-%m-%Y} (usia 17)"})
    movement = ledger.consume(store, actor=actor, print_run=run, reason=f"cetak permohonan #{request.pk}",
                              known_head=known_head)
    now = timezone.now()
    serial = f"{store.region_id.replace('.', '')}-{movement.seq:07d}"
    updated = PrintRequest.objects.filter(pk=request.pk, status=RequestStatus.WAITING).update(
        status=RequestStatus.PRINTED, printed_at=now, consumption=movement, print_run=run, card_serial=serial)
    if updated != 1:  # belt and braces: someone printed it under our feet
        raise ValidationError({"request": f"permohonan #{request.pk} sudah dicetak"})
    request.status, request.printed_at, request.consumption, request.card_serial = (
        RequestStatus.PRINTED, now, movement, serial)
    # The hot path of a print: PRR → PRINTED (an entry of the transition table) as one
    # conditional UPDATE, which also takes the person's row lock; no read first.
    assert rules.allowed(KtpState.PRINT_READY_RECORD, KtpState.PRINTED)
    if Person.objects.filter(pk=request.person_id, ktp_state=KtpState.PRINT_READY_RECORD).update(
            ktp_state=KtpState.PRINTED) != 1:
        raise ValidationError({"request": f"rekaman KTP-el permohonan #{request.pk} tidak berstatus siap cetak (PRR)"})
    KtpRecordEvent.objects.create(person_id=request.person_id, at=now, actor=_actor(actor), action="ktp.print",
                                  from_state=KtpState.PRINT_READY_RECORD, to_state=KtpState.PRINTED,
                                  reason="cetak KTP-el", request=request,
                                  details={"blanko": movement.seq, "store": store.region_id, "serial": serial})
    return request


@transaction.atomic
def do_print_card(request: PrintRequest, *, actor) -> PrintRequest:
    store = ledger.lock_stores(request.store_id)[request.store_id]
    if not ledger.can_print(actor, store):
        raise ValidationError({"store": f"anda tidak berwenang mencetak di {store.name}"})
    request = PrintRequest.objects.select_related("person").get(pk=request.pk)
    request = print_locked(request, store, actor=actor)
    audit_record(actor, "ktp.print", purpose="cetak KTP-el", niks=[request.person.nik], row_count=1)
    return request


@transaction.atomic
def do_issue_card(request: PrintRequest, *, actor, reason: str = "diserahkan kepada penduduk") -> PrintRequest:
    """Hand the printed card to the resident; any Suket they hold is replaced by it."""
    _require_reason(reason)
    request = PrintRequest.objects.get(pk=request.pk)
    if request.status != RequestStatus.PRINTED:
        raise ValidationError({"request": f"permohonan #{request.pk} berstatus {request.get_status_display().lower()}, "
                                          "bukan 'sudah dicetak'"})
    person = _lock_person(request.person_id)
    now = timezone.now()
    PrintRequest.objects.filter(pk=request.pk).update(status=RequestStatus.ISSUED, issued_at=now)
    request.status, request.issued_at = RequestStatus.ISSUED, now
    Suket.objects.filter(person_id=person.pk, replaced_at__isnull=True).update(replaced_at=now)
    _transition(person, KtpState.ISSUED, action="ktp.issue", actor=actor, reason=reason, request=request)
    audit_record(actor, "ktp.issue", purpose=reason, niks=[person.nik], row_count=1)
    return request


@transaction.atomic
def do_cancel_request(request: PrintRequest, *, actor, reason: str) -> PrintRequest:
    """Withdraw a waiting request (the resident died, moved out, or asked twice)."""
    _require_reason(reason)
    request = PrintRequest.objects.get(pk=request.pk)
    if request.status != RequestStatus.WAITING:
        raise ValidationError({"request": "hanya permohonan yang menunggu cetak yang dapat dibatalkan"})
    person = _lock_person(request.person_id)
    PrintRequest.objects.filter(pk=request.pk).update(status=RequestStatus.CANCELLED)
    request.status = RequestStatus.CANCELLED
    _note(person, action="ktp.request.cancel", actor=actor, reason=reason, request=request)
    audit_record(actor, "ktp.request.cancel", purpose=reason, niks=[person.nik], row_count=1)
    return request


# --- Suket and IKD ------------------------------------------------------------------------

@transaction.atomic
def do_issue_suket(request: PrintRequest, *, actor, reason: str, on: dt.date | None = None) -> Suket:
    """A Suket while the card cannot be printed. The Dirjen forbade Suket while blanks
    are in stock (DOMAIN.md §0, 15 Nov 2022): refused when the service point has blanks."""
    _require_reason(reason)
    on = on or timezone.localdate()
    request = PrintRequest.objects.select_related("store").get(pk=request.pk)
    errors = {}
    if request.status != RequestStatus.WAITING:
        errors["request"] = "Suket hanya untuk permohonan yang masih menunggu cetak"
    stock = ledger.balance(request.store_id)
    if stock > 0:
        errors["request"] = f"stok blanko di {request.store.name} masih {stock}: cetak KTP-el, bukan Suket"
    held = Suket.objects.filter(request=request, replaced_at__isnull=True, valid_until__gte=on).first()
    if held:
        errors["request"] = f"Suket {held.number} masih berlaku sampai {held.valid_until:%d-%m-%Y}: perpanjang saja"
    if errors:
        raise ValidationError(errors)
    person = _lock_person(request.person_id)
    count = Suket.objects.filter(request=request).count()
    suket = Suket.objects.create(
        number=f"SKT-{person.nik}-{on:%Y%m%d}-{count + 1}", person_id=person.pk, store_id=request.store_id,
        request=request, issued_on=on, valid_until=rules.suket_valid_until(on), actor=_actor(actor), reason=reason)
    _note(person, action="suket.issue", actor=actor, reason=reason, request=request,
          details={"suket": suket.number, "valid_until": suket.valid_until.isoformat()})
    audit_record(actor, "suket.issue", purpose=reason, niks=[person.nik], row_count=1)
    return suket


@transaction.atomic
def do_renew_suket(suket: Suket, *, actor, reason: str, on: dt.date | None = None) -> Suket:
    """Extend a Suket by another six months while the card is still owed."""
    _require_reason(reason)
    on = on or timezone.localdate()
    suket = Suket.objects.select_related("request").get(pk=suket.pk)
    if suket.replaced_at is not None:
        raise ValidationError({"suket": "Suket ini sudah diganti KTP-el"})
    if suket.request.status != RequestStatus.WAITING:
        raise ValidationError({"suket": "kartu sudah dicetak: serahkan KTP-el, bukan perpanjangan Suket"})
    old = suket.valid_until
    suket.valid_until = rules.suket_valid_until(max(on, old))
    suket.save(update_fields=["valid_until"])
    person = Person.objects.get(pk=suket.person_id)
    _note(person, action="suket.renew", actor=actor, reason=reason, request=suket.request,
          details={"suket": suket.number, "from": old.isoformat(), "to": suket.valid_until.isoformat()})
    audit_record(actor, "suket.renew", purpose=reason, niks=[person.nik], row_count=1)
    return suket


@transaction.atomic
def do_activate_ikd(person: Person, *, actor, reason: str, on: dt.date | None = None) -> Person:
    """IKD activated in front of an officer (Permendagri 72/2022): needs a unique record."""
    _require_reason(reason)
    on = on or timezone.localdate()
    person = _lock_person(person.pk)
    if person.ikd_activated_on:
        raise ValidationError({"person": f"IKD sudah aktif sejak {person.ikd_activated_on:%d-%m-%Y}"})
    if person.ktp_state not in rules.IKD_STATES:
        raise ValidationError({"person": f"IKD memerlukan rekaman KTP-el yang sudah PRR "
                                         f"(status sekarang: {KtpState(person.ktp_state).label})"})
    Person.objects.filter(pk=person.pk).update(ikd_activated_on=on)
    person.ikd_activated_on = on
    _note(person, action="ikd.activate", actor=actor, reason=reason, details={"on": on.isoformat()})
    audit_record(actor, "ikd.activate", purpose=reason, niks=[person.nik], row_count=1)
    return person


@transaction.atomic
def do_start_dkj_campaign(area_code: str, *, actor, reason: str, limit: int | None = None) -> int:
    """Queue the DKI→DKJ re-print for every card holder living in an area (a batch:
    set-based writes, one audit row naming the query). Returns the number queued."""
    _require_reason(reason)
    if getattr(actor, "role", None) != "dinas":
        raise ValidationError({"area": "kampanye cetak ulang DKJ hanya dapat dimulai oleh Dinas"})
    now = timezone.now()
    holders = (Person.objects.in_area(area_code).filter(status=LifeStatus.HIDUP, ktp_state=KtpState.ISSUED)
               .exclude(print_requests__status__in=OPEN_STATUSES)
               .values_list("pk", "family__kelurahan_id").order_by("pk"))
    if limit:
        holders = holders[:limit]
    holders = list(holders)
    stores = dict(Store.objects.filter(kind=StoreKind.SERVICE_POINT).values_list("region_id", "pk"))
    requests = PrintRequest.objects.bulk_create([
        PrintRequest(person_id=pk, store_id=stores[kel], kind=RequestKind.DKJ, priority=rules.Priority.CHANGE,
                     requested_at=now, actor=_actor(actor), reason=reason)
        for pk, kel in holders if kel in stores], batch_size=5000)
    KtpRecordEvent.objects.bulk_create([
        KtpRecordEvent(person_id=r.person_id, at=now, actor=_actor(actor), action="ktp.request", reason=reason,
                       from_state=KtpState.ISSUED, to_state=KtpState.PRINT_READY_RECORD, request_id=r.pk,
                       details={"kind": RequestKind.DKJ}) for r in requests], batch_size=5000)
    ids = [r.person_id for r in requests]
    for i in range(0, len(ids), 5000):
        Person.objects.filter(pk__in=ids[i:i + 5000]).update(ktp_state=KtpState.PRINT_READY_RECORD)
    audit_record(actor, "ktp.request.dkj", purpose=reason, query=f"area={area_code} ktp_state=issued",
                 row_count=len(requests))
    return len(requests)




@transaction.atomic
def do_carry_over(rows: list[tuple[int, str, dt.datetime]], *, actor, reason: str) -> int:
    """Open the print requests of PRR records loaded from SIAK without one (a batch:
    set-based writes, one audit row). `rows` are (person id, kind, requested at)."""
    _require_reason(reason)
    ids = [r[0] for r in rows]
    people, busy = {}, set()
    for i in range(0, len(ids), 5000):  # chunks: SQLite caps the parameters of one statement
        chunk = ids[i:i + 5000]
        people.update({p["pk"]: p for p in Person.objects.filter(
            pk__in=chunk, ktp_state=KtpState.PRINT_READY_RECORD, status=LifeStatus.HIDUP).values(
            "pk", "birth_date", "marital_status", "citizenship", "occupation", "family__kelurahan_id")})
        busy.update(PrintRequest.objects.filter(person_id__in=chunk, status__in=OPEN_STATUSES)
                    .values_list("person_id", flat=True))
    stores = dict(Store.objects.filter(kind=StoreKind.SERVICE_POINT).values_list("region_id", "pk"))
    todo = []
    for pk, kind, at in rows:
        p = people.get(pk)
        if p is None or pk in busy or p["family__kelurahan_id"] not in stores:
            continue
        priority = rules.priority_for(kind, birth_date=p["birth_date"], marital_status=p["marital_status"],
                                      citizenship=p["citizenship"], occupation=p["occupation"],
                                      on=timezone.localdate(at))
        not_before = None
        if kind == RequestKind.FIRST_17:
            birthday = rules.seventeenth_birthday(p["birth_date"])
            not_before = birthday if birthday > timezone.localdate(at) else None
        todo.append(PrintRequest(person_id=pk, store_id=stores[p["family__kelurahan_id"]], kind=kind, priority=priority,
                                 requested_at=at, not_before=not_before, actor=_actor(actor), reason=reason,
                                 police_report_no="(dari SIAK)" if kind == RequestKind.LOST else "",
                                 change_note="(dari SIAK)" if kind == RequestKind.CHANGE else ""))
    created = PrintRequest.objects.bulk_create(todo, batch_size=5000)
    KtpRecordEvent.objects.bulk_create([
        KtpRecordEvent(person_id=r.person_id, at=r.requested_at, actor=_actor(actor), action="ktp.request",
                       reason=reason, from_state=KtpState.PRINT_READY_RECORD, to_state=KtpState.PRINT_READY_RECORD,
                       request_id=r.pk, details={"kind": r.kind, "carried_over": True}) for r in created],
        batch_size=5000)
    audit_record(actor, "ktp.request.carry_over", purpose=reason, query="ktp_state=print_ready_record tanpa permohonan",
                 row_count=len(created))
    return len(created)
