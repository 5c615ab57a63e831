"""The staff UI speaks Bahasa Indonesia by default and English once switched.

The English catalogue is adminduk/locale/en/LC_MESSAGES/django.po, compiled to the
django.mo beside it; both are committed because a fresh machine has no msgfmt.
The users log in as the app does (password and second factor enforced).
"""

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings

from adminduk.accounts.testing import login_verified
from adminduk.testing import make_person

CATALOGUE = Path(settings.BASE_DIR) / "adminduk" / "locale" / "en" / "LC_MESSAGES"


@pytest.fixture
def officer(client, cast, settings):
    settings.ADMINDUK_REQUIRE_OTP = True
    user = cast["officer_gambir"]
    login_verified(client, user)
    return user


def switch_to_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.django_db
def test_the_ui_speaks_indonesian_by_default_even_to_an_english_browser(client, officer):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert response.status_code == 200 and response["Content-Language"] == "id"
    assert '<html lang="id">' in html
    assert "Selamat datang" in html and "Keluar" in html and "Petugas kelurahan" in html
    assert "Welcome" not in html


@pytest.mark.django_db
def test_after_switching_to_english_the_staff_pages_are_in_english(client, officer):
    resident = make_person()
    switch_to_english(client)

    home = page(client, "/")
    assert '<html lang="en">' in home
    assert "Welcome, gambir" in home and "Log out" in home and "Kelurahan officer" in home
    assert "Selamat datang" not in home

    search = page(client, "/penduduk/cari/")
    assert "Find a resident" in search and "Purpose of access" in search and "Cari penduduk" not in search

    person = page(client, f"/penduduk/orang/{resident.pk}/?tujuan=pelayanan")
    assert "Place and date of birth" in person and "Head of family" in person and "Married" in person
    assert "Tempat, tanggal lahir" not in person and "Kepala Keluarga" not in person

    coverage = page(client, "/cakupan/")
    assert "Document ownership coverage" in coverage and "Cakupan kepemilikan dokumen" not in coverage


@pytest.mark.django_db
def test_the_login_page_follows_the_chosen_language(client):
    assert "Langkah 1 dari 2" in page(client, "/akun/masuk/")
    switch_to_english(client)
    login = page(client, "/akun/masuk/")
    assert "Step 1 of 2" in login and "Password" in login and "Kata sandi" not in login


@pytest.mark.django_db
def test_english_plural_forms(client, officer):
    make_person(name="Budi Santoso")
    make_person(name="Budi Setiawan")
    switch_to_english(client)
    response = client.post("/penduduk/cari/", {"tujuan": "pelayanan", "nama": "Budi"})
    assert response.status_code == 200
    assert "2 residents found" in response.content.decode()


# --- The committed catalogue: complete, and the .mo compiled from the current .po. -------
# A tiny reader of the .po (enough for what makemessages writes) rather than polib,
# which would be a dependency for this one test.

def read_po(path: Path) -> list[dict]:
    entries, entry, key = [], {}, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry.get("msgid"):
                entries.append(entry)
            entry, key = {}, None
        elif line.startswith("#,"):
            entry["fuzzy"] = "fuzzy" in line
        elif line.startswith("#"):
            continue  # comments, references, obsolete (#~) entries
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, literal = line.partition(" ")
            entry[key] = ast.literal_eval(literal)
    return entries


def test_every_string_has_an_english_translation_and_the_mo_is_up_to_date():
    entries = read_po(CATALOGUE / "django.po")
    assert len(entries) > 500
    missing = [e["msgid"] for e in entries
               if e.get("fuzzy") or not (e.get("msgstr") or e.get("msgstr[0]"))]
    assert not missing, f"untranslated or fuzzy in django.po: {missing[:10]}"

    with open(CATALOGUE / "django.mo", "rb") as f:
        compiled = gettext.GNUTranslations(f)
    stale = []
    for e in entries:
        key = e["msgid"] if "msgctxt" not in e else f"{e['msgctxt']}\x04{e['msgid']}"
        if "msgid_plural" in e:
            got = [compiled._catalog.get((key, n)) for n in (0, 1)]
            want = [e["msgstr[0]"], e["msgstr[1]"]]
        else:
            got, want = compiled._catalog.get(key), e["msgstr"]
        if got != want:
            stale.append(e["msgid"])
    assert not stale, f"django.mo is older than django.po (run adminduk compilemessages): {stale[:10]}"
