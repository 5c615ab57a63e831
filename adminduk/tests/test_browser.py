"""End-to-end in Debian's Chromium (pytest-playwright): the second factor, a search
with a misspelt name, the person page, and a refused out-of-jurisdiction access.
The pages must work under the strict Content-Security-Policy: any CSP violation
reported by the browser fails the test."""

import datetime as dt
import os

import pytest
from playwright.sync_api import expect

from adminduk.accounts import otp
from adminduk.accounts.testing import device_for
from adminduk.audit.models import AuditEntry
from adminduk.registry.search import refresh_name_tokens
from adminduk.testing import CAKUNG_BARAT, GAMBIR, make_family, make_person

# pytest-playwright runs an event loop in the main thread; the live server and the ORM
# calls of these tests are synchronous (Django refuses them in an async context otherwise).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "kata-sandi-uji-123"


@pytest.fixture
def world(cast, settings):
    settings.ADMINDUK_REQUIRE_OTP = True
    gambir = make_family(GAMBIR)
    cakung = make_family(CAKUNG_BARAT)
    people = {
        "yusuf": make_person(gambir, name="Muhammad Yusuf", birth_date=dt.date(1990, 5, 17),
                             birth_cert_no="3171-LT-17051990-0042"),
        "istri": make_person(gambir, name="Siti Rahmawati", sex="P", relation="istri", birth_date=dt.date(1992, 1, 3)),
        "cakung": make_person(cakung, name="Joko Widodo"),
    }
    refresh_name_tokens()
    return cast, people


@pytest.fixture
def csp_violations(page):
    seen = []
    page.on("console", lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None)
    return seen


def log_in(page, base, user, *, enrol=False):
    page.goto(base + "/")
    assert "/akun/masuk/" in page.url
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/akun/kode/")
    if enrol:
        assert page.locator(".qr svg").is_visible()
        secret = page.locator("[data-testid=totp-secret]").inner_text()
        device = otp.enrolment_device(user)
        assert otp.secret_b32(device) == secret
    else:
        device = device_for(user)
    page.fill("#id_code", otp.current_code(device))
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/")


def test_login_needs_the_password_and_then_the_totp_code(page, live_server, world, csp_violations):
    cast, _ = world
    officer = cast["officer_gambir"]
    page.goto(live_server.url + "/akun/masuk/")
    page.fill("#id_username", officer.username)
    page.fill("#id_password", "salah-salah-salah")
    page.click("main button[type=submit]")
    expect(page.locator(".form-errors")).to_contain_text("Nama pengguna atau kata sandi salah")
    log_in(page, live_server.url, officer, enrol=True)
    assert "Selamat datang" in page.content() and "Gambir" in page.locator(".who").inner_text()
    assert AuditEntry.objects.filter(action="account.login", username=officer.username).exists()
    assert not csp_violations


def test_an_officer_finds_a_misspelt_name_and_opens_the_person(page, live_server, world, csp_violations):
    cast, people = world
    log_in(page, live_server.url, cast["officer_gambir"])
    page.click("text=Cari penduduk")
    page.select_option("#id_tujuan", "pelayanan")
    page.fill("#id_nama", "Moh. Jusuf")
    page.click("main button[type=submit]")
    row = page.locator("table.results tbody tr")
    # expect() waits for the answer page; count() alone raced the form's navigation.
    expect(row).to_have_count(1)
    assert people["yusuf"].nik in row.inner_text()
    row.locator("a").click()
    page.wait_for_url(f"**/penduduk/orang/{people['yusuf'].pk}/?tujuan=pelayanan")
    body = page.locator("main").inner_text()
    for shown in (people["yusuf"].nik, "3171-LT-17051990-0042", "Siti Rahmawati", "Belum rekam"):
        assert shown in body
    assert "gambir" in page.locator("#akses").inner_text()  # this very read, in the access log
    assert not csp_violations


def test_a_search_with_an_error_shows_it_next_to_the_field(page, live_server, world):
    cast, _ = world
    log_in(page, live_server.url, cast["officer_gambir"])
    page.goto(live_server.url + "/penduduk/cari/")
    page.select_option("#id_tujuan", "pelayanan")
    page.fill("#id_nik", "12345")
    page.click("main button[type=submit]")
    field = page.locator(".field.has-error")
    # expect() waits for the answer page; count() alone raced the form's navigation (a CI failure).
    expect(field).to_have_count(1)
    expect(field).to_contain_text("NIK harus 16 angka")
    assert field.locator("#id_nik").count() == 1


def test_opening_a_person_outside_the_jurisdiction_is_refused(page, live_server, world, csp_violations):
    cast, people = world
    log_in(page, live_server.url, cast["officer_gambir"])
    response = page.goto(f"{live_server.url}/penduduk/orang/{people['cakung'].pk}/?tujuan=pelayanan")
    assert response.status == 403
    text = page.locator("main").inner_text()
    assert "Akses ditolak" in text and "di luar wilayah kerja" in text
    assert "Joko Widodo" not in page.content() and people["cakung"].nik not in page.content()
    assert AuditEntry.objects.filter(action="person.read.refused", niks=people["cakung"].nik).exists()
    assert not csp_violations
