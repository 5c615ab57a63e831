import csv

import pyarrow as pa
import pytest

from adminduk.elections import dp4, intake

from .helpers import HEADER


def _write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


REGIONS = pa.table({"code": ["31.71.01", "31.71.01.1001", "31.71.01.1002"],
                    "name": ["Gambir", "Gambir", "Kebon Kelapa"]})


def _normalised(path):
    parsed = intake.read_list(path)
    with dp4.duck_session() as con:
        intake.normalise(con, parsed, REGIONS)
        rows = con.execute("SELECT row, nik, nik_valid, nama, birth_date, sex, rt, kelurahan_code, unusable "
                           "FROM lst ORDER BY row").fetchall()
        problems = con.execute("SELECT row, kolom, alasan, diproses FROM problems ORDER BY row").fetchall()
    return parsed, rows, problems


def test_it_reads_dates_case_spaces_and_odd_niks(tmp_path):
    h = ",".join(h.upper() for h in HEADER)  # headers in upper case too
    path = _write(tmp_path / "l.csv", [
        h,
        "3171010101850001, 3171011203850001 ,  budi   santoso ,jakarta,12-03-1985,S,l,JL. X,2,1,,S,,31.71.01.1001,1",
        "3171010101850001,3171011203850002,SITI,JAKARTA,1985-03-12,S,P,JL. X,002,001,,S,,3171011001,1",
        "3171010101850001,317101120385001,ANI,JAKARTA,12/03/1985,B,P,JL. X,002,001,,S,,GAMBIR,1",
        "3171010101850001,31710112038500012,TONO,JAKARTA,,B,L,,,,,,,,",
    ])
    parsed, rows, problems = _normalised(path)
    assert [r[0] for r in rows] == [1, 2, 3, 4]
    assert rows[0][1:7] == ("3171011203850001", True, "BUDI SANTOSO", rows[1][4], "L", 2)
    assert str(rows[0][4]) == "1985-03-12" and str(rows[2][4]) == "1985-03-12"
    assert rows[0][7] == rows[1][7] == rows[2][7] == "31.71.01.1001"  # code, 10 digits, or name
    assert rows[2][2] is False and rows[3][2] is False  # 15 and 17 digits: read, flagged invalid
    assert rows[3][4] is None and not rows[3][8]  # empty fields are fine
    assert problems == []


def test_unreadable_rows_are_reported_by_number_and_the_rest_is_kept(tmp_path):
    good = "3171010101850001,3171011203850001,BUDI,JAKARTA,12-03-1985,S,L,JL. X,2,1,,S,,31.71.01.1001,1"
    path = _write(tmp_path / "l.csv", [",".join(HEADER), good, "terlalu,sedikit,kolom", good,
                                       ",,,,,,,,,,,,,,", good.replace("12-03-1985", "31-02-1985")])
    parsed, rows, problems = _normalised(path)
    assert [r[0] for r in rows] == [1, 3, 4, 5]
    assert problems[0][:2] == (2, "*") and "jumlah kolom 3" in problems[0][2]
    assert (4, "*", "baris kosong: nik dan nama tidak diisi", False) in problems
    assert any(p[0] == 5 and p[1] == "tanggal_lahir" and p[3] for p in problems)


def test_a_list_without_the_required_columns_is_refused_naming_them(tmp_path):
    path = _write(tmp_path / "l.csv", ["no_kk,nama,alamat", "1,BUDI,JL"])
    with pytest.raises(intake.ListFormatError) as exc:
        intake.read_list(path)
    assert "nik" in str(exc.value) and "tanggal_lahir" in str(exc.value)


def test_semicolon_lists_from_spreadsheets_are_read(tmp_path):
    path = tmp_path / "l.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(HEADER)
        writer.writerow(["1", "3171011203850001", "BUDI", "JAKARTA", "12-03-1985", "S", "L", "JL. A, NO. 1", "1", "1",
                         "", "S", "", "31.71.01.1001", "1"])
    _, rows, problems = _normalised(path)
    assert rows[0][1] == "3171011203850001" and problems == []
