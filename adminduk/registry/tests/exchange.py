"""Small registers in the exchange schema, written as CSV or Parquet, for import/export tests."""

import csv
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

FAMILY = {"kk": "3171011801230001", "kelurahan_code": "31.71.01.1001", "rw": "001", "rt": "002",
          "street": "Jl. Tanah Abang II No. 5", "issued_on": "2023-01-18", "printed_on": ""}


def person(**overrides) -> dict:
    row = {
        "nik": "3171011203850001", "kk": FAMILY["kk"], "name": "Budi Santoso", "sex": "L", "birth_date": "1985-03-12",
        "birth_place": "Jakarta", "religion": "islam", "marital_status": "kawin", "relation": "kepala_keluarga",
        "education": "slta", "occupation": "karyawan_swasta", "citizenship": "wni", "disability": "",
        "blood_type": "O", "father_name": "Santoso", "father_nik": "", "mother_name": "Sri Wahyuni", "mother_nik": "",
        "kelurahan_code": FAMILY["kelurahan_code"], "rw": "001", "rt": "002", "status": "hidup", "death_date": "",
        "birth_cert_no": "3171-LT-12031985-0001", "death_cert_no": "", "marriage_cert_no": "", "ktp_state": "issued",
        "kia_issued_on": "", "ikd_activated_on": "",
    }
    row.update(overrides)
    return row


def household() -> tuple[list[dict], list[dict]]:
    """One KK in Kel. Gambir: a husband (head), his wife and their son."""
    return [dict(FAMILY)], [
        person(),
        person(nik="3171014507870001", name="Siti Aminah", sex="P", birth_date="1987-07-05", relation="istri",
               occupation="mengurus_rumah_tangga", birth_cert_no=""),
        person(nik="3171010901150001", name="Ahmad Fauzi", birth_date="2015-01-09", relation="anak",
               marital_status="belum_kawin", education="sd", occupation="pelajar_mahasiswa", ktp_state="unregistered",
               father_nik="3171011203850001", mother_nik="3171014507870001", kia_issued_on="2020-02-01"),
    ]


def write_csv(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_parquet(path: Path, rows: list[dict], dates=("birth_date", "death_date", "kia_issued_on",
                                                      "ikd_activated_on", "issued_on", "printed_on")) -> Path:
    columns = {}
    for name in rows[0]:
        values = [r[name] for r in rows]
        if name in dates:
            columns[name] = pa.array([dt.date.fromisoformat(v) if v else None for v in values], pa.date32())
        else:
            columns[name] = pa.array(values, pa.string())
    pq.write_table(pa.table(columns), path)
    return path


def write_dir(directory: Path, families: list[dict], persons: list[dict], fmt: str = "csv") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    writer = write_csv if fmt == "csv" else write_parquet
    writer(directory / f"families.{fmt}", families)
    writer(directory / f"persons.{fmt}", persons)
    return directory
