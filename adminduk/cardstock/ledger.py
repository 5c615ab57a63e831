"""Ledger primitives: lock a store, read its balance, append a movement.

Used by `cardstock.actions` and by the print action in `documents.actions` (a print
and its consumption are one transaction). Callers hold a transaction; these functions
never open or commit one of their own.
"""

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from adminduk.accounts.models import Role

from .models import Movement, MovementKind, Store, StoreKind


def lock_stores(*store_ids: int) -> dict[int, Store]:
    """Lock the store rows for the rest of the transaction, always in id order (two
    transfers A→B and B→A must not deadlock). On PostgreSQL this is SELECT … FOR
    UPDATE; on SQLite the transaction is IMMEDIATE (settings), which already holds the
    database's single write lock from BEGIN, so the two are equivalent here."""
    ids = sorted(set(store_ids))
    qs = Store.objects.filter(pk__in=ids).order_by("pk")
    if connection.vendor == "postgresql":
        qs = qs.select_for_update()
    stores = {s.pk: s for s in qs}
    missing = [i for i in ids if i not in stores]
    if missing:
        raise ValidationError({"store": f"gudang blanko {missing[0]} tidak dikenal"})
    return stores


def head(store_id: int) -> tuple[int, int]:
    """(last seq, balance) of a store's ledger; (0, 0) when it has no movements."""
    row = Movement.objects.filter(store_id=store_id).order_by("-seq").values_list("seq", "balance_after").first()
    return row or (0, 0)


def balance(store_id: int) -> int:
    return head(store_id)[1]


def recount(store_id: int) -> int:
    """The balance recomputed from the quantities alone (for checks and tests)."""
    return Movement.objects.filter(store_id=store_id).aggregate(s=Sum("quantity"))["s"] or 0


def balances() -> dict[int, int]:
    """Balance of every store: the last ledger row of each (one query, index only)."""
    table = Movement._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"SELECT m.store_id, m.balance_after FROM {table} m JOIN "
                    f"(SELECT store_id, MAX(seq) AS seq FROM {table} GROUP BY store_id) h "
                    f"ON h.store_id = m.store_id AND h.seq = m.seq")
        return dict(cur.fetchall())


def append(store: Store, kind: str, quantity: int, *, actor, reason: str = "", known_head=None,
           **fields) -> Movement:
    """Append one movement to a locked store's ledger. Refuses a balance below zero
    with an error on the field `quantity`, in words an officer understands.
    `known_head`: (seq, balance) the caller read under the same lock (saves a query)."""
    seq, current = known_head or head(store.pk)
    after = current + quantity
    if after < 0:
        if current == 0:
            raise ValidationError({"quantity": f"stok blanko di {store.name} habis (saldo 0)"})
        raise ValidationError({"quantity": f"melebihi saldo {store.name}: saldo {current}, diminta {-quantity}"})
    return Movement.objects.create(store=store, seq=seq + 1, at=timezone.now(), kind=kind, quantity=quantity,
                                   balance_after=after, actor=actor if getattr(actor, "pk", None) else None,
                                   reason=reason, **fields)


def consume(store: Store, *, actor, print_run=None, reason: str = "", known_head=None) -> Movement:
    return append(store, MovementKind.CONSUMPTION, -1, actor=actor, print_run=print_run, reason=reason,
                  known_head=known_head)


# --- Who may do what with a store ---------------------------------------------------------

def in_area(user, store: Store) -> bool:
    code = getattr(user, "jurisdiction_code", None)
    return code is not None and (store.region_id == code or store.region_id.startswith(code + "."))


def can_print(user, store: Store) -> bool:
    """Service-point officers print for their store; supervisors for stores in their area."""
    return store.kind == StoreKind.SERVICE_POINT and in_area(user, store)


def can_manage(user, store: Store) -> bool:
    """Receipts, transfers out and corrections: Suku Dinas for its kota, Dinas for all."""
    return getattr(user, "role", None) in (Role.SUDIN, Role.DINAS) and in_area(user, store)


def can_view_ledger(user) -> bool:
    return getattr(user, "role", None) in (Role.KELURAHAN, Role.KECAMATAN, Role.SUDIN, Role.DINAS, Role.AUDITOR)


def can_view_dashboard(user) -> bool:
    return getattr(user, "role", None) in (Role.KELURAHAN, Role.KECAMATAN, Role.SUDIN, Role.DINAS, Role.DPRD,
                                           Role.AUDITOR)
