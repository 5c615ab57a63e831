import datetime as dt

import pytest

from adminduk.analytics.engine import duck, persons_table
from adminduk.testing import make_family, make_person


@pytest.mark.django_db(transaction=True)
def test_the_register_reads_into_duckdb_with_real_dates(regions):
    family = make_family()
    make_person(family, name="Siti Aminah", sex="P", relation="kepala_keluarga", birth_date=dt.date(1990, 8, 7))
    table = persons_table(["nik", "name", "birth_date", "kelurahan_code"])
    with duck(persons=table) as con:
        rows = con.sql("SELECT nik, birth_date, kelurahan_code FROM persons").fetchall()
    assert rows == [("3171014708900001", dt.date(1990, 8, 7), "31.71.01.1001")]
