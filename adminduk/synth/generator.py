"""A calibrated synthetic population of DKI Jakarta, vectorised (NumPy + Arrow).

`generate(residents, seed)` returns a `Population`: per-person and per-family arrays
of integer codes, turned into Arrow batches in the exchange schema only when written
(`persons_batches`, `families_table`), so 11 million residents fit in a few GB.
Pure: no database and no Django models (only the choices' values).

The distributions and their sources are in docs/decisions/0001-synthetic-population.md.
In short: households first (size ~3, a head, usually a spouse, children, sometimes a
parent or other relative), ages from the head's age and the mother's, then everything
else conditioned on age, sex, religion/culture and place. The register is as of
AS_OF (18 Jan 2023, the Komisi A meeting of DOMAIN.md §0).

Every random draw comes from one `numpy.random.Generator(seed)` in a fixed order, so a
seed gives identical files. The kelurahan weights use a fixed seed per kelurahan code:
Jakarta's geography does not change with the run's seed.
"""

from __future__ import annotations

import csv
import datetime as dt
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from adminduk.registry.choices import (
    BloodType,
    Citizenship,
    Disability,
    Education,
    KtpState,
    LifeStatus,
    MaritalStatus,
    Occupation,
    Relation,
    Religion,
)

from .pools import CULTURES, DKI_BIRTHPLACES, ROMAN, STREET_PREFIXES, STREET_ROOTS, name_pools, origin_table

GENERATOR_VERSION = "1.1"
AS_OF = dt.date(2023, 1, 18)
ELECTION_DAY = dt.date(2024, 2, 14)  # Pemilu 2024: the DPT age cut-off (DOMAIN.md §3)
REGIONS_DIR = Path(__file__).resolve().parent.parent / "regions"
EPOCH = dt.date(1970, 1, 1)

# Planted data-quality defects and their default rates (per person; kk_without_head
# per family). See DOMAIN.md §1.2 for the real-world cases each one imitates.
DEFAULT_RATES = {
    "duplicate_person": 0.002,  # one person under two NIKs (a second record, maybe another KK)
    "invalid_nik": 0.0005,  # 15 digits, serial 0000, impossible date (manual entry, SIAK→KTP-el)
    "shared_nik": 0.0003,  # two different people with one NIK
    "dead_unrecorded": 0.002,  # alive in the register, dead in truth (no death record)
    "nik_date_differs": 0.003,  # birth date corrected after the NIK was issued (legitimate)
    "kk_without_head": 0.001,  # a KK with no kepala keluarga (per family)
}
MAX_RATE = 0.1

SEX = ("L", "P")
RELATIONS = tuple(Relation.values)
R = {v: i for i, v in enumerate(RELATIONS)}
RELIGIONS = tuple(Religion.values)
MARITAL = tuple(MaritalStatus.values)
M = {v: i for i, v in enumerate(MARITAL)}
EDUCATION = tuple(Education.values)
E = {v: i for i, v in enumerate(EDUCATION)}
OCCUPATIONS = tuple(Occupation.values)
O = {v: i for i, v in enumerate(OCCUPATIONS)}  # noqa: E741
STATUSES = tuple(LifeStatus.values)
S = {v: i for i, v in enumerate(STATUSES)}
KTP = tuple(KtpState.values)
K = {v: i for i, v in enumerate(KTP)}
DISABILITY = tuple(Disability.values)
BLOOD = tuple(BloodType.values)
CITIZENSHIP = tuple(Citizenship.values)
C = {v: i for i, v in enumerate(CULTURES)}

# --- distributions (sources and reasoning: docs/decisions/0001) -------------------------
HOUSEHOLD_SIZES = np.array([1, 2, 3, 4, 5, 6, 7])
HOUSEHOLD_SIZE_P = np.array([0.17, 0.23, 0.25, 0.20, 0.09, 0.04, 0.02])  # mean 3.01 (DKI 2020: 2.95-3.0)
HEAD_AGE_BINS = np.array([20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 90])
HEAD_AGE_P = np.array([3, 8, 12, 13, 13, 12, 11, 9, 6, 3.5, 2, 1.1, 0.6])
MAX_AGE = 94.5  # keeps the NIK's two year digits unambiguous until 2026 (registry.nik.resolve_century)

# Religion of DKI residents (Dukcapil DKI, 2020): Islam 83.9, Kristen 8.6, Katolik 4.0, ...
RELIGION_P = {"islam": 0.839, "kristen": 0.086, "katolik": 0.040, "hindu": 0.002, "buddha": 0.031,
              "khonghucu": 0.0006, "kepercayaan": 0.0004}
# Name culture given religion.
CULTURE_GIVEN_RELIGION = {
    "islam": {"umum": 0.34, "betawi": 0.20, "jawa": 0.24, "sunda": 0.15, "arab": 0.05, "batak": 0.02},
    "kristen": {"batak": 0.35, "nasrani": 0.45, "tionghoa": 0.20},
    "katolik": {"nasrani": 0.55, "tionghoa": 0.25, "batak": 0.20},
    "hindu": {"bali": 0.90, "umum": 0.10},
    "buddha": {"tionghoa": 0.95, "umum": 0.05},
    "khonghucu": {"tionghoa": 1.0},
    "kepercayaan": {"jawa": 0.7, "sunda": 0.3},
}
WNA_HOUSEHOLD_P = 0.0012
WNA_RELIGION_P = {"kristen": 0.35, "katolik": 0.2, "buddha": 0.2, "islam": 0.2, "hindu": 0.05}
FOREIGN_BIRTHPLACES = ("Tokyo", "Seoul", "Beijing", "Singapore", "Kuala Lumpur", "Mumbai", "Sydney", "London",
                       "Paris", "Berlin", "New York", "Manila", "Bangkok")

EDU_ADULT_YOUNG = {"tidak_sekolah": .03, "belum_tamat_sd": .03, "sd": .10, "sltp": .14, "slta": .43, "d1_d2": .02,
                   "d3": .05, "s1": .17, "s2": .025, "s3": .003}
EDU_ADULT_OLD = {"tidak_sekolah": .08, "belum_tamat_sd": .07, "sd": .22, "sltp": .16, "slta": .32, "d1_d2": .02,
                 "d3": .03, "s1": .09, "s2": .015, "s3": .002}
EDU_19_22 = {"sltp": .12, "slta": .78, "d1_d2": .03, "d3": .04, "s1": .03}

