"""The dashboard, league table, CSV export and the `coverage` command read the summary tables."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from adminduk.coverage.actions import do_recompute
from adminduk.registry.choices import KtpState, MaritalStatus, Relation
from adminduk.testing import CAKUNG_BARAT, GAMBIR, make_family, make_person


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    # The second factor is tested by accounts; these tests are about the pages behind it.
    settings.ADMINDUK_REQUIRE_OTP = False


@pytest.fixture
def snapshot(cast):
    family = make_family(GAMBIR)
    make_person(family, name="Kepala Gambir", ktp_state=KtpState.ISSUED)
    for i in range(3):
        make_person(family, name=f"Anak {i}", relation=Relation.ANAK, marital_status=MaritalStatus.BELUM_KAWIN,
                    birth_date=dt.date(2012 + i, 1, 1), birth_cert_no=f"AL-{i}" if i else "")
    other = make_family(CAKUNG_BARAT)
    make_person(other, name="Kepala Cakung")
    return do_recompute(reason="uji dasbor")


pytestmark = pytest.mark.django_db(transaction=True)


def test_the_dashboard_drills_down_from_dki_to_a_kelurahan(client, cast, snapshot):
    client.force_login(cast["dinas"])
    page = client.get(reverse("coverage:dashboard"))
    assert page.status_code == 200
    assert "Jakarta Pusat" in page.content.decode() and "<svg" in page.content.decode()
    for code in ("31.71", "31.71.01", GAMBIR):
        page = client.get(reverse("coverage:dashboard"), {"wilayah": code, "indikator": "akta_lahir"})
        assert page.status_code == 200, code
    body = page.content.decode()
    # 2 of 3 children hold a birth certificate; 98 % of 3 needs all 3: one more.
    assert "66,67%" in body and "Perlu 1 akta kelahiran lagi untuk mencapai 98,00%" in body


def test_the_league_table_ranks_kelurahan_by_gap_and_filters_by_kota(client, cast, snapshot):
    client.force_login(cast["sudin_jaktim"])
    page = client.get(reverse("coverage:league"), {"indikator": "ktp_rekam", "kota": "31.75"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "Jatinegara" in body and "Gambir" not in body.split("<tbody>")[1]
    assert "Kelurahan Jatinegara perlu 1 perekaman KTP-el lagi untuk mencapai 99,40%." in body


def test_the_league_table_exports_csv_with_definitions(client, cast, snapshot):
    client.force_login(cast["dinas"])
    response = client.get(reverse("coverage:league"), {"indikator": "akta_lahir", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert response["Content-Type"].startswith("text/csv")
    assert len(rows) == 267
    gambir = next(r for r in rows if r["kode_wilayah"] == GAMBIR)
    assert (gambir["pembilang"], gambir["penyebut"], gambir["kurang_untuk_target"]) == ("2", "3", "1")
    assert rows[0]["kode_wilayah"] == GAMBIR  # the largest gap first


def test_the_dprd_and_kpu_are_sent_to_oversight_not_the_dashboard(client, cast, snapshot):
    for who in ("dprd", "kpu"):
        client.force_login(cast[who])
        assert client.get(reverse("coverage:dashboard")).status_code == 403


def test_bad_parameters_get_a_clear_not_found(client, cast, snapshot):
    client.force_login(cast["dinas"])
    assert client.get(reverse("coverage:dashboard"), {"indikator": "nope"}).status_code == 404
    assert client.get(reverse("coverage:dashboard"), {"wilayah": "99"}).status_code == 404
    assert client.get(reverse("coverage:league"), {"urut": "nope"}).status_code == 404


def test_the_command_prints_indicators_per_level_as_json(cast, snapshot):
    out = io.StringIO()
    call_command("coverage", "--level", "kota", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["snapshot"]["id"] == snapshot.pk
    kota = {(a["code"], a["indicator"]): a for a in data["areas"]}
    assert len(kota) == 6 * 8
    assert kota[("31.71", "akta_lahir")]["numerator"] == 2 and kota[("31.71", "akta_lahir")]["percent"] == 66.67
    with pytest.raises(CommandError, match="--level"):
        call_command("coverage", "--level", "rt")
    with pytest.raises(CommandError, match="belum ada snapshot"):
        call_command("coverage", "--date", "2001-01-01")


def test_the_command_recomputes_a_snapshot_and_refuses_a_future_date(cast, snapshot):
    err = io.StringIO()
    call_command("coverage", "--recompute", "--date", "2023-01-18", "--level", "provinsi", stdout=io.StringIO(),
                 stderr=err)
    assert "per 2023-01-18" in err.getvalue()
    with pytest.raises(CommandError, match="as_of: tanggal data 2999-01-01 ada di masa depan"):
        call_command("coverage", "--recompute", "--date", "2999-01-01")
    with pytest.raises(CommandError, match="--date"):
        call_command("coverage", "--date", "18-01-2023")
