"""Every change to the blank-card ledger: one function each, one transaction each.

Quantities are validated first (errors keyed by form field, in Bahasa Indonesia);
the stores involved are locked; the movement rows are appended with the acting user
and reason; an audit row records the change.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from adminduk.audit.actions import record as audit_record
from adminduk.documents.actions import next_in_queue, print_locked
from adminduk.regions.models import Level, Region

from . import ledger
from .models import Movement, MovementKind, PrintRun, Shipment, ShipmentStatus, Store, StoreKind

# Printing capacity of a new service point, cards per working day (one printer).
DEFAULT_SERVICE_POINT_CAPACITY = 15


def _positive(quantity, field: str = "quantity") -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationError({field: "jumlah harus bilangan bulat"})
    if quantity <= 0:
        raise ValidationError({field: "jumlah harus lebih dari 0"})
    return quantity


def _reason(reason: str, field: str = "reason") -> str:
    if not reason or not reason.strip():
        raise ValidationError({field: "keterangan wajib diisi"})
    return reason.strip()


def _audit(actor, action: str, store: Store, quantity: int, reason: str, niks=()):
    audit_record(actor, action, object_type="blanko", purpose=reason, niks=niks,
                 query=f"store={store.region_id} quantity={quantity}", row_count=1)


@transaction.atomic
def ensure_stores() -> int:
    """The Dinas, a Suku Dinas per kota and a Satpel per kelurahan, from the area list
    (idempotent: returns how many were created)."""
    created = 0
    existing = set(Store.objects.values_list("region_id", flat=True))
    by_region: dict[str, Store] = {s.region_id: s for s in Store.objects.all()}
    for region in Region.objects.exclude(level=Level.KECAMATAN).order_by("code"):
        if region.code in existing:
            continue
        if region.level == Level.PROVINSI:
            kind, name, parent, capacity = StoreKind.DINAS, "Dinas Dukcapil Provinsi DKI Jakarta", None, 0
        elif region.level == Level.KOTA:
            short = region.name.replace("Kota Administrasi ", "").replace("Kabupaten Administrasi ", "")
            kind, name, parent, capacity = StoreKind.SUDIN, f"Sudin Dukcapil {short}", by_region.get(region.parent_id), 0
        else:
            kota = region.code.rsplit(".", 2)[0]
            kind, name, parent, capacity = (StoreKind.SERVICE_POINT, f"Satpel Kel. {region.name}", by_region.get(kota),
                                            DEFAULT_SERVICE_POINT_CAPACITY)
        by_region[region.code] = Store.objects.create(region=region, kind=kind, name=name, parent=parent,
                                                      daily_capacity=capacity)
        created += 1
    return created


def get_store(code: str) -> Store:
    store = Store.objects.filter(region_id=(code or "").strip()).first()
    if store is None:
        raise ValidationError({"store": f"gudang blanko {code!r} tidak dikenal"})
    return store


@transaction.atomic
def do_receive(store: Store, quantity: int, *, letter_no: str, letter_date: dt.date, actor, reason: str = "",
               shipment: Shipment | None = None) -> Movement:
    """Blanks received from Kemendagri (into the Dinas or a Suku Dinas), with the
    covering letter's number and date."""
    errors = {}
    try:
        _positive(quantity)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not (letter_no or "").strip():
        errors["letter_no"] = "nomor surat pengiriman Kemendagri wajib diisi"
    if letter_date is None:
        errors["letter_date"] = "tanggal surat wajib diisi"
    elif letter_date > timezone.localdate():
        errors["letter_date"] = "tanggal surat tidak boleh di masa depan"
    if store.kind == StoreKind.SERVICE_POINT:
        errors["store"] = "kiriman Kemendagri diterima di Dinas atau Suku Dinas, bukan di Satpel"
    elif not ledger.can_manage(actor, store):
        errors["store"] = f"anda tidak berwenang mencatat penerimaan di {store.name}"
    if errors:
        raise ValidationError(errors)
    store = ledger.lock_stores(store.pk)[store.pk]
    reason = (reason or "").strip() or f"penerimaan blanko dari Kemendagri, surat {letter_no.strip()}"
    movement = ledger.append(store, MovementKind.RECEIPT, quantity, actor=actor, reason=reason,
                             letter_no=letter_no.strip(), letter_date=letter_date)
    if shipment is not None:
        Shipment.objects.filter(pk=shipment.pk, status=ShipmentStatus.PLANNED).update(
            status=ShipmentStatus.RECEIVED, receipt=movement)
    _audit(actor, "blanko.receive", store, quantity, reason)
    return movement