OCC_MEN = {
    "karyawan_swasta": .33, "wiraswasta": .17, "buruh_harian_lepas": .06, "pedagang": .05, "perdagangan": .03,
    "sopir": .035, "pns": .025, "tni": .008, "polri": .007, "karyawan_bumn": .015, "karyawan_bumd": .005,
    "karyawan_honorer": .01, "tukang": .03, "konstruksi": .015, "transportasi": .02, "industri": .015, "guru": .012,
    "dosen": .002, "dokter": .003, "perawat": .003, "ustadz_mubaligh": .003, "pendeta_pastor": .001,
    "wartawan": .002, "seniman": .003, "arsitek_konsultan": .004, "pengacara": .002, "pejabat_negara": .0005,
    "nelayan": .002, "petani": .001, "belum_tidak_bekerja": .06, "pelajar_mahasiswa": .01, "lainnya": .04,
}
OCC_WOMEN = {
    "mengurus_rumah_tangga": .36, "karyawan_swasta": .24, "wiraswasta": .10, "pedagang": .05, "perdagangan": .02,
    "pns": .02, "guru": .025, "perawat": .01, "bidan": .004, "dokter": .003, "karyawan_bumn": .01,
    "karyawan_honorer": .01, "buruh_harian_lepas": .02, "pembantu_rumah_tangga": .01, "belum_tidak_bekerja": .06,
    "pelajar_mahasiswa": .01, "tni": .0008, "polri": .0015, "dosen": .002, "seniman": .002, "lainnya": .03,
}
OCC_YOUNG = {"pelajar_mahasiswa": .55, "belum_tidak_bekerja": .15, "karyawan_swasta": .17, "wiraswasta": .03,
             "buruh_harian_lepas": .04, "pedagang": .02, "karyawan_honorer": .01, "lainnya": .02, "tni": .004,
             "polri": .004}
OCC_OLD_MEN = {"pensiunan": .22, "belum_tidak_bekerja": .30, "wiraswasta": .17, "pedagang": .08,
               "karyawan_swasta": .08, "buruh_harian_lepas": .04, "ustadz_mubaligh": .02, "lainnya": .09}
OCC_OLD_WOMEN = {"mengurus_rumah_tangga": .40, "belum_tidak_bekerja": .28, "pensiunan": .10, "pedagang": .08,
                 "wiraswasta": .08, "lainnya": .06}
NEEDS_DEGREE = {"dokter": "s1", "dosen": "s2", "pengacara": "s1", "arsitek_konsultan": "s1", "guru": "s1",
                "bidan": "d3", "perawat": "d3"}

DISABILITY_P = {"fisik": .40, "intelektual": .12, "mental": .10, "sensorik_wicara": .08, "sensorik_rungu": .15,
                "sensorik_netra": .15}
BLOOD_P = {"tidak_tahu": .55, "O": .16, "A": .11, "B": .12, "AB": .03, "O+": .012, "A+": .008, "B+": .008,
           "AB+": .002}
# KTP-el states of wajib-KTP residents (DOMAIN.md §4: 99.4% recorded; ~0.8% PRR backlog).
KTP_WAJIB_P = {
    "unregistered": .0045, "bio_captured": .0015, "processing": .0008, "sent_for_enrollment": .0008,
    "received_at_central": .0006, "enroll_failure_at_regional": .0003, "enroll_failure_at_central": .0003,
    "search_failure_at_central": .0002, "adjudicate_record": .0004, "request_validation": .0002,
    "duplicate_record": .0008, "print_ready_record": .008, "printed": .003,
}
KTP_WAJIB_P["issued"] = 1 - sum(KTP_WAJIB_P.values())
THREE_DIGITS = tuple(f"{i:03d}" for i in range(1000))
ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def _p(dist: dict, keys: tuple) -> tuple[np.ndarray, np.ndarray]:
    codes = np.array([keys.index(k) for k in dist], np.int16)
    probs = np.array(list(dist.values()), np.float64)
    return codes, probs / probs.sum()


def _days(date: dt.date) -> int:
    return (date - EPOCH).days


@dataclass
class Areas:
    kota_codes: list[str]
    kota_male: np.ndarray
    kota_total: np.ndarray
    kel_codes: list[str]
    kel_kota: np.ndarray  # kota index per kelurahan
    kel_kec: np.ndarray  # six-digit kecamatan code per kelurahan (int)
    kel_weight: np.ndarray  # share of its kota's population
    kel_rw: np.ndarray  # number of RW
    kec_codes: np.ndarray  # all DKI kecamatan six-digit codes


def load_areas() -> Areas:
    with open(REGIONS_DIR / "penduduk_dki.csv", newline="", encoding="utf-8") as fh:
        kota_rows = [r for r in csv.DictReader(fh) if r["level"] == "kota"]
    with open(REGIONS_DIR / "wilayah_dki.csv", newline="", encoding="utf-8") as fh:
        regions = list(csv.DictReader(fh))
    kota_codes = [r["code"] for r in kota_rows]
    kel = [r for r in regions if r["level"] == "kelurahan"]
    kel_codes = [r["code"] for r in kel]
    kel_kota = np.array([kota_codes.index(c[:5]) for c in kel_codes], np.int16)
    kel_kec = np.array([int(c[:8].replace(".", "")) for c in kel_codes], np.int64)
    # No per-kelurahan table exists (DOMAIN.md §6): spread each kota's total over its
    # kelurahan with log-normal weights (sigma 0.45: the largest kelurahan of a kota
    # are 3-4x the smallest, as in DKI), seeded by the kelurahan code.
    raw = np.array([np.random.default_rng(zlib.crc32(c.encode())).lognormal(0.0, 0.45) for c in kel_codes])
    kota_total = np.array([int(r["total"]) for r in kota_rows], np.int64)
    weight = np.zeros(len(kel_codes))
    for k in range(len(kota_codes)):
        mask = kel_kota == k
        weight[mask] = raw[mask] / raw[mask].sum()
    real_population = weight * kota_total[kel_kota]
    # ~2,700 RW for 11 million residents: ~4,100 residents a RW.
    kel_rw = np.clip(np.round(real_population / 4100), 2, 30).astype(np.int16)
    kec_codes = np.array(sorted({int(r["code"].replace(".", "")) for r in regions if r["level"] == "kecamatan"}))
    return Areas(kota_codes, np.array([int(r["male"]) for r in kota_rows]), kota_total, kel_codes, kel_kota,
                 kel_kec, weight, kel_rw, kec_codes)


