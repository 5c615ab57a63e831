"""8 printers at one service point with N blanks print exactly N cards, each once
(SQLite: IMMEDIATE transactions on a file database; PostgreSQL: row locks)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from adminduk.cardstock import actions, ledger
from adminduk.cardstock.checks import check_ledger
from adminduk.cardstock.testing import queue_of_prrs, stock_service_point
from adminduk.documents.models import PrintRequest, RequestStatus
from adminduk.testing import GAMBIR


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_printers_print_exactly_the_blanks_in_stock(cast):
    blanks, printers = 24, 8
    point = stock_service_point(GAMBIR, blanks, cast["dinas"])
    queue_of_prrs(blanks + 10, actor=cast["dinas"])
    officer = cast["officer_gambir"]
    printed, errors, refused = [], [], []
    start = threading.Barrier(printers)

    def printer():
        try:
            start.wait()
            while True:
                try:
                    run = actions.do_print_run(point, 1, actor=officer)
                except ValidationError as exc:
                    refused.append(str(exc))
                    return
                printed.append(run.printed)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=printer) for _ in range(printers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert sum(printed) == blanks
    assert len(refused) == printers and all("habis" in r for r in refused)
    assert ledger.balance(point.pk) == ledger.recount(point.pk) == 0
    done = PrintRequest.objects.filter(status=RequestStatus.PRINTED)
    assert done.count() == blanks
    assert len(set(done.values_list("consumption_id", flat=True))) == blanks
    assert check_ledger() == []
