"""A small hand-made register for the elections tests (through registry.actions)."""

import csv
import datetime as dt
from pathlib import Path

from adminduk.registry import actions as reg
from adminduk.registry.choices import Citizenship, MaritalStatus, Occupation, Relation
from adminduk.testing import CAKUNG_BARAT, GAMBIR, KEBON_KELAPA, make_family, make_person

POLLING_DAY = dt.date(2024, 2, 14)
SEVENTEEN = dt.date(2007, 2, 14)  # 17 exactly on polling day

HEADER = ["no_kk", "nik", "nama", "tempat_lahir", "tanggal_lahir", "status_perkawinan", "jenis_kelamin", "alamat",
          "rt", "rw", "disabilitas", "status_ktp_el", "keterangan", "kelurahan", "tps"]


def build_register() -> dict:
    """Named residents covering every eligibility rule and finding category."""
    gambir = make_family(GAMBIR, rw="001", rt="002", street="Jl. Tanah Abang II No. 5")
    kebon = make_family(KEBON_KELAPA, rw="003", rt="004", street="Jl. Batu Tulis No. 9")
    cakung = make_family(CAKUNG_BARAT, rw="005", rt="006", street="Jl. Cakung Raya No. 1")
    p = {}
    p["budi"] = make_person(gambir, name="Budi Santoso", birth_date=dt.date(1985, 3, 12))
    p["siti"] = make_person(gambir, name="Siti Aminah", sex="P", birth_date=dt.date(1987, 6, 5),
                            relation=Relation.ISTRI)
    p["muhammad"] = make_person(gambir, name="Muhammad Yusuf", birth_date=dt.date(1990, 1, 20),
                                relation=Relation.ANAK, marital_status=MaritalStatus.BELUM_KAWIN)
    p["tepat17"] = make_person(gambir, name="Rizky Pratama", birth_date=SEVENTEEN, relation=Relation.ANAK,
                               marital_status=MaritalStatus.BELUM_KAWIN, occupation=Occupation.PELAJAR_MAHASISWA)
    p["kurang17"] = make_person(gambir, name="Dewi Lestari", sex="P", birth_date=SEVENTEEN + dt.timedelta(days=1),
                                relation=Relation.ANAK, marital_status=MaritalStatus.BELUM_KAWIN,
                                occupation=Occupation.PELAJAR_MAHASISWA)
    p["muda_kawin"] = make_person(kebon, name="Ayu Wulandari", sex="P", birth_date=dt.date(2008, 5, 1),
                                  relation=Relation.KEPALA_KELUARGA, marital_status=MaritalStatus.KAWIN)
    p["tni"] = make_person(kebon, name="Agus Setiawan", birth_date=dt.date(1980, 8, 17), relation=Relation.FAMILI_LAIN,
                           occupation=Occupation.TNI)
    p["polri"] = make_person(kebon, name="Hendra Gunawan", birth_date=dt.date(1982, 9, 9),
                             relation=Relation.FAMILI_LAIN, occupation=Occupation.POLRI)
    p["wna"] = make_person(kebon, name="John Smith", birth_date=dt.date(1975, 4, 4), relation=Relation.LAINNYA,
                           citizenship=Citizenship.WNA)
    p["mati"] = make_person(cakung, name="Slamet Riyadi", birth_date=dt.date(1950, 2, 2))
    p["pindah"] = make_person(cakung, name="Joko Susilo", birth_date=dt.date(1970, 7, 7), relation=Relation.FAMILI_LAIN)
    p["absen"] = make_person(cakung, name="Rina Marlina", sex="P", birth_date=dt.date(1992, 11, 23),
                             relation=Relation.FAMILI_LAIN)
    p["typo"] = make_person(cakung, name="Fajar Nugroho", birth_date=dt.date(1995, 3, 8), relation=Relation.ANAK,
                            marital_status=MaritalStatus.BELUM_KAWIN)
    reg.do_register_death(p["mati"], death_date=dt.date(2023, 5, 1), death_cert_no="3175-KM-2023-0001",
                          actor=None, reason="data uji")
    p["nonaktif"] = make_person(cakung, name="Bambang Irawan", birth_date=dt.date(1960, 10, 10),
                                relation=Relation.FAMILI_LAIN)
    reg.do_move_out(p["pindah"], actor=None, reason="data uji")
    reg.do_deactivate(p["nonaktif"], actor=None, reason="data uji: Permendagri 95/2019 Pasal 96")
    for key in ("mati", "pindah", "nonaktif"):
        p[key].refresh_from_db()
    return p


def list_row(person, **overrides) -> dict:
    f = person.family
    row = {"no_kk": f.kk, "nik": person.nik, "nama": person.name.upper(), "tempat_lahir": person.birth_place.upper(),
           "tanggal_lahir": person.birth_date.strftime("%d-%m-%Y"),
           "status_perkawinan": "B" if person.marital_status == "belum_kawin" else "S", "jenis_kelamin": person.sex,
           "alamat": f.street.upper(), "rt": f.rt, "rw": f.rw, "disabilitas": "", "status_ktp_el": "S",
           "keterangan": "", "kelurahan": f.kelurahan_id, "tps": "001"}
    row.update(overrides)
    return row


def write_list(path: Path, rows: list[dict], header=HEADER) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path
