"""Test helpers for blanko: stores, a stocked service point and a queue of PRRs."""

import datetime as dt

from django.utils import timezone

from adminduk.documents import actions as documents
from adminduk.documents.models import RequestKind
from adminduk.registry.choices import KtpState
from adminduk.registry.models import Person
from adminduk.testing import GAMBIR, make_family, make_person

from . import actions
from .models import Store, StoreKind


def stores() -> dict[str, Store]:
    actions.ensure_stores()
    return {s.region_id: s for s in Store.objects.all()}


def stock_service_point(code: str, quantity: int, actor) -> Store:
    """Receive at the Dinas and pass down through the Suku Dinas to the service point."""
    by_code = stores()
    dinas, point = by_code["31"], by_code[code]
    sudin = by_code[code[:5]]
    actions.do_receive(dinas, quantity, letter_no="470/uji/Dukcapil", letter_date=dt.date(2023, 1, 16), actor=actor)
    actions.do_transfer(dinas, sudin, quantity, actor=actor)
    actions.do_transfer(sudin, point, quantity, actor=actor)
    assert point.kind == StoreKind.SERVICE_POINT
    return point


def queue_of_prrs(count: int, *, actor, kelurahan: str = GAMBIR, kind=RequestKind.FIRST_17) -> list[int]:
    """`count` residents of a kelurahan with a PRR record and a waiting request."""
    family = make_family(kelurahan)
    ids = []
    for i in range(count):
        p = make_person(family, name=f"Warga Uji {i}", relation="anak", marital_status="belum_kawin",
                        birth_date=dt.date(2005, 1 + i % 12, 1 + i % 28))
        ids.append(p.pk)
    Person.objects.filter(pk__in=ids).update(ktp_state=KtpState.PRINT_READY_RECORD)  # as loaded from SIAK
    now = timezone.now()
    documents.do_carry_over([(pk, kind, now - dt.timedelta(minutes=count - i)) for i, pk in enumerate(ids)],
                            actor=actor, reason="data uji")
    return ids
