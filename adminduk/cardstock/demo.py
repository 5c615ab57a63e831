"""Demo step: stores, a plausible ledger and print queue from the demo register.

Mirrors the seed scenario at the scale of the demo register (DKI's figures × residents
/ 11,038,216): a first Kemendagri shipment received and distributed by backlog, some
print runs, Sukets where a service point ran dry, and the second shipment planned.
Idempotent: each part is skipped when it exists.
"""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from adminduk.accounts.models import User
from adminduk.documents import actions as documents
from adminduk.documents.models import PrintRequest, RequestKind, RequestStatus
from adminduk.registry.choices import KtpState, LifeStatus, MaritalStatus
from adminduk.registry.models import Person

from . import actions, forecast, ledger, planning
from .models import Movement, Shipment, Store, StoreKind

DKI = 11_038_216


def setup(stdout):
    created = actions.ensure_stores()
    stdout.write(f"blanko: {created} gudang baru, {Store.objects.count()} seluruhnya")
    dinas = User.objects.filter(username="dinas.admin").first()
    residents = Person.objects.filter(status=LifeStatus.HIDUP).count()
    if not residents or dinas is None:
        stdout.write("blanko: register atau pengguna Dinas belum ada; antrean dan buku blanko dilewati")
        return
    scale = residents / DKI
    # Printing capacity at the scale of the demo register (a whole printer per Satpel
    # would make every backlog vanish in a day), at least one card a day.
    Store.objects.filter(kind=StoreKind.SERVICE_POINT, daily_capacity=actions.DEFAULT_SERVICE_POINT_CAPACITY).update(
        daily_capacity=max(1, round(actions.DEFAULT_SERVICE_POINT_CAPACITY * scale * 4)))
    rng = random.Random(20230118)
    if not PrintRequest.objects.exists():
        n = _queue(dinas, rng)
        stdout.write(f"blanko: {n} permohonan cetak dari rekaman PRR (hutang cetak)")
    if not Movement.objects.exists():
        _ledger(dinas, scale, rng)
        stdout.write("blanko: buku mutasi contoh (penerimaan, distribusi, cetak, rusak, Suket)")
    planning.refresh_demand()
    stdout.write("blanko: dasar permintaan dari register diperbarui; dasbor di /blanko/")


def _queue(actor, rng) -> int:
    today = timezone.localdate()
    now = timezone.now()
    rows = []
    prr = Person.objects.filter(ktp_state=KtpState.PRINT_READY_RECORD, status=LifeStatus.HIDUP).values_list(
        "pk", "birth_date", "marital_status")
    for pk, birth, marital in prr.iterator():
        age = today.year - birth.year
        if age <= 18:
            kind = RequestKind.FIRST_17 if marital == MaritalStatus.BELUM_KAWIN else RequestKind.FIRST_MARRIAGE
        else:
            kind = rng.choices([RequestKind.FIRST_17 if marital == MaritalStatus.BELUM_KAWIN
                                else RequestKind.FIRST_MARRIAGE, RequestKind.LOST, RequestKind.DAMAGED,
                                RequestKind.CHANGE], weights=[3, 3, 2, 2])[0]
        rows.append((pk, kind, now - dt.timedelta(days=rng.randint(0, 75), minutes=rng.randint(0, 600))))
    return documents.do_carry_over(rows, actor=actor, reason="hutang cetak dari SIAK (data demo)")


@transaction.atomic
def _ledger(actor, scale, rng):
    today = timezone.localdate()
    dinas = Store.objects.get(kind=StoreKind.DINAS)
    first = max(50, round(30_000 * scale))
    actions.do_receive(dinas, first, letter_no="470/10234/Dukcapil", letter_date=today - dt.timedelta(days=12),
                       actor=actor, reason="kiriman pertama blanko KTP-el dari Kemendagri (demo)")
    # Distribute by backlog: Dinas → Suku Dinas → Satpel, as `adminduk blanko allocate` suggests.
    sudins = list(Store.objects.filter(kind=StoreKind.SUDIN))
    points = list(Store.objects.filter(kind=StoreKind.SERVICE_POINT))
    backlog = {s.pk: s.print_requests.filter(status=RequestStatus.WAITING).count() for s in points}
    by_kota = {s.pk: sum(backlog[p.pk] for p in points if p.parent_id == s.pk) for s in sudins}
    keep = first // 20  # the Dinas keeps a small reserve
    split = forecast.suggest_allocation(first - keep, {str(k): v for k, v in by_kota.items()})
    for sudin in sudins:
        qty = split[str(sudin.pk)]
        if qty <= 0:
            continue
        actions.do_transfer(dinas, sudin, qty, actor=actor, reason="distribusi kiriman pertama menurut hutang cetak")
        mine = [p for p in points if p.parent_id == sudin.pk]
        # A Suku Dinas holds back a tenth; some service points get nothing yet.
        shares = forecast.suggest_allocation(qty - qty // 10, {str(p.pk): backlog[p.pk] for p in mine})
        for p in mine:
            if shares[str(p.pk)] > 0 and rng.random() < 0.8:
                actions.do_transfer(sudin, p, shares[str(p.pk)], actor=actor, reason="distribusi ke Satpel")
    # Print at most service points, a misprint here and there, a stock-count correction.
    for p in points:
        stock = ledger.balance(p.pk)
        if stock and rng.random() < 0.85:
            try:
                actions.do_print_run(p, max(1, int(stock * rng.uniform(0.3, 0.9))), actor=actor)
            except Exception:  # noqa: BLE001 - an empty queue at a service point is fine in a demo
                pass
            if ledger.balance(p.pk) and rng.random() < 0.15:
                actions.do_spoil(p, 1, actor=actor, reason="pita cetak macet, kartu rusak")
    actions.do_correct(dinas, -1, actor=actor, reason="stock opname: 1 keping cacat pabrik")
    # Where a service point has no blanks, residents get a Suket (valid six months).
    waiting = PrintRequest.objects.filter(status=RequestStatus.WAITING).order_by("requested_at")[:400]
    issued = 0
    for request in waiting:
        if issued >= 40 or ledger.balance(request.store_id):
            continue
        if rng.random() < 0.3:
            documents.do_issue_suket(request, actor=actor, reason="blanko habis di Satpel (demo)",
                                     on=today - dt.timedelta(days=rng.randint(0, 170)))
            issued += 1
    for days, qty, letter in ((10, max(50, round(50_000 * scale)), "470/11020/Dukcapil"),
                              (40, max(50, round(30_000 * scale)), "")):
        Shipment.objects.create(store=dinas, expected_on=today + dt.timedelta(days=days), quantity=qty,
                                letter_no=letter, actor=actor)
