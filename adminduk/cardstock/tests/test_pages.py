import datetime as dt

import pytest
from django.urls import reverse

from adminduk.cardstock import ledger
from adminduk.cardstock.testing import queue_of_prrs, stock_service_point, stores
from adminduk.testing import GAMBIR

pytestmark = pytest.mark.django_db(transaction=True)  # the dashboard reads the register through ADBC


def test_the_dashboard_shows_stock_backlog_forecast_and_the_seed_answer(client, cast):
    stock_service_point(GAMBIR, 4, cast["dinas"])
    queue_of_prrs(6, actor=cast["dinas"])
    client.force_login(cast["dinas"])
    page = client.get(reverse("cardstock:dashboard")).content.decode()
    assert "<svg" in page and "seed-2023" in page and "Jakarta Pusat" in page
    assert "Apakah hutang cetak KTP-el lunas pada Februari 2023?" in page


def test_dprd_sees_aggregates_but_no_queue_with_names(client, cast):
    stores()
    queue_of_prrs(2, actor=cast["dinas"])
    client.force_login(cast["dprd"])
    page = client.get(reverse("cardstock:dashboard")).content.decode()
    assert "Warga Uji" not in page
    assert client.get(reverse("cardstock:queue", args=[GAMBIR])).status_code == 403


def test_the_receipt_form_names_the_field_and_the_rule(client, cast):
    stores()
    client.force_login(cast["dinas"])
    page = client.post(reverse("cardstock:receipt"), {"store": "31", "quantity": "0", "letter_no": "470/1",
                                                      "letter_date": "2023-01-16"}).content.decode()
    assert "jumlah harus lebih dari 0" in page
    page = client.post(reverse("cardstock:receipt"), {"store": "99.99", "quantity": "5", "letter_no": "470/1",
                                                      "letter_date": "2023-01-16"}).content.decode()
    assert "gudang blanko tidak dikenal" in page


def test_a_transfer_beyond_the_balance_is_shown_next_to_the_quantity(client, cast):
    stores()
    client.force_login(cast["dinas"])
    page = client.post(reverse("cardstock:transfer"), {"source": "31", "destination": "31.75",
                                                       "quantity": "5"}).content.decode()
    assert "stok blanko di Dinas Dukcapil Provinsi DKI Jakarta habis" in page


def test_printing_with_no_stock_says_so_and_printing_with_stock_works(client, cast):
    stores()
    queue_of_prrs(3, actor=cast["dinas"])
    client.force_login(cast["officer_gambir"])
    url = reverse("cardstock:queue", args=[GAMBIR])
    page = client.post(url, {"count": "2"}).content.decode()
    assert "habis" in page and "Warga Uji 0" in page
    stock_service_point(GAMBIR, 2, cast["dinas"])
    assert client.post(url, {"count": "2"}).status_code == 302
    assert ledger.balance(stores()[GAMBIR].pk) == 0


def test_the_ledger_filters_by_kind(client, cast):
    stock_service_point(GAMBIR, 2, cast["dinas"])
    client.force_login(cast["sudin_jaktim"])
    page = client.get(reverse("cardstock:ledger"), {"kind": "receipt"}).content.decode()
    assert "470/uji" not in page  # the Dinas' receipt is outside Jakarta Timur
    client.force_login(cast["dinas"])
    page = client.get(reverse("cardstock:ledger"), {"kind": "receipt", "date_from": dt.date(2020, 1, 1)}).content.decode()
    assert "470/uji" in page and "Distribusi" not in page.split("<tbody>")[1]


def test_a_what_if_shipment_moves_the_dates(client, cast):
    stores()
    queue_of_prrs(4, actor=cast["dinas"])
    client.force_login(cast["sudin_jaktim"])
    page = client.get(reverse("cardstock:dashboard"), {"add_on": "2030-01-01", "add_quantity": "0"}).content.decode()
    assert "jumlah harus lebih dari 0" in page
    page = client.get(reverse("cardstock:dashboard"), {"add_on": dt.date.today().isoformat(), "add_quantity": "50",
                                                        "capacity": "200"}).content.decode()
    assert "dengan perubahan what-if" in page
