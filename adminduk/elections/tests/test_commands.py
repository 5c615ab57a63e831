"""The commands end to end on a small register: dp4 extract/copy/identify/why/diff,
synth kpu-list, kpu reconcile, kpu evaluate, and their errors."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from adminduk.elections.reference import ensure_reference_elections
from adminduk.testing import make_family, make_person

from .helpers import build_register

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def register(cast):
    ensure_reference_elections()
    people = build_register()
    for i in range(30):
        make_person(make_family(rt=f"{i % 9 + 1:03d}"), name=f"Penduduk Contoh {chr(65 + i % 26)}{i}",
                    birth_date=dt.date(1950 + i, 1 + i % 12, 1 + i % 28))
    return people


def test_dp4_commands_end_to_end(register, tmp_path, cast):
    text = run("dp4", "extract", "--election", "pemilu-2024", "--out", str(tmp_path / "kpu"), "--version", "S1",
               "--user", "dinas.admin")
    assert "37 pemilih" in text and "tni: 1" in text
    run("dp4", "copy", "--election", "pemilu-2024", "--version", "S1", "--recipient", "Bawaslu DKI",
        "--out", str(tmp_path / "bawaslu"))
    text = run("dp4", "identify", str(tmp_path / "bawaslu" / "model_a.csv"))
    assert "untuk Bawaslu DKI" in text.splitlines()[-1]
    text = run("dp4", "why", "--election", "pemilu-2024", "--version", "S1", register["polri"].nik,
               "--user", "dinas.admin")
    assert "Anggota Polri" in text
    run("dp4", "extract", "--election", "pemilu-2024", "--out", str(tmp_path / "kpu2"), "--version", "S2")
    text = run("dp4", "diff", "--from", "pemilu-2024:S1", "--to", "pemilu-2024:S2", "--out", str(tmp_path / "d.csv"))
    assert "selisih ditulis" in text


def test_synth_list_reconcile_and_evaluate_end_to_end(register, tmp_path):
    run("synth_kpu_list", "--election", "pemilu-2024", "--out", str(tmp_path / "s"), "--seed", "5")
    assert (tmp_path / "s" / "truth.csv").exists()
    text = run("kpu", "reconcile", "--election", "pemilu-2024", "--list", str(tmp_path / "s" / "list.csv"),
               "--out", str(tmp_path / "r"))
    assert "rekonsiliasi #" in text
    for name in ("findings.csv", "summary_kategori.csv", "summary_kelurahan.csv", "unreadable.csv"):
        assert (tmp_path / "r" / name).exists()
    text = run("kpu", "evaluate", "--findings", str(tmp_path / "r" / "findings.csv"),
               "--truth", str(tmp_path / "s" / "truth.csv"))
    assert "presisi" in text and "belum_terdaftar" in text


def test_commands_name_the_bad_argument(register, tmp_path):
    with pytest.raises(CommandError, match="--election"):
        run("dp4", "extract", "--election", "pemilu-1955", "--out", str(tmp_path))
    with pytest.raises(CommandError, match="--list"):
        run("kpu", "reconcile", "--election", "pemilu-2024", "--list", str(tmp_path / "nope.csv"),
            "--out", str(tmp_path / "r"))
    bad = tmp_path / "bad.csv"
    bad.write_text("no_kk,nama\n1,BUDI\n")
    with pytest.raises(CommandError, match="kolom wajib tidak ada: nik"):
        run("kpu", "reconcile", "--election", "pemilu-2024", "--list", str(bad), "--out", str(tmp_path / "r"))
