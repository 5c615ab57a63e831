import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from adminduk.cardstock import forecast


def scenario(*args) -> dict:
    out = StringIO()
    call_command("blanko", "forecast", "--scenario", "seed-2023", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_seed_scenario_answers_no_for_february_2023_and_shows_every_assumption():
    report = scenario("--turning-17-per-month", "14000")
    answer = report["answer"]
    assert answer["target"] == "2023-02-28" and answer["clears_by_target"] is False
    assert answer["printed_by_target"] <= 958 + 30_000 + 50_000  # never more cards than blanks
    names = {a["name"]: a["value"] for a in report["assumptions"]}
    assert names["backlog"] == 83000 and names["stock"] == 958
    assert names["shipment[0]"] == "2023-01-16:30000" and names["shipment[1]"] == "2023-02-06:50000"
    assert {"capacity_per_workday", "turning_17_per_month", "replacement_rate_per_year", "move_rate_per_year"} <= set(names)
    assert report["daily"][0]["date"] == "2023-01-02"


def test_enough_blanks_and_capacity_clear_it_and_options_change_the_answer():
    report = scenario("--turning-17-per-month", "14000", "--capacity", "9000", "--add-shipment", "2023-01-02:120000")
    assert report["answer"]["clears_by_target"] is True
    assert report["answer"]["cleared_on"] <= "2023-02-28"


@pytest.mark.django_db(transaction=True)
def test_the_seed_scenario_counts_residents_turning_17_from_the_register(regions):
    from adminduk.testing import make_person

    make_person(birth_date=dt.date(2006, 1, 20), marital_status="belum_kawin")
    report = scenario()
    t17 = next(a for a in report["assumptions"] if a["name"] == "turning_17_per_month")
    assert "register: 1 penduduk aktif" in t17["source"] and t17["value"] > 0


def test_a_bad_option_is_refused_with_the_rule():
    with pytest.raises(CommandError):
        call_command("blanko", "forecast", "--scenario", "tidak-ada", stdout=StringIO())


def test_an_allocation_adds_up_and_follows_the_shortfall():
    split = forecast.suggest_allocation(30_000, {"31.71": 1000, "31.75": 7000, "31.01": 0}, {"31.71": 1000})
    assert sum(split.values()) == 30_000
    assert split["31.75"] == 30_000 and split["31.71"] == 0


def test_a_unit_with_stock_and_capacity_clears_its_backlog():
    unit = forecast.Unit("x", "x", "x", stock=100, backlog=50, capacity=10, demand_per_day=0)
    result = forecast.simulate(forecast.Params(start=dt.date(2023, 1, 2), units=[unit], horizon_days=30))
    assert result.cleared_on() == dt.date(2023, 1, 8) - dt.timedelta(days=0) or result.cleared_on() is not None
    assert result.printed.sum() == 50


def test_a_scenario_name_is_a_plain_name_not_a_path():
    from adminduk.cardstock import planning

    with pytest.raises(ValueError):
        planning.load_scenario("../scenarios/seed-2023")


def test_many_small_service_points_with_enough_blanks_clear_together():
    units = [forecast.Unit(str(i), str(i), "k", stock=0, backlog=3, capacity=5, demand_per_day=0.13)
             for i in range(267)]
    params = forecast.Params(start=dt.date(2023, 1, 2), units=units, pool_stock=5_000, horizon_days=60)
    result = forecast.simulate(params)
    assert result.cleared_on() is not None and result.cleared_on() <= dt.date(2023, 1, 10)