@dataclass
class Population:
    """The generated register as arrays; `persons_batches` / `families_table` give Arrow."""

    seed: int
    as_of: dt.date
    rates: dict
    areas: Areas
    # families (one row per household)
    fam_kk: np.ndarray
    fam_kel: np.ndarray
    fam_rw: np.ndarray
    fam_rt: np.ndarray
    fam_street: np.ndarray  # index into street pool
    fam_street_kind: np.ndarray
    fam_street_no: np.ndarray
    fam_issued: np.ndarray
    fam_printed: np.ndarray  # -1: not printed
    # persons
    p: dict[str, np.ndarray] = field(default_factory=dict)
    truth: pa.Table | None = None
    birthplaces: np.ndarray | None = None
    _family_columns: pa.Table | None = None

    @property
    def n_persons(self) -> int:
        return len(self.p["nik"])

    @property
    def n_families(self) -> int:
        return len(self.fam_kk)

    def families_table(self) -> pa.Table:
        a = self.areas
        streets = pa.array(np.array(STREET_ROOTS, dtype=object))
        prefixes = pa.array(np.array(STREET_PREFIXES, dtype=object))
        roman = pa.array(np.array(ROMAN, dtype=object))
        street = pc.binary_join_element_wise(
            prefixes.take(pa.array(self.fam_street_kind)), " ",
            pc.binary_join_element_wise(streets.take(pa.array(self.fam_street)),
                                        roman.take(pa.array((self.fam_street * 7 + self.fam_kel) % len(ROMAN))), ""),
            " No. ", pc.cast(pa.array(self.fam_street_no), pa.string()), "")
        return pa.table({
            "kk": pc.cast(pa.array(self.fam_kk), pa.string()),
            "kelurahan_code": pa.array(np.array(a.kel_codes, dtype=object)).take(pa.array(self.fam_kel)),
            "rw": _pad3(self.fam_rw),
            "rt": _pad3(self.fam_rt),
            "street": street,
            "issued_on": _date_array(self.fam_issued),
            "printed_on": _date_array(self.fam_printed),
        })

    def persons_batches(self, chunk: int = 1_000_000) -> Iterator[pa.RecordBatch]:
        for start in range(0, self.n_persons, chunk):
            yield self.persons_batch(start, min(start + chunk, self.n_persons))

    def persons_table(self) -> pa.Table:
        """All persons in memory, in the exchange schema (plain strings, as read from Parquet)."""
        table = pa.Table.from_batches(list(self.persons_batches()))
        for i, f in enumerate(table.schema):
            if pa.types.is_dictionary(f.type):
                table = table.set_column(i, f.name, table.column(i).cast(pa.string()))
        return table

    def persons_batch(self, start: int, stop: int) -> pa.RecordBatch:
        """Rows start..stop of persons.parquet (thread-safe: Arrow releases the GIL)."""
        if self._family_columns is None:
            self._family_columns = self.families_table().select(["kk", "kelurahan_code", "rw", "rt"]).combine_chunks()
        return self._persons_batch(self._family_columns, slice(start, stop))

    def _persons_batch(self, fam: pa.Table, rows: slice) -> pa.RecordBatch:
        p = {k: v[rows] for k, v in self.p.items()}
        pools = name_pools()
        pool = pa.array(pools.strings)
        hh = pa.array(p["hh"])
        kota4 = pc.cast(pa.array(self.areas.kel_kec[self.fam_kel[p["hh"]]] // 100), pa.string())

        def name(prefix, given, surname):
            return pc.binary_join_element_wise(_take(pool, prefix), _take(pool, given), _take(pool, surname), " ",
                                               null_handling="skip")

        def nik_text(values):
            text = pc.cast(pa.array(values), pa.string())
            return pc.if_else(pc.equal(pa.array(values), 0), "", text)

        def cert(has, code, date, serial):
            number = pc.binary_join_element_wise(kota4, code, _ddmmyyyy(date),
                                                 pc.utf8_lpad(pc.cast(pa.array(serial), pa.string()), 4, "0"), "-")
            return pc.if_else(pa.array(has), number, "")

        marriage_kua = pc.binary_join_element_wise(
            pc.cast(pa.array(p["mc_serial"]), pa.string()),
            pc.utf8_lpad(pc.cast(pa.array(p["mc_serial"] % 97 + 1), pa.string()), 2, "0"),
            pa.array(np.array(ROMAN_MONTHS, dtype=object)).take(pa.array(p["mc_month"])),
            pc.cast(pa.array(p["mc_year"]), pa.string()), "/")
        marriage_akta = cert(p["mc_has"], "KW", p["mc_date"], p["mc_serial"])
        marriage = pc.if_else(pa.array(p["mc_has"]),
                              pc.if_else(pa.array(p["mc_kua"]), marriage_kua, marriage_akta), "")
        birth_kind = pc.if_else(pa.array(p["bc_late"]), "LT", "LU")
        columns = {
            "nik": nik_text(p["nik"]),
            "kk": fam.column("kk").chunk(0).take(hh),
            "name": name(p["name_prefix"], p["name_given"], p["name_surname"]),
            "sex": _codes(SEX, p["sex"]),
            "birth_date": _date_array(p["birth"]),
            "birth_place": _codes(self.birthplaces, p["birthplace"]),
            "religion": _codes(RELIGIONS, p["religion"]),
            "marital_status": _codes(MARITAL, p["marital"]),
            "relation": _codes(RELATIONS, p["relation"]),
            "education": _codes(EDUCATION, p["education"]),
            "occupation": _codes(OCCUPATIONS, p["occupation"]),
            "citizenship": _codes(CITIZENSHIP, p["wna"].astype(np.int8)),
            "disability": _codes(DISABILITY, p["disability"]),
            "blood_type": _codes(BLOOD, p["blood"]),
            "father_name": name(p["father_prefix"], p["father_given"], p["father_surname"]),
            "father_nik": nik_text(p["father_nik"]),
            "mother_name": name(p["mother_prefix"], p["mother_given"], p["mother_surname"]),
            "mother_nik": nik_text(p["mother_nik"]),
            "kelurahan_code": _codes(self.areas.kel_codes, self.fam_kel[p["hh"]]),
            "rw": _codes(THREE_DIGITS, self.fam_rw[p["hh"]]),
            "rt": _codes(THREE_DIGITS, self.fam_rt[p["hh"]]),
            "status": _codes(STATUSES, p["status"]),
            "death_date": _date_array(p["death"]),
            "birth_cert_no": pc.if_else(
                pa.array(p["bc_has"]),
                pc.binary_join_element_wise(kota4, birth_kind, _ddmmyyyy(p["bc_date"]),
                                            pc.utf8_lpad(pc.cast(pa.array(p["bc_serial"]), pa.string()), 4, "0"), "-"),
                ""),
            "death_cert_no": cert(p["status"] == S["meninggal"], "KM", np.maximum(p["death"], 0), p["bc_serial"]),
            "marriage_cert_no": marriage,
            "ktp_state": _codes(KTP, p["ktp"]),
            "kia_issued_on": _date_array(p["kia"]),
            "ikd_activated_on": _date_array(p["ikd"]),
        }
        return pa.RecordBatch.from_pydict(columns)


def _take(pool: pa.Array, idx: np.ndarray) -> pa.Array:
    return pool.take(pa.array(np.where(idx < 0, 0, idx), mask=idx < 0))


def _codes(values, codes: np.ndarray) -> pa.Array:
    # A dictionary array costs no string copy; Parquet stores it as plain strings
    # (written with store_schema=False, so every reader gets `string`).
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), pa.array(np.asarray(values, dtype=object),
                                                                                       pa.string()))


def _ddmmyyyy(days: np.ndarray) -> pa.Array:
    # Integer arithmetic then one cast: Arrow's strftime is ~50x slower.
    year, month, day = _ymd(days)
    return pc.utf8_lpad(pc.cast(pa.array(day * 1_000_000 + month * 10_000 + year), pa.string()), 8, "0")


