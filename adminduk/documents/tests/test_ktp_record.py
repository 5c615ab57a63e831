import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from adminduk.cardstock import actions as cardstock
from adminduk.cardstock.testing import stock_service_point, stores
from adminduk.documents import actions, rules
from adminduk.documents.models import KtpRecordEvent, Priority, RequestKind, RequestStatus, Suket
from adminduk.registry.choices import KtpState
from adminduk.registry.models import Person
from adminduk.testing import GAMBIR, make_person

S = KtpState
PATH_TO_PRR = [S.BIO_CAPTURED, S.PROCESSING, S.SENT_FOR_ENROLLMENT, S.RECEIVED_AT_CENTRAL, S.PRINT_READY_RECORD]


def to_prr(person, actor):
    for state in PATH_TO_PRR:
        actions.do_record_state(person, state, actor=actor, reason="laporan pusat data")
    person.refresh_from_db()
    return person


def test_printed_and_issued_are_reached_only_through_print_and_hand_over():
    assert rules.allowed(S.PRINT_READY_RECORD, S.PRINTED)
    assert not rules.pipeline_allowed(S.PRINT_READY_RECORD, S.PRINTED)
    assert not rules.allowed(S.UNREGISTERED, S.PRINT_READY_RECORD)
    assert not rules.allowed(S.DUPLICATE_RECORD, S.PRINT_READY_RECORD)  # no card for a duplicate record
    assert rules.allowed(S.ISSUED, S.PRINT_READY_RECORD)  # a re-print needs no new biometrics


def test_first_cards_of_2024_voters_come_first():
    common = dict(marital_status="belum_kawin", citizenship="wni", occupation="pelajar_mahasiswa", on=dt.date(2023, 1, 5))
    assert rules.priority_for("first_17", birth_date=dt.date(2005, 6, 1), **common) == Priority.VOTER_FIRST
    assert rules.priority_for("first_17", birth_date=dt.date(2007, 6, 1), **common) == Priority.FIRST
    assert rules.priority_for("first_17", birth_date=dt.date(2005, 6, 1), **{**common, "occupation": "tni"}) == Priority.FIRST
    assert rules.priority_for("lost", birth_date=dt.date(1980, 1, 1), **common) == Priority.REPLACEMENT
    assert rules.priority_for("dkj", birth_date=dt.date(1980, 1, 1), **common) == Priority.CHANGE


def test_suket_is_valid_six_months():
    assert rules.suket_valid_until(dt.date(2023, 8, 31)) == dt.date(2024, 2, 29)


def test_reaching_prr_opens_the_first_card_request_with_history(cast):
    stores()
    person = to_prr(make_person(birth_date=dt.date(2005, 3, 1), marital_status="belum_kawin", relation="anak"),
                    cast["dinas"])
    assert person.ktp_state == S.PRINT_READY_RECORD
    request = person.print_requests.get()
    assert request.kind == RequestKind.FIRST_17 and request.status == RequestStatus.WAITING
    events = list(KtpRecordEvent.objects.filter(person=person).order_by("at", "id"))
    assert [e.to_state for e in events][:5] == PATH_TO_PRR
    assert events[-1].to_state == person.ktp_state  # the state is the last transition
    from adminduk.documents.checks import check_records

    assert check_records() == []
    Person.objects.filter(pk=person.pk).update(ktp_state=S.ISSUED)  # a raw write behind the actions' back
    assert len(check_records()) == 1


def test_a_state_cannot_be_skipped(cast):
    person = make_person()
    with pytest.raises(ValidationError) as err:
        actions.do_record_state(person, S.PRINT_READY_RECORD, actor=cast["dinas"], reason="x")
    assert "tidak diperbolehkan" in err.value.message_dict["ktp_state"][0]
    person.refresh_from_db()
    assert person.ktp_state == S.UNREGISTERED and not KtpRecordEvent.objects.exists()


def test_print_issue_then_a_lost_card_needs_a_police_report(cast):
    stock_service_point(GAMBIR, 5, cast["dinas"])
    person = to_prr(make_person(), cast["dinas"])
    request = person.print_requests.get()
    request = actions.do_print_card(request, actor=cast["officer_gambir"])
    assert Person.objects.get(pk=person.pk).ktp_state == S.PRINTED and request.consumption.quantity == -1
    with pytest.raises(ValidationError):
        actions.do_print_card(request, actor=cast["officer_gambir"])  # never printed twice
    actions.do_issue_card(request, actor=cast["officer_gambir"])
    with pytest.raises(ValidationError) as err:
        actions.do_request_card(person, RequestKind.LOST, actor=cast["officer_gambir"], reason="hilang")
    assert "police_report_no" in err.value.message_dict
    again = actions.do_request_card(person, RequestKind.LOST, actor=cast["officer_gambir"], reason="hilang",
                                    police_report_no="LP/123/I/2023/Polsek Gambir")
    assert again.priority == Priority.REPLACEMENT
    assert Person.objects.get(pk=person.pk).ktp_state == S.PRINT_READY_RECORD


def test_a_suket_only_when_there_are_no_blanks_and_the_card_replaces_it(cast):
    stores()
    person = to_prr(make_person(), cast["dinas"])
    request = person.print_requests.get()
    suket = actions.do_issue_suket(request, actor=cast["officer_gambir"], reason="blanko habis", on=dt.date(2023, 1, 9))
    assert suket.valid_until == dt.date(2023, 7, 9)
    stock_service_point(GAMBIR, 1, cast["dinas"])
    with pytest.raises(ValidationError):  # Dirjen: no Suket while blanks are in stock
        actions.do_issue_suket(request, actor=cast["officer_gambir"], reason="lagi")
    request = actions.do_print_card(request, actor=cast["officer_gambir"])
    actions.do_issue_card(request, actor=cast["officer_gambir"])
    assert Suket.objects.get(pk=suket.pk).replaced_at is not None


def test_ikd_needs_a_print_ready_record(cast):
    stores()
    person = make_person()
    with pytest.raises(ValidationError):
        actions.do_activate_ikd(person, actor=cast["officer_gambir"], reason="aktivasi IKD")
    person = to_prr(person, cast["dinas"])
    actions.do_activate_ikd(person, actor=cast["officer_gambir"], reason="aktivasi IKD", on=dt.date(2023, 2, 1))
    assert Person.objects.get(pk=person.pk).ikd_activated_on == dt.date(2023, 2, 1)


def test_the_dkj_campaign_queues_every_card_holder_of_an_area(cast):
    stock_service_point(GAMBIR, 2, cast["dinas"])
    holders = []
    for i in range(2):
        p = to_prr(make_person(name=f"Pemegang {i}", relation="anak", marital_status="belum_kawin"), cast["dinas"])
        r = actions.do_print_card(p.print_requests.get(), actor=cast["officer_gambir"])
        actions.do_issue_card(r, actor=cast["officer_gambir"])
        holders.append(p.pk)
    assert actions.do_start_dkj_campaign("31.71", actor=cast["dinas"], reason="DKI menjadi DKJ") == 2
    assert cardstock  # the campaign is a queue; printing it is the ledger's business
    assert set(Person.objects.filter(pk__in=holders).values_list("ktp_state", flat=True)) == {S.PRINT_READY_RECORD}
