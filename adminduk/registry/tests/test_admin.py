"""The back office goes through the same actions, permissions and audit as the rest."""

import datetime as dt

import pytest

from adminduk.audit.models import AuditEntry
from adminduk.registry.models import Family, History, Person
from adminduk.testing import CAKUNG_BARAT, KEBON_KELAPA, make_family, make_person

pytestmark = pytest.mark.django_db

PERSONS = "/admin/registry/person/"
FAMILIES = "/admin/registry/family/"


@pytest.fixture
def staff(cast):
    for user in cast.values():
        user.is_staff = True
        user.save()
    return cast


@pytest.fixture
def people(regions):
    gambir = make_family()
    head = make_person(gambir)
    wife = make_person(gambir, name="Siti Aminah", sex="P", birth_date=dt.date(1987, 7, 5), relation="istri")
    jaktim = make_person(make_family(CAKUNG_BARAT), name="Rudi Hartono", birth_date=dt.date(1970, 1, 1))
    return {"head": head, "wife": wife, "jaktim": jaktim, "family": gambir}


def login(client, user):
    client.force_login(user)
    return client


def form_data(response, **changes) -> dict:
    """The POST body a browser would send for this admin form, with `changes` applied."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if hasattr(value, "pk"):
            value = value.pk
        data[name] = "" if value is None else value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({formset.management_form.add_prefix(k): v for k, v in formset.management_form.initial.items()})
        for sub in formset.forms:
            for name in sub.fields:
                value = sub.initial.get(name)
                data[sub.add_prefix(name)] = getattr(value, "pk", value) if value is not None else ""
    data.update(changes)
    return data


def test_the_dinas_administrator_lists_persons_and_the_list_is_audited(client, staff, people):
    response = login(client, staff["dinas"]).get(PERSONS)
    assert response.status_code == 200
    assert {p.nik for p in response.context["cl"].result_list} == {p.nik for p in people.values() if hasattr(p, "nik")}
    entry = AuditEntry.objects.get(action="person.list")
    assert entry.username == "dinas.admin" and entry.row_count == 3


def test_an_officer_sees_only_their_kelurahan(client, staff, people):
    make_person(make_family(KEBON_KELAPA), name="Dewi Lestari", birth_date=dt.date(1992, 2, 2))
    response = login(client, staff["officer_gambir"]).get(PERSONS)
    assert {p.name for p in response.context["cl"].result_list} == {"Budi Santoso", "Siti Aminah"}
    url = f"{PERSONS}{people['jaktim'].pk}/change/"
    assert login(client, staff["officer_gambir"]).get(url).status_code == 302  # "does not exist" → back to list
    assert not AuditEntry.objects.filter(action="person.read").exists()


@pytest.mark.parametrize("who", ["dprd", "kpu", "auditor"])
def test_roles_without_personal_data_see_no_persons_or_families(client, staff, people, who):
    login(client, staff[who])
    assert client.get(PERSONS).status_code == 403
    assert client.get(f"{PERSONS}{people['head'].pk}/change/").status_code == 403
    assert client.get(FAMILIES).status_code == 403
    assert b"registry/person" not in client.get("/admin/").content


def test_opening_a_person_is_audited(client, staff, people):
    response = login(client, staff["dinas"]).get(f"{PERSONS}{people['head'].pk}/change/")
    assert response.status_code == 200 and b"3171011203850001" in response.content
    entry = AuditEntry.objects.get(action="person.read")
    assert (entry.niks, entry.purpose) == (people["head"].nik, "kantor belakang (admin)")


def test_a_change_goes_through_the_action_with_its_reason(client, staff, people):
    url = f"{PERSONS}{people['head'].pk}/change/"
    login(client, staff["dinas"])
    data = form_data(client.get(url), birth_date="1985-03-13", reason="koreksi tanggal lahir sesuai akta")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    head = Person.objects.get(pk=people["head"].pk)
    assert head.birth_date == dt.date(1985, 3, 13) and head.nik == "3171011203850001"  # the NIK stays
    history = History.objects.get(person=head, action="person.update")
    assert history.actor == staff["dinas"] and history.reason == "koreksi tanggal lahir sesuai akta"
    assert history.changes == {"birth_date": ["1985-03-12", "1985-03-13"]}


def test_a_change_without_a_reason_is_refused_and_nothing_is_saved(client, staff, people):
    url = f"{PERSONS}{people['head'].pk}/change/"
    login(client, staff["dinas"])
    response = client.post(url, form_data(client.get(url), name="Budi Santosa", reason=""))
    assert response.status_code == 200 and "reason" in response.context["adminform"].form.errors
    assert Person.objects.get(pk=people["head"].pk).name == "Budi Santoso"


def test_an_action_error_is_shown_on_its_field(client, staff, people):
    url = f"{PERSONS}{people['wife'].pk}/change/"
    login(client, staff["dinas"])
    response = client.post(url, form_data(client.get(url), relation="kepala_keluarga", reason="ganti kepala"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["relation"] == ["KK ini sudah mempunyai kepala keluarga"]
    assert not History.objects.filter(action="person.update").exists()


def test_a_person_is_added_to_a_kk_and_gets_the_next_nik(client, staff, people):
    login(client, staff["officer_gambir"])
    data = form_data(client.get(f"{PERSONS}add/"), kk=people["family"].kk, name="Ahmad Fauzi", sex="L",
                     birth_place="Jakarta", birth_date="2015-01-09", religion="islam", marital_status="belum_kawin",
                     relation="anak", education="sd", occupation="pelajar_mahasiswa", citizenship="wni",
                     blood_type="tidak_tahu", reason="kelahiran, akta 3171-LT-2015")
    response = client.post(f"{PERSONS}add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    son = Person.objects.get(name="Ahmad Fauzi")
    assert son.nik == "3171010901150001" and son.family == people["family"]
    assert History.objects.get(person=son).actor == staff["officer_gambir"]


def test_a_person_cannot_be_added_to_a_kk_outside_the_officers_area(client, staff, people):
    login(client, staff["officer_gambir"])
    kk = people["jaktim"].family.kk
    data = form_data(client.get(f"{PERSONS}add/"), kk=kk, name="Ahmad Fauzi", sex="L", birth_place="Jakarta",
                     birth_date="2015-01-09", religion="islam", marital_status="belum_kawin", relation="anak",
                     education="sd", occupation="pelajar_mahasiswa", reason="kelahiran")
    response = client.post(f"{PERSONS}add/", data)
    assert response.context["adminform"].form.errors["kk"] == ["nomor KK tidak ditemukan di wilayah kerja Anda"]


def test_a_death_is_a_status_change_with_its_akta(client, staff, people):
    url = f"{PERSONS}{people['head'].pk}/change/"
    login(client, staff["dinas"])
    data = form_data(client.get(url), new_status="meninggal", death_date="2023-01-10",
                     death_cert_no="3171-KM-10012023-0001", reason="laporan kematian")
    assert client.post(url, data).status_code == 302
    head = Person.objects.get(pk=people["head"].pk)
    assert (head.status, head.death_date, head.death_cert_no) == ("meninggal", dt.date(2023, 1, 10),
                                                                   "3171-KM-10012023-0001")
    assert History.objects.filter(person=head, action="person.death").exists()


def test_nothing_can_be_deleted(client, staff, people):
    login(client, staff["dinas"])
    assert client.get(f"{PERSONS}{people['head'].pk}/delete/").status_code == 403
    assert client.get(f"{FAMILIES}{people['family'].pk}/delete/").status_code == 403
    assert "delete_selected" not in client.get(PERSONS).context["cl"].model_admin.get_actions(
        client.get(PERSONS).wsgi_request)


def test_a_family_address_change_goes_through_the_action_and_opening_it_is_audited(client, staff, people):
    url = f"{FAMILIES}{people['family'].pk}/change/"
    login(client, staff["kecamatan_gambir"])
    page = client.get(url)
    assert AuditEntry.objects.get(action="family.read").row_count == 2
    kelurahan_choices = [c for c, _ in page.context["adminform"].form.fields["kelurahan"].choices if c]
    assert all(str(c).startswith("31.71.01.") for c in kelurahan_choices)
    response = client.post(url, form_data(page, kelurahan=KEBON_KELAPA, rt="7", reason="pindah dalam kecamatan"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    family = Family.objects.get(pk=people["family"].pk)
    assert (family.kelurahan_id, family.rt) == (KEBON_KELAPA, "7")
    assert History.objects.get(family=family, action="family.update").actor == staff["kecamatan_gambir"]
