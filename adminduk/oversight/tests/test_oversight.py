"""The DPRD sees aggregates only: no name or NIK on any oversight page or in the report."""

import base64
import datetime as dt
import re
import zlib

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from adminduk.audit.models import AuditEntry
from adminduk.coverage.actions import do_recompute_series
from adminduk.registry.choices import KtpState, MaritalStatus, Relation
from adminduk.registry.models import Person
from adminduk.testing import CAKUNG_BARAT, GAMBIR, make_family, make_person

pytestmark = pytest.mark.django_db(transaction=True)
# Sixteen digits standing alone. Not inside a longer hex or alphanumeric run: the
# report prints the audit chain's SHA-256 head, which can hold 16 digits in a row.
NIK_SHAPED = re.compile(rb"(?<![0-9A-Za-z])\d{16}(?![0-9A-Za-z])")


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.ADMINDUK_REQUIRE_OTP = False


@pytest.fixture
def register(cast):
    family = make_family(GAMBIR)
    make_person(family, name="Zulkarnaen Wirapradja", ktp_state=KtpState.ISSUED, birth_cert_no="AL-1")
    for i in range(12):
        make_person(family, name=f"Anak Nomor{i} Sukmawijaya", relation=Relation.ANAK,
                    marital_status=MaritalStatus.BELUM_KAWIN, birth_date=dt.date(2010, 1, 1 + i),
                    birth_cert_no=f"AL-{i + 2}" if i % 4 else "")
    other = make_family(CAKUNG_BARAT)
    make_person(other, name="Roosmalawati Hendrayana", sex="P", ktp_state=KtpState.BIO_CAPTURED)
    # Two dates from one read of the register, so the trend chart has two points.
    return do_recompute_series([dt.date.today() - dt.timedelta(days=30), dt.date.today()], reason="uji")[-1]


def _pdf_text(data: bytes) -> bytes:
    """Every stream of a PDF, inflated where compressed, so text can be searched."""
    out = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = match.group(1).strip()
        if raw.endswith(b"~>"):  # reportlab: ASCII85, then Flate
            raw = base64.a85decode(raw[:-2])
        try:
            out.append(zlib.decompress(raw))
        except zlib.error:
            out.append(raw)
    return b"\n".join(out)


def _assert_no_personal_data(content: bytes):
    assert not NIK_SHAPED.search(content), NIK_SHAPED.search(content)
    for person in Person.objects.all():
        for part in person.name.split():
            assert part.encode() not in content or part in ("Anak",), part
        assert person.nik.encode() not in content


def test_the_dprd_sees_every_strategic_issue_with_aggregates_only(client, cast, register):
    client.force_login(cast["dprd"])
    page = client.get(reverse("oversight:page"))
    assert page.status_code == 200
    body = page.content.decode()
    for title in ("Kesiapan data Pemilu 2024", "Blanko KTP-el", "Cakupan kepemilikan dokumen",
                  "Inovasi layanan", "Sumber daya manusia"):
        assert title in body
    assert "Belum tersedia" in body and "<svg" in body
    _assert_no_personal_data(page.content)


def test_small_counts_are_suppressed_on_the_page(client, cast, register):
    client.force_login(cast["dprd"])
    body = client.get(reverse("oversight:page")).content.decode()
    # 13 children and adults in Gambir: every kota count here is below 10 or next to one.
    assert "&lt;10" in body
    assert ">3<" not in body and ">9<" not in body


def test_the_rakor_report_pdf_and_html_carry_no_personal_data_and_the_audit_head(client, cast, register, tmp_path):
    out = tmp_path / "rakor.pdf"
    call_command("report", "rakor", "--date", dt.date.today().isoformat(), "--out", str(out))
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    head = AuditEntry.objects.order_by("-seq").first()
    assert head.action == "oversight.report.rakor"
    text = _pdf_text(data)
    assert head.hash.encode() in text
    _assert_no_personal_data(text)

    html = tmp_path / "rakor.html"
    call_command("report", "rakor", "--date", dt.date.today().isoformat(), "--out", str(html))
    content = html.read_bytes()
    assert b"Kepala rantai audit" in content and b"<svg" in content
    _assert_no_personal_data(content)

    client.force_login(cast["dprd"])
    response = client.get(reverse("oversight:report"), {"format": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    _assert_no_personal_data(_pdf_text(response.content))


def test_the_report_for_a_date_before_any_snapshot_says_so(cast, register, tmp_path):
    out = tmp_path / "lama.html"
    call_command("report", "rakor", "--date", "2001-01-18", "--out", str(out))
    assert "Belum ada snapshot cakupan" in out.read_text()


def test_the_report_command_rejects_bad_input(cast, tmp_path):
    with pytest.raises(CommandError, match="--date"):
        call_command("report", "rakor", "--date", "18-01-2023", "--out", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="akhiran"):
        call_command("report", "rakor", "--date", "2023-01-18", "--out", str(tmp_path / "x.docx"))
    with pytest.raises(CommandError, match="rakor"):
        call_command("report", "tahunan", "--date", "2023-01-18", "--out", str(tmp_path / "x.pdf"))


def test_staff_without_oversight_role_and_partners_cannot_open_it(client, cast, register):
    for who in ("officer_gambir", "kpu"):
        client.force_login(cast[who])
        assert client.get(reverse("oversight:page")).status_code == 403


def test_election_readiness_shows_dp4_and_the_reconciliation_per_kota_suppressed(client, cast, register):
    from adminduk.elections.models import Election, Extract, Reconciliation, ReconciliationCount

    election = Election.objects.create(slug="pemilu-uji", name="Pemilu uji", polling_day=dt.date(2024, 2, 14),
                                       cutoff_date=dt.date(2022, 6, 30))
    Extract.objects.create(election=election, version="uji-1", path="/tmp/x", eligible=1_300, eligible_men=640,
                           eligible_women=660, excluded={"tni": 4, "meninggal": 120},
                           dak2=[{"kecamatan": "31.71.01", "pemilih": 700, "pemilih_l": 340, "pemilih_p": 360},
                                 {"kecamatan": "31.75.06", "pemilih": 600, "pemilih_l": 300, "pemilih_p": 300}])
    run = Reconciliation.objects.create(election=election, list_name="DPS uji", list_sha256="0" * 64, path="/tmp/y",
                                        rows=1_250, unreadable=2, matched=1_200, counts={"ganda": 23, "tni": 3})
    for code, category, count in ((GAMBIR, "ganda", 20), (GAMBIR, "tni", 3), (CAKUNG_BARAT, "ganda", 3)):
        ReconciliationCount.objects.create(reconciliation=run, kelurahan_code=code, category=category, count=count)
    client.force_login(cast["dprd"])
    page = client.get(reverse("oversight:page"))
    body = page.content.decode()
    assert "DP4 Pemilu uji (versi uji-1): pemilih potensial per kota" in body
    assert "Rekonsiliasi terakhir dengan KPU: DPS uji" in body
    section = body.split("Rekonsiliasi terakhir dengan KPU")[1].split("</table>")[0]
    # Jakarta Pusat: ganda 20, TNI 3 -> "<10" and the row total hidden with it; Jakarta
    # Timur's 3 is hidden, and so the column total cannot give either back.
    assert "&lt;10" in section and ">20<" not in section and ">23<" not in section
    _assert_no_personal_data(page.content)
