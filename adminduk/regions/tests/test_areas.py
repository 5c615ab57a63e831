"""The 318 Kemendagri areas of DKI: counts, the tree, subtrees, idempotent loading."""

import pytest
from django.core.management import call_command

from adminduk.regions.loading import load_regions, read_wilayah
from adminduk.regions.models import Level, Region

pytestmark = pytest.mark.django_db


def test_dki_has_318_areas_in_four_levels(regions):
    assert Region.objects.count() == 318
    counts = {level: Region.objects.filter(level=level).count() for level in Level.values}
    assert counts == {"provinsi": 1, "kota": 6, "kecamatan": 44, "kelurahan": 267}


def test_every_area_hangs_under_its_parent_code(regions):
    province = Region.objects.get(code="31")
    assert province.parent is None and province.name.upper().endswith("JAKARTA")
    for region in Region.objects.exclude(level=Level.PROVINSI).select_related("parent"):
        assert region.code.rsplit(".", 1)[0] == region.parent.code
        assert list(Level.values).index(region.level) == list(Level.values).index(region.parent.level) + 1


def test_the_tree_from_kelurahan_gambir_up(regions):
    gambir = Region.objects.get(code="31.71.01.1001")
    assert [a.code for a in gambir.ancestors()] == ["31", "31.71", "31.71.01"]
    assert gambir.nik_prefix == "317101"
    assert Region.objects.get(code="31.71").contains("31.71.01.1001")
    assert not Region.objects.get(code="31.71.01").contains("31.71.010.1001")  # a prefix, not a substring


def test_kelurahan_under_the_province_a_kota_and_a_kecamatan(regions):
    assert Region.objects.kelurahan_under("31").count() == 267
    jakpus = Region.objects.kelurahan_under("31.71")
    assert jakpus.count() == 44 and all(r.code.startswith("31.71.") for r in jakpus)
    assert set(Region.objects.kelurahan_under("31.71.01").values_list("name", flat=True)) >= {"Gambir", "Kebon Kelapa"}
    assert Region.objects.kelurahan_under("31.71.01").count() == 6
    # A kelurahan is "under" itself; an unknown code has nothing under it.
    assert list(Region.objects.kelurahan_under("31.71.01.1001").values_list("code", flat=True)) == ["31.71.01.1001"]
    assert not Region.objects.kelurahan_under("31.79").exists()


def test_kota_totals_add_up(regions):
    per_kota = {k.code: Region.objects.kelurahan_under(k.code).count() for k in Region.objects.kota()}
    assert sum(per_kota.values()) == 267 and len(per_kota) == 6
    assert per_kota["31.01"] == 6  # Kepulauan Seribu


def test_loading_twice_changes_nothing(regions):
    assert load_regions() == (0, 0)
    assert Region.objects.count() == 318


def test_loading_repairs_a_changed_name(regions):
    Region.objects.filter(code="31.71.01.1001").update(name="SALAH")
    assert load_regions() == (0, 1)
    assert Region.objects.get(code="31.71.01.1001").name == "Gambir"


def test_the_command_loads_into_an_empty_table(db, capsys):
    call_command("load_regions")
    assert Region.objects.count() == 318 == len(read_wilayah())


def test_staff_can_look_areas_up_in_the_back_office_but_not_change_them(client, cast):
    dinas = cast["dinas"]
    dinas.is_staff = True
    dinas.save()
    client.force_login(dinas)
    assert client.get("/admin/regions/region/?q=Gambir").status_code == 200
    assert client.get("/admin/regions/region/31.71.01.1001/change/").status_code == 200  # read-only view
    assert client.post("/admin/regions/region/31.71.01.1001/change/", {"name": "X"}).status_code == 403
    assert client.get("/admin/regions/region/add/").status_code == 403
    assert Region.objects.get(code="31.71.01.1001").name == "Gambir"
