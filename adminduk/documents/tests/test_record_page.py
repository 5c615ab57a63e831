from django.urls import reverse

from adminduk.cardstock.testing import stores
from adminduk.documents.models import RequestStatus
from adminduk.registry.choices import KtpState
from adminduk.registry.models import Person
from adminduk.testing import make_person


def holder():
    stores()
    person = make_person()
    Person.objects.filter(pk=person.pk).update(ktp_state=KtpState.ISSUED)  # as loaded from SIAK
    return person


def test_an_officer_requests_a_replacement_and_a_lost_card_needs_the_police_report(client, cast):
    person = holder()
    client.force_login(cast["officer_gambir"])
    url = reverse("documents:record", args=[person.nik])
    page = client.post(url, {"form": "request", "r-kind": "lost", "r-reason": "hilang di KRL"}).content.decode()
    assert "nomor surat keterangan kehilangan dari kepolisian wajib diisi" in page
    response = client.post(url, {"form": "request", "r-kind": "lost", "r-reason": "hilang di KRL",
                                 "r-police_report_no": "LP/77/I/2023"})
    assert response.status_code == 302
    assert person.print_requests.get().status == RequestStatus.WAITING


def test_an_officer_of_another_kota_cannot_open_the_record(client, cast):
    person = holder()
    client.force_login(cast["sudin_jaktim"])
    assert client.get(reverse("documents:record", args=[person.nik])).status_code == 403


def test_handing_over_without_a_printed_card_is_refused_next_to_the_action(client, cast):
    person = holder()
    client.force_login(cast["officer_gambir"])
    page = client.post(reverse("documents:record", args=[person.nik]),
                       {"form": "act", "a-action": "issue", "a-reason": "serah"}).content.decode()
    assert "tidak ada permohonan cetak yang terbuka" in page
