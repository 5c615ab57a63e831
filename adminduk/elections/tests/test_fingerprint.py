import csv

import pyarrow.parquet as pq
import pytest

from adminduk.elections import actions, dp4
from adminduk.elections.models import ExtractCopy
from adminduk.elections.reference import ensure_reference_elections
from adminduk.testing import make_family, make_person

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def copies(cast, tmp_path):
    import datetime as dt

    for i in range(40):
        family = make_family(rt=f"{i % 12 + 1:03d}", rw="004")
        make_person(family, name=f"Warga Nomor {i}", birth_date=dt.date(1960 + i, 1 + i % 12, 1 + i % 27))
    election = ensure_reference_elections()
    extract, kpu = actions.do_create_extract(election, actor=cast["dinas"], reason="uji", version="2023-S2",
                                             out=tmp_path / "kpu")
    bawaslu = actions.do_hand_over_copy(extract, recipient="Bawaslu DKI", actor=cast["dinas"], reason="pengawasan",
                                        out=tmp_path / "bawaslu")
    partai = actions.do_hand_over_copy(extract, recipient="Partai X", actor=cast["dinas"], reason="uji",
                                       out=tmp_path / "partai")
    return kpu, bawaslu, partai


def _keys():
    return dict(ExtractCopy.objects.values_list("pk", "fingerprint_key"))


def test_copies_hold_the_same_people_and_values_up_to_encoding(copies):
    files = [dp4.Path(c.path) / "model_a.parquet" for c in copies]
    tables = [pq.read_table(f).to_pylist() for f in files]

    def canonical(rows):
        return sorted((r["nik"], r["nama"], r["rt"].zfill(3), r["rw"].zfill(3), r["alamat"].rstrip()) for r in rows)

    assert canonical(tables[0]) == canonical(tables[1]) == canonical(tables[2])
    assert len(tables[0]) == 40
    assert tables[0] != tables[1]  # but not byte-identical


@pytest.mark.parametrize("which", [0, 1, 2])
def test_a_leaked_csv_identifies_its_recipient(copies, which, tmp_path):
    leaked = dp4.Path(copies[which].path) / "model_a.csv"
    best = dp4.verdict(dp4.identify(leaked, _keys()))
    assert best is not None and best.copy_id == copies[which].pk


def test_a_leaked_excerpt_without_some_columns_still_identifies_its_recipient(copies, tmp_path):
    source = dp4.Path(copies[1].path) / "model_a.csv"
    with open(source, newline="") as fh:
        rows = list(csv.DictReader(fh))[5:35]
    excerpt = tmp_path / "bocor.csv"
    with open(excerpt, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["nik", "nama", "rt", "rw", "alamat", "kelurahan"],
                                extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    best = dp4.verdict(dp4.identify(excerpt, _keys()))
    assert best is not None and best.copy_id == copies[1].pk


def test_a_leaked_parquet_identifies_its_recipient(copies):
    best = dp4.verdict(dp4.identify(dp4.Path(copies[2].path) / "model_a.parquet", _keys()))
    assert best.copy_id == copies[2].pk


def test_a_file_that_is_no_copy_is_not_attributed(copies, tmp_path):
    with open(dp4.Path(copies[0].path) / "model_a.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    other = tmp_path / "lain.csv"
    with open(other, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["nik", "rt", "rw", "alamat", "kelurahan"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(sorted(({**r, "rt": r["rt"].zfill(3), "rw": r["rw"].zfill(3), "alamat": r["alamat"].rstrip()}
                                 for r in rows), key=lambda r: r["nik"]))
    assert dp4.verdict(dp4.identify(other, _keys())) is None