@transaction.atomic
def do_transfer(source: Store, destination: Store, quantity: int, *, actor, reason: str = "") -> tuple[Movement, Movement]:
    """Move blanks between stores: one movement out, its twin in, one transaction."""
    errors = {}
    try:
        _positive(quantity)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if source.pk == destination.pk:
        errors["destination"] = "gudang tujuan sama dengan gudang asal"
    if not ledger.can_manage(actor, source):
        errors["source"] = f"anda tidak berwenang mendistribusikan blanko dari {source.name}"
    if errors:
        raise ValidationError(errors)
    stores = ledger.lock_stores(source.pk, destination.pk)
    source, destination = stores[source.pk], stores[destination.pk]
    reason = (reason or "").strip() or f"distribusi {source.name} → {destination.name}"
    out = ledger.append(source, MovementKind.TRANSFER_OUT, -quantity, actor=actor, reason=reason,
                        counterpart=destination)
    into = ledger.append(destination, MovementKind.TRANSFER_IN, quantity, actor=actor, reason=reason,
                         counterpart=source, transfer_of=out)
    _audit(actor, "blanko.transfer", source, quantity, f"{reason} ({destination.region_id})")
    return out, into


@transaction.atomic
def do_spoil(store: Store, quantity: int, *, actor, reason: str) -> Movement:
    """Blanks spoiled in the printer (misprint, chip fault): out of stock, no card."""
    _positive(quantity)
    reason = _reason(reason)
    if not (ledger.can_print(actor, store) or ledger.can_manage(actor, store)):
        raise ValidationError({"store": f"anda tidak berwenang mencatat blanko rusak di {store.name}"})
    store = ledger.lock_stores(store.pk)[store.pk]
    movement = ledger.append(store, MovementKind.SPOILED, -quantity, actor=actor, reason=reason)
    _audit(actor, "blanko.spoil", store, quantity, reason)
    return movement


@transaction.atomic
def do_correct(store: Store, quantity: int, *, actor, reason: str) -> Movement:
    """A stock-count correction (signed) with its reason; Suku Dinas or Dinas only."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity == 0:
        raise ValidationError({"quantity": "koreksi harus bilangan bulat selain 0 (+ menambah, - mengurangi)"})
    reason = _reason(reason)
    if not ledger.can_manage(actor, store):
        raise ValidationError({"store": f"anda tidak berwenang mengoreksi stok {store.name}"})
    store = ledger.lock_stores(store.pk)[store.pk]
    movement = ledger.append(store, MovementKind.CORRECTION, quantity, actor=actor, reason=reason)
    _audit(actor, "blanko.correct", store, quantity, reason)
    return movement


@transaction.atomic
def do_print_run(store: Store, count: int, *, actor) -> PrintRun:
    """Print the next `count` cards of a service point's queue (priority, then first
    come), one blank each, in one transaction. Prints fewer when stock or the queue
    runs out first; refuses when there is no stock at all."""
    _positive(count, "count")
    if not ledger.can_print(actor, store):
        raise ValidationError({"store": f"anda tidak berwenang mencetak di {store.name}"})
    store = ledger.lock_stores(store.pk)[store.pk]
    seq, stock = ledger.head(store.pk)
    if stock == 0:
        raise ValidationError({"count": f"stok blanko di {store.name} habis: tidak ada kartu yang dapat dicetak"})
    batch = list(next_in_queue(store, min(count, stock)))
    if not batch:
        raise ValidationError({"count": "tidak ada permohonan yang menunggu cetak"})
    # Every request of the batch is printed or the whole run is rolled back.
    run = PrintRun.objects.create(store=store, actor=actor if getattr(actor, "pk", None) else None, requested=count,
                                  printed=len(batch))
    niks = []
    for request in batch:
        printed = print_locked(request, store, actor=actor, run=run, known_head=(seq, stock))
        seq, stock = seq + 1, stock - 1
        niks.append(printed.person.nik)
    audit_record(actor, "ktp.print_run", purpose="cetak KTP-el", niks=niks, row_count=len(niks),
                 query=f"store={store.region_id} run={run.pk}")
    return run


@transaction.atomic
def do_plan_shipment(store: Store, quantity: int, *, expected_on: dt.date, letter_no: str = "", actor) -> Shipment:
    """Record a shipment Kemendagri has announced (the forecast counts it)."""
    _positive(quantity)
    if store.kind == StoreKind.SERVICE_POINT:
        raise ValidationError({"store": "kiriman Kemendagri dijadwalkan ke Dinas atau Suku Dinas"})
    if not ledger.can_manage(actor, store):
        raise ValidationError({"store": f"anda tidak berwenang menjadwalkan kiriman ke {store.name}"})
    shipment = Shipment.objects.create(store=store, quantity=quantity, expected_on=expected_on,
                                       letter_no=(letter_no or "").strip(),
                                       actor=actor if getattr(actor, "pk", None) else None)
    _audit(actor, "blanko.plan_shipment", store, quantity, f"kiriman dijadwalkan {expected_on}")
    return shipment
