"""Who came in, who left and why, between two extracts."""

import csv
import datetime as dt

import pytest

from adminduk.elections import actions, dp4
from adminduk.elections.models import Election
from adminduk.registry import actions as reg
from adminduk.registry.choices import MaritalStatus
from adminduk.testing import make_family, make_person

from .helpers import build_register

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_diff_names_who_came_in_who_left_and_why(cast, tmp_path):
    p = build_register()
    pemilu = Election.objects.create(slug="pemilu-uji", name="Pemilu uji", polling_day=dt.date(2024, 2, 14),
                                     cutoff_date=dt.date(2023, 6, 30))
    # A later election: Dewi (17 the day after the first polling day) has turned 17.
    pilkada = Election.objects.create(slug="pilkada-uji", name="Pilkada uji", polling_day=dt.date(2024, 11, 27),
                                      cutoff_date=dt.date(2023, 12, 31))
    young = make_person(p["budi"].family, name="Nia Ramadhani", sex="P", birth_date=dt.date(2008, 1, 1),
                        relation="anak", marital_status=MaritalStatus.BELUM_KAWIN, occupation="pelajar_mahasiswa")
    old, _ = actions.do_create_extract(pemilu, actor=cast["dinas"], reason="uji", version="S1")
    # Between the two: a death, a move out of DKI, a marriage of a minor, a newcomer,
    # an address change.
    reg.do_register_death(p["budi"], death_date=dt.date(2024, 1, 2), death_cert_no="AK-1", actor=None, reason="uji")
    reg.do_move_out(p["siti"], actor=None, reason="uji")
    reg.do_update_person(young, {"marital_status": MaritalStatus.KAWIN}, actor=None, reason="uji")
    newcomer = make_person(make_family(), name="Andi Wijaya", birth_date=dt.date(1999, 9, 9))
    reg.do_update_family(p["typo"].family, {"rt": "009"}, actor=None, reason="uji")
    new, _ = actions.do_create_extract(pilkada, actor=cast["dinas"], reason="uji", version="S2")

    counts = dp4.diff_extracts(dp4.Path(old.path), dp4.Path(new.path), tmp_path / "diff.csv")
    with open(tmp_path / "diff.csv", newline="") as fh:
        rows = {(r["nik"], r["perubahan"]): r for r in csv.DictReader(fh)}
    assert rows[(p["kurang17"].nik, "masuk")]["alasan"] == "berusia_17"
    assert rows[(young.nik, "masuk")]["alasan"] == "menikah"
    assert rows[(newcomer.nik, "masuk")]["alasan"] == "pendatang"
    assert rows[(p["budi"].nik, "keluar")]["alasan"] == "meninggal"
    assert rows[(p["siti"].nik, "keluar")]["alasan"] == "pindah"
    changed = rows[(p["typo"].nik, "berubah")]
    assert changed["alasan"] == "data_berubah" and changed["kolom"] == "rt"
    assert counts["keluar:meninggal"] == 1