def _pad3(values: np.ndarray) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), 3, "0")


def _date_array(days: np.ndarray) -> pa.Array:
    """int days since 1970 → date32; negative sentinel (-10**6) → null."""
    return pa.array(days.astype(np.int32), pa.date32(), mask=days <= -1_000_000)


NO_DATE = -1_000_000


def parse_rates(overrides: dict | None) -> dict:
    rates = dict(DEFAULT_RATES)
    for name, value in (overrides or {}).items():
        if name not in DEFAULT_RATES:
            raise ValueError(f"jenis cacat data tidak dikenal: {name!r} (pilihan: {', '.join(DEFAULT_RATES)})")
        if not 0 <= value <= MAX_RATE:
            raise ValueError(f"laju {name} harus antara 0 dan {MAX_RATE}, diberikan {value}")
        rates[name] = float(value)
    return rates


def _ymd(days: np.ndarray):
    d = days.astype("datetime64[D]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    month = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    return year, month, day


def _serials(stems: np.ndarray, salt: int) -> np.ndarray:
    """Serial per stem: 1, 2, 3... in row order within each stem, plus a small offset.

    Real serials count everyone ever registered with the stem in the kecamatan (some
    moved away or died), so a stem's first living serial is not always 0001.
    """
    order = np.argsort(stems, kind="stable")
    sorted_stems = stems[order]
    starts = np.flatnonzero(np.r_[True, sorted_stems[1:] != sorted_stems[:-1]])
    lengths = np.diff(np.r_[starts, len(stems)])
    rank = np.arange(len(stems)) - np.repeat(starts, lengths)
    offset = ((sorted_stems * 2654435761 + salt) >> 7) % 3
    serial = np.empty(len(stems), np.int64)
    serial[order] = rank + 1 + offset
    return serial


def generate(residents: int, seed: int, rates: dict | None = None, *, as_of: dt.date = AS_OF,
             progress: bool = False) -> Population:
    """Generate `residents` register rows (persons.parquet rows, defects included)."""
    from tqdm import tqdm

    if residents < 1:
        raise ValueError("jumlah penduduk harus minimal 1")
    rates = parse_rates(rates)
    bar = tqdm(total=9, desc="synth", unit="langkah", disable=not progress, file=None)
    rng = np.random.default_rng(seed)
    areas = load_areas()
    as_of_days = _days(as_of)

    # --- 1. households: exact kota totals, sizes ~3 --------------------------------------
    n_dup = int(round(residents * rates["duplicate_person"]))
    n_base = residents - n_dup
    share = areas.kota_total / areas.kota_total.sum()
    target = np.floor(share * n_base).astype(np.int64)
    remainder = n_base - target.sum()
    target[np.argsort(-(share * n_base - target), kind="stable")[:remainder]] += 1
    sizes, kotas = [], []
    for k, total in enumerate(target):
        if total == 0:
            continue
        draw = rng.choice(HOUSEHOLD_SIZES, size=int(total / 2.5) + 10, p=HOUSEHOLD_SIZE_P)
        cs = np.cumsum(draw)
        h = int(np.searchsorted(cs, total)) + 1
        draw = draw[:h].copy()
        draw[-1] -= cs[h - 1] - total
        sizes.append(draw)
        kotas.append(np.full(h, k, np.int16))
    hh_size = np.concatenate(sizes).astype(np.int64)
    hh_kota = np.concatenate(kotas)
    n_hh = len(hh_size)
    hh_kel = np.empty(n_hh, np.int64)
    for k in range(len(areas.kota_codes)):
        mask = hh_kota == k
        kels = np.flatnonzero(areas.kel_kota == k)
        hh_kel[mask] = rng.choice(kels, size=int(mask.sum()), p=areas.kel_weight[kels])
    starts = np.cumsum(hh_size) - hh_size
    hh = np.repeat(np.arange(n_hh), hh_size)
    pos = np.arange(n_base) - starts[hh]
    bar.update()

    # --- 2. roles, sex, ages ---------------------------------------------------------
    u = rng.random(n_hh, dtype=np.float32)
    has_spouse = (hh_size >= 2) & (u < np.where(hh_size == 2, 0.80, 0.90))
    last_codes, last_p = _p({"anak": .82, "orang_tua": .05, "mertua": .04, "famili_lain": .04, "cucu": .025,
                             "menantu": .015, "pembantu": .01}, RELATIONS)
    last_rel = rng.choice(last_codes, size=n_hh, p=last_p)
    head_bin = rng.choice(len(HEAD_AGE_P), size=n_hh, p=HEAD_AGE_P / HEAD_AGE_P.sum())
    head_age = HEAD_AGE_BINS[head_bin] + rng.random(n_hh, dtype=np.float32) * (HEAD_AGE_BINS[head_bin + 1] - HEAD_AGE_BINS[head_bin])
    young_single = (hh_size == 1) & (rng.random(n_hh, dtype=np.float32) < 0.55)
    head_age = np.where(young_single, 19 + rng.random(n_hh, dtype=np.float32) * 16, head_age)
    grandparent_ok = head_age >= 45
    last_rel = np.where(np.isin(last_rel, [R["cucu"], R["menantu"]]) & ~grandparent_ok, R["anak"], last_rel)
    u = rng.random(n_hh, dtype=np.float32)
    head_male = np.where(has_spouse, u < 0.96, np.where(hh_size == 1, u < 0.55, u < 0.30))
    spouse_age = np.clip(head_age + np.where(head_male, -1, 1) * rng.normal(3, 3.5, n_hh), 17.5, MAX_AGE)
    mother_age = np.where(has_spouse, np.where(head_male, spouse_age, head_age), np.where(head_male, head_age - 3,
                                                                                             head_age))
    father_hh = np.where(head_male, starts, np.where(has_spouse, starts + 1, -1))
    mother_hh = np.where(~head_male, starts, np.where(has_spouse, starts + 1, -1))

    is_head = pos == 0
    is_spouse = (pos == 1) & has_spouse[hh]
    is_last_other = (pos == hh_size[hh] - 1) & (hh_size[hh] >= 3) & ~is_head & ~is_spouse
    relation = np.full(n_base, R["anak"], np.int16)
    relation[is_last_other] = last_rel[hh[is_last_other]]
    relation[is_head] = R["kepala_keluarga"]
    relation[is_spouse] = np.where(head_male[hh[is_spouse]], R["istri"], R["suami"])

    n = n_base
    ur = rng.random(n, dtype=np.float32)
    age = np.empty(n)
    age[is_head] = head_age[hh[is_head]]
    age[is_spouse] = spouse_age[hh[is_spouse]]
    m_age = mother_age[hh]
    lo, hi = np.clip(m_age - 44, 0, None), np.clip(m_age - 19, 0.05, None)
    child_age = lo + ur ** 0.86 * (hi - lo)  # skewed to older: fewer toddlers, more teenagers
    h_age = head_age[hh]
    # Age by relation, computed on each relation's rows only (memory at 11 million).
    by_relation = {
        R["anak"]: lambda m: child_age[m],
        R["orang_tua"]: lambda m: h_age[m] + 22 + ur[m] * 12, R["mertua"]: lambda m: h_age[m] + 20 + ur[m] * 12,
        R["cucu"]: lambda m: ur[m] * np.clip(h_age[m] - 42, 0.1, 12),
        R["menantu"]: lambda m: np.clip(h_age[m] - 22 - ur[m] * 8, 18, None),
        R["famili_lain"]: lambda m: 5 + ur[m] * 55, R["pembantu"]: lambda m: 18 + ur[m] * 37,
    }
    for rel, values in by_relation.items():
        mask = (relation == rel) & ~is_head & ~is_spouse
        age[mask] = values(mask)
    by_relation = child_age = h_age = m_age = lo = hi = ur = None  # free ~1 GB at DKI scale
    age = np.clip(age, 0, MAX_AGE)

    # Sex: heads and spouses follow the household; everyone else is drawn with a
    # per-kota probability that makes the kota's male total match Dukcapil's.
    sex = np.zeros(n, np.int8)  # 0 = L, 1 = P
    sex[is_head] = ~head_male[hh[is_head]]
    sex[is_spouse] = head_male[hh[is_spouse]]
    sex[relation == R["pembantu"]] = rng.random(int((relation == R["pembantu"]).sum())) < 0.85
    fixed = is_head | is_spouse | (relation == R["pembantu"])
    p_kota = hh_kota[hh]
    p_male = np.empty(len(areas.kota_codes))
    for k in range(len(areas.kota_codes)):
        in_k = p_kota == k
        want = target[k] * areas.kota_male[k] / areas.kota_total[k]
        free = int((in_k & ~fixed).sum())
        have = int((in_k & fixed & (sex == 0)).sum())
        p_male[k] = np.clip((want - have) / free, 0.3, 0.7) if free else 0.5
    free = ~fixed
    sex[free] = rng.random(int(free.sum())) >= p_male[p_kota[free]]
    bar.update()

    # --- 3. culture, religion, citizenship, marital status ------------------------------
    wna_hh = rng.random(n_hh, dtype=np.float32) < WNA_HOUSEHOLD_P
    rel_codes, rel_p = _p(RELIGION_P, RELIGIONS)
    hh_religion = rng.choice(rel_codes, size=n_hh, p=rel_p)
    wna_codes, wna_p = _p(WNA_RELIGION_P, RELIGIONS)
    hh_religion[wna_hh] = rng.choice(wna_codes, size=int(wna_hh.sum()), p=wna_p)
    hh_culture = np.zeros(n_hh, np.int16)
    u = rng.random(n_hh, dtype=np.float32)
    for r_code, religion_name in enumerate(RELIGIONS):
        mask = hh_religion == r_code
        dist = CULTURE_GIVEN_RELIGION[religion_name]
        cum = np.cumsum(list(dist.values()))
        choice = np.searchsorted(cum / cum[-1], u[mask], side="right")
        hh_culture[mask] = np.array([C[c] for c in dist])[np.minimum(choice, len(dist) - 1)]
    hh_culture[wna_hh] = C["asing"]
    culture = hh_culture[hh]
    religion = hh_religion[hh]
    wna = wna_hh[hh]

    marital = np.full(n, M["belum_kawin"], np.int16)
    um = rng.random(n, dtype=np.float32)
    marital[is_head & has_spouse[hh]] = M["kawin"]
    marital[is_spouse] = M["kawin"]
    single_head = is_head & ~has_spouse[hh]
    alone = single_head & (hh_size[hh] == 1)
    for lo_age, hi_age, p_never, p_divorced in ((0, 30, .85, .10), (30, 50, .55, .30), (50, 200, .15, .25)):
        mask = alone & (age >= lo_age) & (age < hi_age)
        marital[mask] = np.where(um[mask] < p_never, M["belum_kawin"],
                                 np.where(um[mask] < p_never + p_divorced, M["cerai_hidup"], M["cerai_mati"]))
    parent_head = single_head & (hh_size[hh] > 1)
    marital[parent_head] = np.where(um[parent_head] < 0.45 - np.clip(age[parent_head] - 50, 0, 30) / 100,
                                    M["cerai_hidup"], M["cerai_mati"])
    child = relation == R["anak"]
    teen = child & (age >= 15) & (age < 17) & (sex == 1)
    marital[teen] = np.where(um[teen] < 0.005, M["kawin"], M["belum_kawin"])
    mid = child & (age >= 17) & (age < 25)
    marital[mid] = np.where(um[mid] < 0.95, M["belum_kawin"], np.where(um[mid] < 0.99, M["cerai_hidup"], M["kawin"]))
    old_child = child & (age >= 25)
    marital[old_child] = np.where(um[old_child] < 0.85, M["belum_kawin"],
                                  np.where(um[old_child] < 0.97, M["cerai_hidup"], M["cerai_mati"]))
    elders = np.isin(relation, [R["orang_tua"], R["mertua"]])
    marital[elders] = np.where(um[elders] < 0.8, M["cerai_mati"], M["kawin"])
    marital[relation == R["menantu"]] = M["kawin"]
    others = np.isin(relation, [R["famili_lain"], R["pembantu"]]) & (age >= 22)
    marital[others] = np.where(um[others] < 0.5, M["belum_kawin"], np.where(um[others] < 0.85, M["kawin"],
                                                                             M["cerai_hidup"]))
    bar.update()

    # --- 4. names and parents --------------------------------------------------------
    pools = name_pools()

    def draw_names(cult, sx, size):
        off, sz, prob = pools.offset[cult, sx], pools.size[cult, sx], pools.token_probability[cult, sx]
        u1, u2, u3, u4, u5 = (rng.random(size, dtype=np.float32) for _ in range(5))
        given = off[:, 1] + (u1 * sz[:, 1]).astype(np.int64)
        prefix = np.where((u2 < prob[:, 0]) & (sz[:, 0] > 0), off[:, 0] + (u3 * np.maximum(sz[:, 0], 1)).astype(
            np.int64), -1)
        surname = np.where((u4 < prob[:, 1]) & (sz[:, 2] > 0), off[:, 2] + (u5 * np.maximum(sz[:, 2], 1)).astype(
            np.int64), -1)
        return prefix, given, surname

    name_prefix, name_given, name_surname = draw_names(culture, sex, n)
    # Children (and grandchildren) of family-name cultures carry their father's name.
    family_culture = np.isin(culture, [C[c] for c in ("batak", "tionghoa", "arab", "nasrani", "asing")])
    father_row = np.where(child, father_hh[hh], -1)
    mother_row = np.where(child, mother_hh[hh], -1)
    inherit = family_culture & np.isin(relation, [R["anak"], R["cucu"]])
    surname_source = np.where(father_hh[hh] >= 0, father_hh[hh], starts[hh])
    name_surname[inherit] = name_surname[surname_source[inherit]]
    name_surname[inherit & (name_surname < 0)] = name_surname[starts[hh]][inherit & (name_surname < 0)]

    fp, fg, fs = draw_names(culture, np.zeros(n, np.int8), n)
    mp, mg, ms = draw_names(culture, np.ones(n, np.int8), n)
    own_family = family_culture & (name_surname >= 0) & (father_row < 0)
    fs[own_family] = name_surname[own_family]
    has_father = father_row >= 0
    has_mother = mother_row >= 0
    for parts, rows, mask in (((fp, fg, fs), father_row, has_father), ((mp, mg, ms), mother_row, has_mother)):
        for target_arr, source in zip(parts, (name_prefix, name_given, name_surname), strict=True):
            target_arr[mask] = source[rows[mask]]
    bar.update()

    # --- 5. birth dates, birthplaces, NIK areas -------------------------------------
    birth = as_of_days - np.floor(age * 365.2425).astype(np.int64)
    origin_places, origin_codes, origin_off, origin_size = origin_table()
    birthplaces = np.concatenate([np.array(DKI_BIRTHPLACES, dtype=object), origin_places,
                                  np.array(FOREIGN_BIRTHPLACES, dtype=object)])
    ub = rng.random((4, n), dtype=np.float32)
    born_dki = ub[0] < np.where(age < 20, 0.90, np.where(culture == C["betawi"], 0.92, 0.55))
    origin_idx = origin_off[culture] + (ub[1] * origin_size[culture]).astype(np.int64)
    birthplace = np.where(born_dki, (ub[2] * len(DKI_BIRTHPLACES)).astype(np.int64),
                          len(DKI_BIRTHPLACES) + origin_idx)
    foreign = wna & (age >= 18)
    birthplace[foreign] = (len(DKI_BIRTHPLACES) + len(origin_places)
                           + (ub[2][foreign] * len(FOREIGN_BIRTHPLACES)).astype(np.int64))
    current_kec = areas.kel_kec[hh_kel[hh]]
    other_kec = areas.kec_codes[(ub[3] * len(areas.kec_codes)).astype(np.int64)]
    origin_area = origin_codes[origin_idx] * 100 + 1 + (ub[3] * 5).astype(np.int64)
    nik_area = np.where(born_dki | wna | (origin_codes[origin_idx] == 0),
                        np.where(ub[1] < 0.75, current_kec, other_kec),
                        np.where(ub[2] < 0.85, origin_area, current_kec))
    del ub, origin_idx, other_kec, origin_area, current_kec, born_dki
    bar.update()

    # --- 6. duplicates (one person, two records), then NIKs for all rows --------------
    used = np.zeros(n, bool)
    adults = np.flatnonzero((age >= 17) & ~is_head & ~wna)
    dup_src = rng.choice(adults, size=min(n_dup, len(adults)), replace=False) if n_dup else np.array([], np.int64)
    used[dup_src] = True
    n_dup = len(dup_src)
    ud = rng.random((5, n_dup), dtype=np.float32)
    dup_other_hh = ud[0] < 0.6
    dup_hh = np.where(dup_other_hh, (ud[1] * n_hh).astype(np.int64), hh[dup_src])
    dup_relation = np.where(dup_other_hh | np.isin(relation[dup_src], [R["istri"], R["suami"]]),
                            R["famili_lain"], relation[dup_src])
    dup_birth = birth[dup_src] + np.where(ud[2] < 0.8, 0, np.where(ud[2] < 0.9, 1, -2))
    dup_area = areas.kec_codes[(ud[3] * len(areas.kec_codes)).astype(np.int64)]
    dup_given = np.where(ud[4] < 0.5, pools.variant[name_given[dup_src]], name_given[dup_src])
    dup_prefix = np.where(name_prefix[dup_src] >= 0,
                          np.where(ud[4] < 0.3, -1, pools.variant[np.maximum(name_prefix[dup_src], 0)]), -1)

    def with_dups(values, dup_values=None):
        return np.concatenate([values, values[dup_src] if dup_values is None else dup_values])

    hh = with_dups(hh, dup_hh)
    relation = with_dups(relation, dup_relation)
    birth = with_dups(birth, dup_birth)
    nik_area = with_dups(nik_area, dup_area)
    name_given = with_dups(name_given, dup_given)
    name_prefix = with_dups(name_prefix, dup_prefix)
    sex, age, culture, religion, wna, marital, name_surname, birthplace = (
        with_dups(a) for a in (sex, age, culture, religion, wna, marital, name_surname, birthplace))
    fp, fg, fs, mp, mg, ms, father_row, mother_row = (
        with_dups(a) for a in (fp, fg, fs, mp, mg, ms, father_row, mother_row))
    used = np.concatenate([used, np.ones(n_dup, bool)])
    n_all = n + n_dup

    year, month, day = _ymd(birth)
    stems = nik_area * 1_000_000 + (day + 40 * sex) * 10_000 + month * 100 + year % 100
    nik = stems * 10_000 + _serials(stems, seed)
    bar.update()

    # --- 7. life status, occupation, education, documents ------------------------------
    uo = rng.random((6, n_all), dtype=np.float32)
    status = np.full(n_all, S["hidup"], np.int16)
    p_dead = np.clip(0.002 + (np.clip(age - 45, 0, None) / 50) ** 2 * 0.25, 0, 0.3)
    dead = (uo[0] < p_dead) & ~used
    status[dead] = S["meninggal"]
    moved = ~dead & ~used & (age >= 20) & (age < 60) & (uo[1] < 0.01)
    status[moved] = S["pindah"]
    inactive = ~dead & ~moved & ~used & (uo[1] > 0.996)
    status[inactive] = S["tidak_aktif"]
    death = np.full(n_all, NO_DATE, np.int64)
    death[dead] = np.maximum(as_of_days - (uo[2][dead] * 5 * 365).astype(np.int64), birth[dead])

    occupation = np.full(n_all, O["belum_tidak_bekerja"], np.int16)
    groups = [
        ((age >= 5) & (age < 17), {"pelajar_mahasiswa": .97, "belum_tidak_bekerja": .03}),
        ((age >= 17) & (age < 23), OCC_YOUNG),
        ((age >= 23) & (age < 58) & (sex == 0), OCC_MEN),
        ((age >= 23) & (age < 58) & (sex == 1), OCC_WOMEN),
        ((age >= 58) & (sex == 0), OCC_OLD_MEN),
        ((age >= 58) & (sex == 1), OCC_OLD_WOMEN),
    ]
    for mask, dist in groups:
        codes, probs = _p(dist, OCCUPATIONS)
        occupation[mask] = rng.choice(codes, size=int(mask.sum()), p=probs)
    seribu_men = (hh_kota[hh] == areas.kota_codes.index("31.01")) & (sex == 0) & (age >= 20) & (age < 60)
    occupation[seribu_men & (uo[3] < 0.35)] = O["nelayan"]
    occupation[relation == R["pembantu"]] = O["pembantu_rumah_tangga"]

    education = np.full(n_all, E["tidak_sekolah"], np.int16)
    education[(age >= 7) & (age < 13)] = E["belum_tamat_sd"]
    education[(age >= 13) & (age < 16)] = E["sd"]
    education[(age >= 16) & (age < 19)] = E["sltp"]
    for mask, dist in (((age >= 19) & (age < 23), EDU_19_22), ((age >= 23) & (age < 50), EDU_ADULT_YOUNG),
                       (age >= 50, EDU_ADULT_OLD)):
        codes, probs = _p(dist, EDUCATION)
        education[mask] = rng.choice(codes, size=int(mask.sum()), p=probs)
    for occ, degree in NEEDS_DEGREE.items():
        mask = (occupation == O[occ]) & (education < E[degree])
        education[mask] = E[degree]

    disability = np.zeros(n_all, np.int16)
    disabled = uo[4] < 0.004 + np.clip(age - 50, 0, None) * 0.0006
    codes, probs = _p(DISABILITY_P, DISABILITY)
    disability[disabled] = rng.choice(codes, size=int(disabled.sum()), p=probs)
    codes, probs = _p(BLOOD_P, BLOOD)
    blood = rng.choice(codes, size=n_all, p=probs)

    wajib = (age >= 17) | (marital != M["belum_kawin"])
    ktp = np.full(n_all, K["unregistered"], np.int16)
    codes, probs = _p(KTP_WAJIB_P, KTP)
    ktp[wajib] = rng.choice(codes, size=int(wajib.sum()), p=probs)
    sixteen = ~wajib & (age >= 16) & (uo[5] < 0.25)  # schools' pre-recording before Pemilu 2024
    ktp[sixteen] = K["bio_captured"]
    del uo
    dup_rows = np.arange(n, n_all)
    ktp[dup_rows] = np.where(rng.random(n_dup, dtype=np.float32) < 0.5, K["duplicate_record"], K["unregistered"])
    recorded = ktp != K["unregistered"]

    ud2 = rng.random((6, n_all), dtype=np.float32)
    bc_cover = np.select([age <= 18, age <= 30, age <= 45, age <= 60], [0.98, 0.88, 0.70, 0.50], 0.30)
    bc_has = ud2[0] < bc_cover
    bc_late = age > 18
    late_days = np.maximum(birth + 30, as_of_days - (ud2[1] * 15 * 365).astype(np.int64))
    bc_date = np.where(bc_late, late_days, birth + 7 + (ud2[1] * 53).astype(np.int64))
    bc_date = np.minimum(bc_date, as_of_days)
    bc_serial = 1 + (ud2[2] * 9999).astype(np.int64)

    married_ever = marital != M["belum_kawin"]
    mc_has = married_ever & (ud2[3] < 0.8)
    # Spouses share one marriage record: date and serial from the household.
    hh_mc_date = np.maximum(as_of_days - ((np.clip(head_age - 24, 0.2, None)) * 365.2425
                                          * rng.random(n_hh, dtype=np.float32)).astype(np.int64), as_of_days - 60 * 365)
    hh_mc_serial = 1 + (rng.random(n_hh, dtype=np.float32) * 9999).astype(np.int64)
    couple = np.isin(relation, [R["kepala_keluarga"], R["istri"], R["suami"]]) & has_spouse[hh]
    mc_date = np.where(couple, hh_mc_date[hh],
                       np.minimum(birth + ((22 + ud2[4] * 10) * 365.2425).astype(np.int64), as_of_days))
    mc_serial = np.where(couple, hh_mc_serial[hh], bc_serial)
    mc_kua = religion == RELIGIONS.index("islam")
    mc_year, mc_month, _ = _ymd(mc_date)

    kia = np.full(n_all, NO_DATE, np.int64)
    kia_start = np.maximum(birth, _days(dt.date(2016, 1, 1)))
    has_kia = (age < 17) & (ud2[5] < 0.5) & (status == S["hidup"])
    kia[has_kia] = kia_start[has_kia] + (rng.random(int(has_kia.sum())) * (as_of_days - kia_start[has_kia])).astype(
        np.int64)
    del ud2, late_days, kia_start
    ikd = np.full(n_all, NO_DATE, np.int64)
    ikd_start = _days(dt.date(2022, 7, 1))
    has_ikd = recorded & wajib & (rng.random(n_all, dtype=np.float32) < 0.03) & (status == S["hidup"])
    ikd[has_ikd] = ikd_start + (rng.random(int(has_ikd.sum())) * (as_of_days - ikd_start)).astype(np.int64)
    bar.update()

    # --- 8. planted defects (disjoint rows), recorded in the truth table ----------------
    truth = {"kind": [], "nik": [], "other_nik": [], "kk": [], "details": []}

    def pick(candidates: np.ndarray, count: int) -> np.ndarray:
        candidates = candidates[~used[candidates]]
        chosen = rng.choice(candidates, size=min(count, len(candidates)), replace=False) if count else \
            np.array([], np.int64)
        used[chosen] = True
        return np.sort(chosen)

    def add(kind, niks, others, kks, details):
        truth["kind"] += [kind] * len(niks)
        truth["nik"] += [str(x) for x in niks]
        truth["other_nik"] += [str(x) if x else "" for x in others]
        truth["kk"] += [str(x) if x else "" for x in kks]
        truth["details"] += list(details)

    # Families: KK numbers are needed by the truth table, so they come first.
    fam_issued = as_of_days - (rng.random(n_hh, dtype=np.float32) * 12 * 365).astype(np.int64)
    fam_printed = np.where(rng.random(n_hh, dtype=np.float32) < 0.991,
                           np.minimum(fam_issued + (rng.random(n_hh, dtype=np.float32) * 10).astype(np.int64), as_of_days), NO_DATE)
    kec_of_hh = areas.kel_kec[hh_kel]
    fy, fm, fd = _ymd(fam_issued)
    kk_stems = kec_of_hh * 1_000_000 + fd * 10_000 + fm * 100 + fy % 100
    fam_kk = kk_stems * 10_000 + _serials(kk_stems, seed + 1)
    alive = status == S["hidup"]

    if n_dup:
        add("duplicate_person", nik[dup_src], nik[dup_rows], fam_kk[hh[dup_rows]],
            [f"record kedua; KK {'lain' if o else 'sama'}" for o in dup_other_hh])

    n_persons_rate = lambda key: int(round(residents * rates[key]))  # noqa: E731
    invalid = pick(np.flatnonzero(alive & (age >= 17)), n_persons_rate("invalid_nik"))
    # No 17-digit kind: Person.nik holds 16 characters, so such a NIK can never reach the
    # register (the importer rejects it); it belongs in import tests, not in a register.
    kinds = np.array(["length_15", "serial_0000", "impossible_date"])
    invalid_kind = kinds[(rng.random(len(invalid), dtype=np.float32) * len(kinds)).astype(np.int64)]
    original = nik[invalid].copy()
    for i, (row, kind) in enumerate(zip(invalid, invalid_kind, strict=True)):
        value = nik[row]
        if kind == "length_15":
            value = value // 10  # a digit lost in manual entry
        elif kind == "serial_0000":
            value = value // 10_000 * 10_000
        else:
            area_part, rest = divmod(value, 10**10)
            value = area_part * 10**10 + 32 * 10**8 + rest % 10**8  # day 32 does not exist
        nik[row] = value
        invalid_kind[i] = kind
    add("invalid_nik", nik[invalid], original, fam_kk[hh[invalid]], invalid_kind)

    shared_b = pick(np.flatnonzero(alive), n_persons_rate("shared_nik"))
    shared_a = pick(np.flatnonzero(alive & (birth != 0)), len(shared_b))
    shared_b = shared_b[: len(shared_a)]
    b_original = nik[shared_b].copy()
    nik[shared_b] = nik[shared_a]
    add("shared_nik", nik[shared_b], b_original, fam_kk[hh[shared_b]],
        [f"NIK milik orang lain; NIK semestinya {x}" for x in b_original])

    unrecorded = pick(np.flatnonzero(alive & (age >= 40)), n_persons_rate("dead_unrecorded"))
    died = as_of_days - (rng.random(len(unrecorded), dtype=np.float32) * 3 * 365).astype(np.int64)
    add("dead_unrecorded", nik[unrecorded], [0] * len(unrecorded), fam_kk[hh[unrecorded]],
        [f"meninggal {dt.date.fromordinal(EPOCH.toordinal() + int(d)).isoformat()} tanpa akta kematian"
         for d in died])

    corrected = pick(np.flatnonzero(alive & (age >= 1)), n_persons_rate("nik_date_differs"))
    shift = np.where(rng.random(len(corrected), dtype=np.float32) < 0.5, (rng.random(len(corrected), dtype=np.float32) * 60 + 1).astype(np.int64),
                     -(rng.random(len(corrected), dtype=np.float32) * 365 * 3 + 1).astype(np.int64))
    before = birth[corrected].copy()
    birth[corrected] = np.minimum(birth[corrected] + shift, as_of_days)
    add("nik_date_differs", nik[corrected], [0] * len(corrected), fam_kk[hh[corrected]],
        [f"tanggal lahir dikoreksi dari {_iso(a)} menjadi {_iso(b)}" for a, b in zip(before, birth[corrected],
                                                                                      strict=True)])

    n_headless = int(round(n_hh * rates["kk_without_head"]))
    head_rows = np.flatnonzero((relation == R["kepala_keluarga"]) & (np.arange(n_all) < n))
    multi = head_rows[hh_size[hh[head_rows]] >= 2]
    headless = pick(multi, n_headless)
    relation[headless] = R["famili_lain"]
    add("kk_without_head", nik[headless], [0] * len(headless), fam_kk[hh[headless]],
        ["kepala keluarga tercatat sebagai famili lain"] * len(headless))

    father_nik = np.where(father_row >= 0, nik[np.maximum(father_row, 0)], 0)
    mother_nik = np.where(mother_row >= 0, nik[np.maximum(mother_row, 0)], 0)
    bar.update()

    # --- 9. addresses ----------------------------------------------------------------
    uf = rng.random((4, n_hh), dtype=np.float32)
    fam_rw = 1 + (uf[0] * areas.kel_rw[hh_kel]).astype(np.int64)
    n_rt = 6 + (hh_kel * 7 + fam_rw * 13) % 10
    fam_rt = 1 + (uf[1] * n_rt).astype(np.int64)
    fam_street = (uf[2] * len(STREET_ROOTS)).astype(np.int64)
    fam_street_kind = (uf[3] * len(STREET_PREFIXES)).astype(np.int64)
    fam_street_no = 1 + (uf[3] * 997 % 150).astype(np.int64)
    bar.update()
    bar.close()

    population = Population(
        seed=seed, as_of=as_of, rates=rates, areas=areas, fam_kk=fam_kk, fam_kel=hh_kel, fam_rw=fam_rw,
        fam_rt=fam_rt, fam_street=fam_street, fam_street_kind=fam_street_kind, fam_street_no=fam_street_no,
        fam_issued=fam_issued, fam_printed=fam_printed, birthplaces=birthplaces,
        truth=pa.table({k: pa.array(v, pa.string()) for k, v in truth.items()}),
    )
    p = {
        "hh": hh, "nik": nik, "sex": sex, "birth": birth, "birthplace": birthplace, "religion": religion,
        "marital": marital, "relation": relation, "education": education, "occupation": occupation, "wna": wna,
        "disability": disability, "blood": blood, "status": status, "death": death, "ktp": ktp, "kia": kia,
        "ikd": ikd, "name_prefix": name_prefix, "name_given": name_given, "name_surname": name_surname,
        "father_prefix": fp, "father_given": fg, "father_surname": fs, "mother_prefix": mp, "mother_given": mg,
        "mother_surname": ms, "father_nik": father_nik, "mother_nik": mother_nik, "bc_has": bc_has,
        "bc_late": bc_late, "bc_date": bc_date, "bc_serial": bc_serial, "mc_has": mc_has, "mc_kua": mc_kua,
        "mc_date": mc_date, "mc_serial": mc_serial, "mc_year": mc_year, "mc_month": mc_month - 1,
    }
    compact = {"hh": np.int32, "birth": np.int32, "birthplace": np.int16, "death": np.int32, "kia": np.int32,
               "ikd": np.int32, "bc_date": np.int32, "bc_serial": np.int16, "mc_date": np.int32,
               "mc_serial": np.int16, "mc_year": np.int16, "mc_month": np.int8}
    for key in p:
        if key.startswith(("name_", "father_p", "father_g", "father_s", "mother_p", "mother_g", "mother_s")):
            compact[key] = np.int32
    # Compact one array at a time, with the function's own names for them dropped first:
    # converting them all while the wide originals are still referenced was the peak of
    # the whole run (6.2 GB at DKI scale, against ~5.3 GB for any step before it).
    del (hh, nik, sex, birth, birthplace, religion, marital, relation, education, occupation, wna, disability, blood,
         status, death, ktp, kia, ikd, name_prefix, name_given, name_surname, fp, fg, fs, mp, mg, ms, father_nik,
         mother_nik, bc_has, bc_late, bc_date, bc_serial, mc_has, mc_kua, mc_date, mc_serial, mc_year, mc_month)
    for key in p:
        if key in compact:
            p[key] = p[key].astype(compact[key])
    population.p = p
    return population


def _iso(days) -> str:
    return (EPOCH + dt.timedelta(days=int(days))).isoformat()
