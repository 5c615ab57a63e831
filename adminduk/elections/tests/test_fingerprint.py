import csv

import pyarrow.parquet as pq
import pytest

from adminduk.elections import actions, dp4
from adminduk.elections.models import ExtractCopy
from adminduk.elections.reference import ensure_reference_elections
from adminduk.testing import make_family, make_person

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def copies(cast, tmp_path, monkeypatch):
    import datetime as dt

    # Copies are gathered and written in batches: 7 rows each here, so that the 40 rows
    # go through several batches, Parquet row groups and writers' windows.
    monkeypatch.setattr(dp4, "COPY_BATCH_ROWS", 7)

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


def _fp1_in_sql(eligible_parquet, key):
    """fp1 as documented at the top of dp4.py, in plain SQL over the canonical rows."""
    import duckdb

    return duckdb.sql(f"""
        SELECT * EXCLUDE (h, rt, rw, alamat),
               CASE WHEN substr(h, 32, 1) < '8' THEN ltrim(rt, '0') ELSE rt END AS rt,
               CASE WHEN substr(h, 31, 1) < '8' THEN ltrim(rw, '0') ELSE rw END AS rw,
               CASE WHEN substr(h, 30, 1) < '8' THEN alamat || ' ' ELSE alamat END AS alamat
        FROM (SELECT *, md5('{key}' || nik) AS h FROM read_parquet('{eligible_parquet}'))
        ORDER BY kelurahan, h""").to_arrow_table()


def test_every_copy_follows_fp1_exactly_row_by_row(copies):
    import pyarrow.csv as pcsv

    from adminduk.elections.eligibility import MODEL_A_FIELDS

    keys = _keys()
    internal = dp4.Path(copies[0].extract.path) / "eligible.parquet"
    for copy in copies:
        expected = _fp1_in_sql(internal, keys[copy.pk]).select(list(MODEL_A_FIELDS)).to_pylist()
        folder = dp4.Path(copy.path)
        assert pq.read_table(folder / "model_a.parquet").to_pylist() == expected
        as_text = pcsv.ConvertOptions(column_types={f: "string" for f in MODEL_A_FIELDS}, strings_can_be_null=False)
        assert pcsv.read_csv(folder / "model_a.csv", convert_options=as_text).to_pylist() == expected


def test_the_internal_file_holds_every_eligible_person_in_canonical_encoding(copies):
    """eligible.parquet is Model A as `model_a_select` gives it (RT/RW padded to 3 digits,
    no trailing space): the copies undo to it exactly."""
    rows = pq.read_table(dp4.Path(copies[0].extract.path) / "eligible.parquet").to_pylist()
    assert len(rows) == 40 and all(len(r["rt"]) == 3 and len(r["rw"]) == 3 for r in rows)
    canonical = sorted(rows, key=lambda r: r["nik"])
    for copy in copies:
        undone = [{**r, "rt": r["rt"].rjust(3, "0"), "rw": r["rw"].rjust(3, "0"), "alamat": r["alamat"].rstrip(" ")}
                  for r in pq.read_table(dp4.Path(copy.path) / "model_a.parquet").to_pylist()]
        assert sorted(undone, key=lambda r: r["nik"]) == canonical


def test_the_narrow_sort_is_exact_where_hash_prefixes_tie():
    """`_fp_order` sorts a 64-bit key (kelurahan rank, then the first bits of h) and
    settles ties by the full h; same h (one NIK twice) keeps the input order; NULL
    kelurahan last, as in DuckDB's ORDER BY."""
    import numpy as np
    import pyarrow as pa

    kel = pa.array(["31.71.02", "31.71.01", None, "31.71.01", "31.71.01", "31.71.01", "31.71.02", "31.71.01"])
    top = np.uint64(0xABCDEF0000000000)
    hi = np.array([5, top + 1, 0, top, top, top + 2, 4, top], np.uint64)  # top, top+1, top+2 share 61 bits
    lo = np.array([0, 0, 0, 9, 3, 0, 0, 3], np.uint64)
    order = dp4._fp_order(kel, hi, lo)
    assert order.tolist() == [4, 7, 3, 1, 5, 6, 0, 2]


def test_the_fingerprint_bits_are_hex_digits_30_to_32_of_md5():
    import hashlib

    import pyarrow as pa

    niks = [f"31710{i:011d}" for i in range(300)]
    key = "00112233445566778899aabbccddeeff"
    hi, lo = dp4._fp_hash(pa.table({"nik": niks}), key)
    for i, nik in enumerate(niks):
        h = hashlib.md5((key + nik).encode()).hexdigest()
        assert (int(hi[i]), int(lo[i])) == (int(h[:16], 16), int(h[16:], 16))
        for digit in (30, 31, 32):
            assert bool(dp4._below_8(lo[i:i + 1], digit)[0]) == (h[digit - 1] < "8")


def test_the_csv_writer_writes_what_duckdb_writes_byte_for_byte(tmp_path):
    import duckdb
    import pyarrow as pa

    values = [chr(i) for i in range(1, 128)] + ["", None, " a", "a ", "a,b", 'a"b', '""', "#x", "x#", "é", "NULL",
                                                "\\N", "x\r\ny", "JL. MAWAR NO. 5, RT 1", 'O"NEIL, "BUDI"']
    table = pa.table({"nik": values, "alamat": values[::-1], "keterangan": [""] * len(values)})
    table = pa.Table.from_batches(table.to_batches(max_chunksize=17))
    with duckdb.connect() as con:
        con.register("t", table)
        con.execute(f"COPY t TO '{tmp_path / 'duckdb.csv'}' (HEADER, DELIMITER ',', QUOTE '\"')")
    digest = dp4._write_csv(table, tmp_path / "ours.csv")
    assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "duckdb.csv").read_bytes()
    assert digest == dp4.sha256_file(tmp_path / "ours.csv")
