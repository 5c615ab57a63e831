"""Targets per indicator, year and area: set by the Dinas, kept with their history."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from adminduk.audit.models import AuditEntry
from adminduk.coverage import queries
from adminduk.coverage.actions import do_set_target
from adminduk.coverage.models import Target
from adminduk.testing import GAMBIR


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.ADMINDUK_REQUIRE_OTP = False


@pytest.mark.django_db
def test_the_dinas_sets_a_target_and_the_later_row_wins_with_the_earlier_kept(cast):
    dinas = cast["dinas"]
    do_set_target(indicator="akta_lahir", year=2023, area_code="31.71", value="97,5", actor=dinas,
                  reason="rapat kerja Sudin Jakpus")
    do_set_target(indicator="akta_lahir", year=2023, area_code="31.71", value="98.5", actor=dinas,
                  reason="revisi setelah rakor")
    targets = queries.effective_targets(2023)
    assert queries.target_for(targets, "akta_lahir", GAMBIR)[0] == Decimal("98.5")  # inherited by the kelurahan
    assert "revisi setelah rakor" in queries.target_for(targets, "akta_lahir", GAMBIR)[1]
    assert queries.target_for(targets, "akta_lahir", "31.75")[0] == Decimal("98")  # national default elsewhere
    history = queries.target_history(indicator="akta_lahir", area_code="31.71")
    assert [t.value for t in history] == [Decimal("98.5"), Decimal("97.5")]
    assert AuditEntry.objects.filter(action="coverage.target.set").count() == 2


@pytest.mark.django_db
def test_withdrawing_an_area_target_falls_back_to_the_parent(cast):
    dinas = cast["dinas"]
    do_set_target(indicator="kia", year=2023, area_code="31", value="55", actor=dinas, reason="target DKI")
    do_set_target(indicator="kia", year=2023, area_code="31.75", value="60", actor=dinas, reason="Jaktim")
    do_set_target(indicator="kia", year=2023, area_code="31.75", value="", actor=dinas, reason="dicabut")
    targets = queries.effective_targets(2023)
    assert queries.target_for(targets, "kia", "31.75.06.1001")[0] == Decimal("55")
    assert queries.target_for(targets, "kia", "31.75.06.1001")[0] == queries.target_for(targets, "kia", "31")[0]
    assert Target.objects.filter(indicator="kia").count() == 3
    # A target for another year does not leak into 2023.
    do_set_target(indicator="kia", year=2024, area_code="31", value="70", actor=dinas, reason="2024")
    assert queries.target_for(queries.effective_targets(2023), "kia", "31")[0] == Decimal("55")


@pytest.mark.django_db
def test_only_the_dinas_sets_targets(cast):
    for who in ("sudin_jaktim", "dprd", "officer_gambir"):
        with pytest.raises(PermissionDenied):
            do_set_target(indicator="kia", year=2023, area_code="31", value="50", actor=cast[who], reason="x")
    assert not Target.objects.exists()


@pytest.mark.django_db
def test_bad_target_input_names_every_field_and_writes_nothing(cast):
    with pytest.raises(ValidationError) as exc:
        do_set_target(indicator="akta", year="23", area_code="99.99", value="101", actor=cast["dinas"], reason="")
    assert set(exc.value.message_dict) == {"indicator", "year", "area", "value", "reason"}
    assert "paling tinggi 100" in exc.value.message_dict["value"][0]
    with pytest.raises(ValidationError, match="dua angka"):
        do_set_target(indicator="kia", year=2023, area_code="31", value="50.125", actor=cast["dinas"], reason="x")
    assert not Target.objects.exists()


@pytest.mark.django_db
def test_the_targets_page_saves_for_the_dinas_and_shows_errors(client, cast):
    client.force_login(cast["dinas"])
    response = client.post(reverse("coverage:targets"), {"indicator": "ikd", "year": "2023", "area": "31",
                                                         "value": "30", "reason": "percepatan IKD"})
    assert response.status_code == 302 and Target.objects.get().value == Decimal("30")
    response = client.post(reverse("coverage:targets"), {"indicator": "ikd", "year": "2023", "area": "31",
                                                         "value": "abc", "reason": "x"})
    assert response.status_code == 400 and "target harus angka persen" in response.content.decode()
    page = client.get(reverse("coverage:targets")).content.decode()
    assert "percepatan IKD" in page and "Tetapkan target" in page
    client.force_login(cast["sudin_jaktim"])
    page = client.get(reverse("coverage:targets")).content.decode()
    assert "percepatan IKD" in page and "Tetapkan target" not in page
    assert client.post(reverse("coverage:targets"), {"indicator": "ikd"}).status_code == 403
