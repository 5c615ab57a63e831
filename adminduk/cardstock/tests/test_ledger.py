import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adminduk.cardstock import actions, ledger
from adminduk.cardstock.checks import check_ledger
from adminduk.cardstock.models import Movement, MovementKind
from adminduk.cardstock.testing import queue_of_prrs, stock_service_point, stores
from adminduk.testing import GAMBIR, KEBON_KELAPA


def test_stores_are_seeded_from_the_area_list_once(regions):
    by_code = stores()
    assert by_code["31"].kind == "dinas"
    assert by_code["31.71"].parent == by_code["31"]
    assert by_code[GAMBIR].parent == by_code["31.71"]
    assert actions.ensure_stores() == 0


def test_a_receipt_needs_a_letter_and_a_positive_quantity(cast):
    dinas = stores()["31"]
    with pytest.raises(ValidationError) as err:
        actions.do_receive(dinas, 0, letter_no="", letter_date=None, actor=cast["dinas"])
    assert set(err.value.message_dict) == {"quantity", "letter_no", "letter_date"}
    assert not Movement.objects.exists()


def test_a_transfer_beyond_the_balance_is_refused_and_nothing_is_written(cast):
    by_code = stores()
    actions.do_receive(by_code["31"], 10, letter_no="1", letter_date=dt.date(2023, 1, 2), actor=cast["dinas"])
    with pytest.raises(ValidationError) as err:
        actions.do_transfer(by_code["31"], by_code["31.75"], 11, actor=cast["dinas"])
    assert "melebihi saldo" in err.value.message_dict["quantity"][0]
    assert ledger.balance(by_code["31.75"].pk) == 0 and ledger.balance(by_code["31"].pk) == 10


def test_a_sudin_cannot_move_blanks_out_of_another_kota(cast):
    by_code = stores()
    with pytest.raises(ValidationError) as err:
        actions.do_transfer(by_code["31.71"], by_code[GAMBIR], 1, actor=cast["sudin_jaktim"])
    assert "source" in err.value.message_dict


def test_the_database_refuses_a_negative_balance_and_a_second_row_at_the_same_position(cast):
    store = stores()["31"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Movement.objects.create(store=store, seq=1, kind=MovementKind.CORRECTION, quantity=-1, balance_after=-1)
    actions.do_receive(store, 5, letter_no="1", letter_date=dt.date(2023, 1, 2), actor=cast["dinas"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Movement.objects.create(store=store, seq=1, kind=MovementKind.RECEIPT, quantity=1, balance_after=6)


def test_a_print_run_takes_the_next_n_and_records_the_blanks(cast):
    point = stock_service_point(GAMBIR, 3, cast["dinas"])
    ids = queue_of_prrs(5, actor=cast["dinas"])
    run = actions.do_print_run(point, 10, actor=cast["officer_gambir"])
    assert run.printed == 3
    # Blanks 2-4 of the service point's ledger (1 was the transfer in), the three oldest requests.
    assert sorted(r.consumption.seq for r in run.requests.all()) == [2, 3, 4]
    assert sorted(r.person_id for r in run.requests.all()) == ids[:3]
    with pytest.raises(ValidationError) as err:
        actions.do_print_run(point, 1, actor=cast["officer_gambir"])
    assert "habis" in err.value.message_dict["count"][0]
    assert check_ledger() == []


def test_an_officer_cannot_print_for_another_kelurahan(cast):
    by_code = stores()
    with pytest.raises(ValidationError):
        actions.do_print_run(by_code[KEBON_KELAPA], 1, actor=cast["officer_gambir"])


OPS = st.lists(st.one_of(
    st.tuples(st.just("receive"), st.sampled_from(["31", "31.71"]), st.integers(-3, 40)),
    st.tuples(st.just("transfer"), st.sampled_from(["31", "31.71", GAMBIR]), st.sampled_from(["31", "31.71", GAMBIR]),
              st.integers(-2, 40)),
    st.tuples(st.just("print"), st.integers(0, 6)),
    st.tuples(st.just("spoil"), st.sampled_from(["31.71", GAMBIR]), st.integers(-1, 5)),
    st.tuples(st.just("correct"), st.sampled_from(["31", "31.71", GAMBIR]), st.integers(-20, 20)),
), max_size=25)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_balances_always_equal_a_recount_and_are_never_negative(cast, ops):
    with transaction.atomic():
        by_code = stores()
        queue_of_prrs(8, actor=cast["dinas"])
        actor = cast["dinas"]
        expected = {c: 0 for c in ("31", "31.71", GAMBIR)}
        printed = 0
        for op in ops:
            try:
                if op[0] == "receive":
                    actions.do_receive(by_code[op[1]], op[2], letter_no="x", letter_date=dt.date(2023, 1, 2), actor=actor)
                    expected[op[1]] += op[2]
                elif op[0] == "transfer":
                    actions.do_transfer(by_code[op[1]], by_code[op[2]], op[3], actor=actor)
                    expected[op[1]] -= op[3]
                    expected[op[2]] += op[3]
                elif op[0] == "print":
                    run = actions.do_print_run(by_code[GAMBIR], op[1], actor=actor)
                    expected[GAMBIR] -= run.printed
                    printed += run.printed
                elif op[0] == "spoil":
                    actions.do_spoil(by_code[op[1]], op[2], actor=actor, reason="rusak")
                    expected[op[1]] -= op[2]
                else:
                    actions.do_correct(by_code[op[1]], op[2], actor=actor, reason="opname")
                    expected[op[1]] += op[2]
            except ValidationError:
                pass  # refused as a whole: nothing may have been written
            for code, value in expected.items():
                assert ledger.balance(by_code[code].pk) == ledger.recount(by_code[code].pk) == value >= 0
        assert Movement.objects.filter(kind=MovementKind.CONSUMPTION).count() == printed
        assert check_ledger() == []
        transaction.set_rollback(True)
