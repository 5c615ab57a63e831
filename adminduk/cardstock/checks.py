"""The ledger's invariants, checked against the database (for `adminduk blanko check`)."""

from django.db.models import Count, Q, Sum

from adminduk.documents.models import PrintRequest, RequestStatus

from .models import Movement, MovementKind, Store


def check_ledger() -> list[str]:
    problems = []
    for store in Store.objects.all():
        rows = list(Movement.objects.filter(store=store).order_by("seq").values_list("seq", "quantity", "balance_after"))
        running = 0
        for expected, (seq, qty, after) in enumerate(rows, start=1):
            running += qty
            if seq != expected:
                problems.append(f"{store.region_id}: nomor urut {seq}, seharusnya {expected}")
                break
            if after != running or after < 0:
                problems.append(f"{store.region_id}: saldo #{seq} = {after}, hitung ulang = {running}")
                break
    consumed = Movement.objects.filter(kind=MovementKind.CONSUMPTION).count()
    printed = PrintRequest.objects.filter(status__in=(RequestStatus.PRINTED, RequestStatus.ISSUED))
    orphan = printed.filter(consumption__isnull=True).count()
    if orphan:
        problems.append(f"{orphan} kartu tercetak tanpa blanko terpakai")
    linked = printed.filter(consumption__isnull=False).count()
    if consumed != linked:
        problems.append(f"{consumed} blanko terpakai untuk cetak, tetapi {linked} kartu tercetak")
    transfers = Movement.objects.aggregate(
        out=Sum("quantity", filter=Q(kind=MovementKind.TRANSFER_OUT)),
        into=Sum("quantity", filter=Q(kind=MovementKind.TRANSFER_IN)), unpaired=Count(
            "id", filter=Q(kind=MovementKind.TRANSFER_IN, transfer_of__isnull=True)))
    if (transfers["out"] or 0) + (transfers["into"] or 0) != 0 or transfers["unpaired"]:
        problems.append("distribusi keluar dan masuk tidak berpasangan")
    return problems
