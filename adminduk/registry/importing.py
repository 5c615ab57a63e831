"""Importing a register from CSV or Parquet files in the exchange schema.

Two shapes are accepted:

- a **directory** with `families.csv|parquet` and `persons.csv|parquet` (what `synth`
  and `export-register` write); the address lives in the families file and any
  `kelurahan_code`, `rw`, `rt` columns in the persons file are ignored;
- a **single persons file** (any name, `.csv` or `.parquet`) that also carries the
  family's address on every row: `kk, kelurahan_code, rw, rt, street` (and optionally
  `issued_on, printed_on`). The families are derived from it; all members of one KK
  must carry the same address. This is the shape of a spreadsheet from a kelurahan.

Every row is validated before anything is written; the rules run as DuckDB queries
over the whole file at once (a million rows validate in seconds). Any error: nothing
is written and every error is reported with file, row, column and rule. Otherwise
everything is written in one transaction by `registry.bulk.write_register`, which
records a LoadBatch (kind "import") and the audit row.

Row numbers are the line numbers of a CSV file (the header is line 1, so the first
record is row 2) and the 1-based record numbers of a Parquet file.

NIK warnings (area or birth date digits that differ from the record, DOMAIN.md §1.2)
are legitimate and never block an import; they are counted with examples.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from adminduk.audit.actions import record as audit_record
from adminduk.regions.models import Region

from . import nik as nikrules
from .checks import kk_error_sql, nik_error_sql, nik_surely_valid_sql
from .choices import (
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
    Sex,
)
from .models import Family, LoadBatch, Person
from .names import name_key

FAMILY_COLUMNS = ("kk", "kelurahan_code", "rw", "rt", "street", "issued_on", "printed_on")
FAMILY_REQUIRED = ("kk", "kelurahan_code", "rw", "rt", "street")
PERSON_COLUMNS = (
    "nik", "kk", "name", "sex", "birth_date", "birth_place", "religion", "marital_status", "relation", "education",
    "occupation", "citizenship", "disability", "blood_type", "father_name", "father_nik", "mother_name", "mother_nik",
    "kelurahan_code", "rw", "rt", "status", "death_date", "birth_cert_no", "death_cert_no", "marriage_cert_no",
    "ktp_state", "kia_issued_on", "ikd_activated_on",
)
PERSON_REQUIRED = ("nik", "kk", "name", "sex", "birth_date", "birth_place", "religion", "marital_status", "relation",
                   "education", "occupation")
# Optional person columns and the value an absent column gets.
PERSON_DEFAULTS = {
    "citizenship": Citizenship.WNI.value, "disability": "", "blood_type": BloodType.TIDAK_TAHU.value,
    "father_name": "", "father_nik": "", "mother_name": "", "mother_nik": "", "status": LifeStatus.HIDUP.value,
    "death_date": "", "birth_cert_no": "", "death_cert_no": "", "marriage_cert_no": "",
    "ktp_state": KtpState.UNREGISTERED.value, "kia_issued_on": "", "ikd_activated_on": "",
}
PERSON_DATES = ("birth_date", "death_date", "kia_issued_on", "ikd_activated_on")
FAMILY_DATES = ("issued_on", "printed_on")
CHOICES = {
    "sex": Sex, "religion": Religion, "marital_status": MaritalStatus, "relation": Relation, "education": Education,
    "occupation": Occupation, "citizenship": Citizenship, "disability": Disability, "blood_type": BloodType,
    "status": LifeStatus, "ktp_state": KtpState,
}
# Maximum lengths of the text columns (the model's max_length).
MAX_LENGTHS = {f.name: f.max_length for f in Person._meta.fields if getattr(f, "max_length", None)} | {
    "street": Family._meta.get_field("street").max_length}

# Rule code -> (Bahasa Indonesia, English). `{value}` is the cell, `{detail}` extra context.
MESSAGES = {
    "no_file": ("berkas {value} tidak ditemukan (butuh families.csv/.parquet dan persons.csv/.parquet)",
                "file {value} not found (need families.csv/.parquet and persons.csv/.parquet)"),
    "bad_format": ("berkas {value} bukan CSV atau Parquet yang dapat dibaca: {detail}",
                   "file {value} is not a readable CSV or Parquet file: {detail}"),
    "missing_column": ("kolom wajib {value} tidak ada di berkas", "required column {value} is missing from the file"),
    "required": ("wajib diisi", "is required"),
    "too_long": ("terlalu panjang ({detail} karakter, paling banyak {value})",
                 "too long ({detail} characters, at most {value})"),
    "nik_invalid": ("NIK {value!r} tidak sah: {detail}", "NIK {value!r} is invalid: {detail}"),
    "parent_nik_invalid": ("NIK orang tua {value!r} tidak sah: {detail}", "parent's NIK {value!r} is invalid: {detail}"),
    "nik_duplicate": ("NIK {value} muncul lebih dari sekali di berkas (baris {detail}): satu penduduk, satu NIK",
                      "NIK {value} appears more than once in the file (rows {detail}): one person, one NIK"),
    "nik_exists": ("NIK {value} sudah terdaftar di register: satu penduduk, satu NIK",
                   "NIK {value} is already in the register: one person, one NIK"),
    "kk_invalid": ("nomor KK {value!r} tidak sah: {detail}", "KK number {value!r} is invalid: {detail}"),
    "kk_duplicate": ("nomor KK {value} muncul lebih dari sekali di berkas keluarga (baris {detail})",
                     "KK number {value} appears more than once in the families file (rows {detail})"),
    "kk_exists": ("nomor KK {value} sudah terdaftar di register", "KK number {value} is already in the register"),
    "kk_unknown": ("nomor KK {value} tidak ada di berkas keluarga", "KK number {value} is not in the families file"),
    "kk_no_head": ("KK {value} tidak mempunyai kepala keluarga; harus tepat satu",
                   "KK {value} has no head of family; it needs exactly one"),
    "kk_two_heads": ("KK {value} mempunyai {detail} kepala keluarga; harus tepat satu",
                     "KK {value} has {detail} heads of family; it needs exactly one"),
    "address_conflict": ("anggota KK {value} tercatat dengan alamat berbeda; satu KK, satu alamat",
                         "members of KK {value} carry different addresses; one KK, one address"),
    "kelurahan_unknown": ("kelurahan {value!r} tidak ada dalam kode wilayah Kemendagri DKI",
                          "kelurahan {value!r} is not in the Kemendagri area codes of DKI"),
    "role_cannot_import": ("pengguna {value} tidak mempunyai wilayah kerja data penduduk; tidak boleh mengimpor",
                           "user {value} has no jurisdiction over personal data and may not import"),
    "out_of_jurisdiction": ("kelurahan {value} di luar wilayah kerja pengguna ({detail})",
                            "kelurahan {value} is outside the user's jurisdiction ({detail})"),
    "rt_rw": ("{detail} harus angka 1-3 digit, bukan 0 (diberikan {value!r})",
              "{detail} must be a number of 1-3 digits, not 0 (got {value!r})"),
    "date_invalid": ("{value!r} bukan tanggal (format YYYY-MM-DD)", "{value!r} is not a date (format YYYY-MM-DD)"),
    "date_future": ("tanggal {value} di masa depan", "date {value} is in the future"),
    "death_before_birth": ("tanggal meninggal {value} sebelum tanggal lahir {detail}",
                           "date of death {value} is before the date of birth {detail}"),
    "choice_unknown": ("nilai {value!r} tidak dikenal; pilihan: {detail}", "unknown value {value!r}; allowed: {detail}"),
    "name_invalid": ("nama harus berisi huruf, paling sedikit 2 karakter (diberikan {value!r})",
                     "a name must contain letters, at least 2 characters (got {value!r})"),
    "spouse_belum_kawin": ("suami/istri tidak boleh berstatus belum kawin",
                           "a husband or wife cannot be recorded as never married"),
}
# Why a NIK or KK number is invalid (codes of nikrules.MESSAGES / check_kk).
NUMBER_DETAILS = {
    "length": ("harus 16 digit", "must be 16 digits"),
    "non_digit": ("hanya boleh angka 0-9", "may contain only the digits 0-9"),
    "month": ("bulan lahir harus 01-12", "the birth month must be 01-12"),
    "day": ("tanggal lahir harus 01-31 (laki-laki) atau 41-71 (perempuan)",
            "the birth day must be 01-31 (male) or 41-71 (female)"),
    "date": ("tanggal lahir pada NIK bukan tanggal yang ada", "the birth date in the NIK does not exist"),
    "serial": ("nomor urut tidak boleh 0000", "the serial must not be 0000"),
}
WARNING_MESSAGES = {
    "unknown_area": ("kode wilayah NIK bukan kecamatan DKI (boleh: wilayah pertama kali terdaftar)",
                     "NIK area is not a DKI kecamatan (allowed: place of first registration)"),
    "area_differs": ("kode wilayah NIK berbeda dengan kecamatan alamat KK (sah bila penduduk pindah)",
                     "NIK area differs from the kecamatan of the KK address (legitimate after a move)"),
    "date_differs": ("tanggal lahir pada NIK berbeda dengan tanggal lahir (sah bila tanggal dikoreksi)",
                     "birth date in the NIK differs from the date of birth (legitimate after a correction)"),
    "sex_differs": ("jenis kelamin pada NIK berbeda dengan data", "sex encoded in the NIK differs from the record"),
}


@dataclass(frozen=True)
class Issue:
    file: str
    row: int | None
    column: str
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}" + (f" baris {self.row}" if self.row is not None else "")
        return f"{where}, kolom {self.column}: {self.message} [{self.code}]"

    def as_json(self) -> dict:
        return {"file": self.file, "row": self.row, "column": self.column, "code": self.code, "message": self.message}


@dataclass
class WarningSummary:
    code: str
    message: str
    count: int
    examples: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    errors: list[Issue]
    warnings: list[WarningSummary]
    families: int = 0
    persons: int = 0
    sha256: str = ""
    batch: object | None = None  # the LoadBatch when written

    @property
    def ok(self) -> bool:
        return not self.errors


class _Reporter:
    def __init__(self, lang: str):
        self.lang = lang
        self.errors: list[Issue] = []

    def text(self, code: str, value="", detail="") -> str:
        text_id, text_en = MESSAGES[code]
        return (text_en if self.lang == "en" else text_id).format(value=value, detail=detail)

    def add(self, file: str, row, column: str, code: str, value="", detail="") -> None:
        self.errors.append(Issue(file, row, column, code, self.text(code, value, detail)))

    def detail(self, code: str) -> str:
        text_id, text_en = NUMBER_DETAILS[code]
        return text_en if self.lang == "en" else text_id


# --- reading ----------------------------------------------------------------------------

def _find(directory: Path, stem: str) -> Path | None:
    for suffix in (".parquet", ".csv"):
        if (directory / f"{stem}{suffix}").is_file():
            return directory / f"{stem}{suffix}"
    return None


def _read(path: Path) -> pl.DataFrame:
    """Every column as text (empty string for empty), plus `_row` as the user counts rows."""
    if path.suffix.lower() == ".csv":
        # Spreadsheets saved with an Indonesian locale separate fields with ';' (the
        # comma is the decimal mark there) and Excel starts the file with a BOM.
        with open(path, encoding="utf-8-sig") as fh:
            header = fh.readline()
        separator = ";" if header.count(";") > header.count(",") else ","
        df = pl.read_csv(path, infer_schema=False, encoding="utf8", separator=separator)
        offset = 2  # line 1 is the header
    elif path.suffix.lower() == ".parquet":
        df = pl.read_parquet(path)
        offset = 1
    else:
        raise ValueError(f"unsupported suffix {path.suffix}")
    df = df.select([pl.col(c).cast(pl.Utf8).fill_null("").str.strip_chars().alias(c.lstrip("\ufeff").strip().lower())
                    for c in df.columns])
    return df.with_row_index("_row", offset=offset).with_columns(pl.col("_row").cast(pl.Int64))


def _sha256(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


# --- validation ---------------------------------------------------------------------------

def _rows(con, sql: str, params=None) -> list[tuple]:
    return con.execute(sql, params).fetchall()


def _check_required_columns(rep: _Reporter, df: pl.DataFrame, required, file: str) -> bool:
    missing = [c for c in required if c not in df.columns]
    for column in missing:
        rep.add(file, None, column, "missing_column", column)
    return not missing


def _check_text(rep, con, table: str, file: str, required, lengths) -> None:
    for column in required:
        for (row,) in _rows(con, f"SELECT _row FROM {table} WHERE {column} = '' ORDER BY _row"):
            rep.add(file, row, column, "required")
    for column, limit in lengths.items():
        for row, n in _rows(con, f"SELECT _row, length({column}) FROM {table} WHERE length({column}) > {limit} "
                                 "ORDER BY _row"):
            rep.add(file, row, column, "too_long", limit, n)


def _check_dates(rep, con, table: str, file: str, columns, today: dt.date) -> None:
    for column in columns:
        for row, value, parsed in _rows(con, f"""
                SELECT _row, {column}, TRY_CAST({column} AS DATE) AS d FROM {table}
                WHERE {column} <> '' AND (d IS NULL OR d > $today OR NOT regexp_full_match({column}, '\\d{{4}}-\\d{{2}}-\\d{{2}}'))
                ORDER BY _row""", {"today": today}):
            rep.add(file, row, column, "date_future" if parsed is not None and parsed > today else "date_invalid", value)


def _check_choices(rep, con, table: str, file: str, columns) -> None:
    for column in columns:
        allowed = list(CHOICES[column].values)
        shown = ", ".join(v or "''" for v in allowed)
        for row, value in _rows(con, f"SELECT _row, {column} FROM {table} WHERE NOT list_contains($allowed, {column}) "
                                     "ORDER BY _row", {"allowed": allowed}):
            rep.add(file, row, column, "choice_unknown", value, shown)


def _check_duplicates(rep, con, table: str, file: str, column: str, code: str) -> None:
    for value, rows in _rows(con, f"""SELECT {column}, list(_row ORDER BY _row) FROM {table} WHERE {column} <> ''
                                      GROUP BY {column} HAVING count(*) > 1 ORDER BY min(_row)"""):
        for row in rows:
            rep.add(file, row, column, code, value, ", ".join(str(r) for r in rows if r != row))


def _existing(model, column: str, values: list[str], chunk: int = 5000) -> set[str]:
    """Values already in the register, looked up through the index in chunks.

    Raw SQL: the ORM spends ~40 s building a million-value IN list, the database ~1 s.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    found: set[str] = set()
    with connection.cursor() as cur:
        for i in range(0, len(values), chunk):
            part = values[i:i + chunk]
            cur.execute(f"SELECT {column} FROM {table} WHERE {column} IN ({', '.join(['%s'] * len(part))})", part)
            found.update(r[0] for r in cur.fetchall())
    return found


def _validate_families(rep, con, file: str, kelurahan: set[str], user, today) -> None:
    _check_text(rep, con, "fam", file, FAMILY_REQUIRED, {"street": MAX_LENGTHS["street"]})
    for row, value, code in _rows(con, f"SELECT _row, kk, {kk_error_sql('kk')} AS e FROM fam "
                                       "WHERE kk <> '' AND e IS NOT NULL ORDER BY _row"):
        rep.add(file, row, "kk", "kk_invalid", value, rep.detail(code))
    _check_duplicates(rep, con, "fam", file, "kk", "kk_duplicate")
    for column in ("rw", "rt"):
        for row, value in _rows(con, f"""SELECT _row, {column} FROM fam WHERE {column} <> '' AND NOT (
                regexp_full_match({column}, '[0-9]{{1,3}}') AND CAST({column} AS INTEGER) > 0) ORDER BY _row"""):
            rep.add(file, row, column, "rt_rw", value, column.upper())
    for row, value in _rows(con, "SELECT _row, kelurahan_code FROM fam WHERE kelurahan_code <> '' "
                                 "AND NOT list_contains($codes, kelurahan_code) ORDER BY _row",
                            {"codes": sorted(kelurahan)}):
        rep.add(file, row, "kelurahan_code", "kelurahan_unknown", value)
    if user is not None:
        scope = user.jurisdiction_code
        for row, value in _rows(con, "SELECT _row, kelurahan_code FROM fam WHERE list_contains($codes, kelurahan_code) "
                                     "AND NOT (kelurahan_code = $scope OR starts_with(kelurahan_code, $scope || '.')) "
                                     "ORDER BY _row", {"codes": sorted(kelurahan), "scope": scope or "-"}):
            rep.add(file, row, "kelurahan_code", "out_of_jurisdiction", value, scope or "-")
    _check_dates(rep, con, "fam", file, FAMILY_DATES, today)
    kks = [r[0] for r in _rows(con, "SELECT DISTINCT kk FROM fam WHERE kk <> ''")]
    taken = _existing(Family, "kk", kks)
    if taken:
        for row, value in _rows(con, "SELECT _row, kk FROM fam WHERE list_contains($taken, kk) ORDER BY _row",
                                {"taken": sorted(taken)}):
            rep.add(file, row, "kk", "kk_exists", value)


def _validate_persons(rep, con, file: str, families_file: str, today) -> None:
    lengths = {c: MAX_LENGTHS[c] for c in ("name", "birth_place", "father_name", "mother_name", "birth_cert_no",
                                           "death_cert_no", "marriage_cert_no")}
    _check_text(rep, con, "per", file, PERSON_REQUIRED, lengths)
    # The NIK rule and the dates, computed once for the checks below and the warnings.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE perx AS SELECT _row, nik, kk, sex,
        TRY_CAST(birth_date AS DATE) AS bd, TRY_CAST(death_date AS DATE) AS dd,
        CASE WHEN nik = '' OR {nik_surely_valid_sql('nik')} THEN NULL ELSE {nik_error_sql('nik')} END AS nik_err
        FROM per""")
    for row, value in _rows(con, "SELECT _row, nik FROM perx WHERE nik_err IS NOT NULL ORDER BY _row"):
        result = nikrules.check_nik(value, reference_date=today, known_areas=(), lang=rep.lang)
        rep.add(file, row, "nik", "nik_invalid", value, "; ".join(e.message for e in result.errors))
    for column in ("father_nik", "mother_nik"):
        for row, value in _rows(con, f"SELECT _row, {column} FROM per WHERE {column} <> '' "
                                     f"AND ({nik_error_sql(column)}) IS NOT NULL ORDER BY _row"):
            result = nikrules.check_nik(value, reference_date=today, known_areas=(), lang=rep.lang)
            rep.add(file, row, column, "parent_nik_invalid", value, "; ".join(e.message for e in result.errors))
    _check_duplicates(rep, con, "per", file, "nik", "nik_duplicate")
    niks = [r[0] for r in _rows(con, "SELECT DISTINCT nik FROM per WHERE nik <> ''")]
    taken = _existing(Person, "nik", niks)
    if taken:
        for row, value in _rows(con, "SELECT _row, nik FROM per WHERE list_contains($taken, nik) ORDER BY _row",
                                {"taken": sorted(taken)}):
            rep.add(file, row, "nik", "nik_exists", value)
    # The SIAK categories; an empty value of a required column is already reported.
    _check_choices(rep, con, "(SELECT * FROM per WHERE sex <> '')", file, ["sex"])
    for column in CHOICES:
        if column == "sex":
            continue
        table = f"(SELECT * FROM per WHERE {column} <> '')" if column in PERSON_REQUIRED else "per"
        _check_choices(rep, con, table, file, [column])
    for row, value in _rows(con, "SELECT _row, name FROM per WHERE name <> '' AND "
                                 "(length(name) < 2 OR NOT regexp_matches(name, '[[:alpha:]]')) ORDER BY _row"):
        rep.add(file, row, "name", "name_invalid", value)
    for (row,) in _rows(con, "SELECT _row FROM per WHERE relation IN ('suami', 'istri') "
                             "AND marital_status = 'belum_kawin' ORDER BY _row"):
        rep.add(file, row, "marital_status", "spouse_belum_kawin")
    _check_dates(rep, con, "per", file, PERSON_DATES, today)
    for row, death, birth in _rows(con, "SELECT _row, dd, bd FROM perx WHERE dd < bd ORDER BY _row"):
        rep.add(file, row, "death_date", "death_before_birth", death, birth)
    # Each person's KK is in the families file; each KK has exactly one head.
    for row, value in _rows(con, "SELECT _row, kk FROM per WHERE kk <> '' AND kk NOT IN (SELECT kk FROM fam) "
                                 "ORDER BY _row"):
        rep.add(file, row, "kk", "kk_unknown", value)
    for row, value, heads in _rows(con, """
            SELECT fam._row, fam.kk, coalesce(h.n, 0) FROM fam LEFT JOIN (
                SELECT kk, count(*) FILTER (WHERE relation = 'kepala_keluarga') AS n FROM per GROUP BY kk
            ) h ON h.kk = fam.kk WHERE fam.kk <> '' AND coalesce(h.n, 0) <> 1 ORDER BY fam._row"""):
        if heads == 0:
            rep.add(families_file, row, "kk", "kk_no_head", value)
        else:
            rep.add(families_file, row, "kk", "kk_two_heads", value, heads)


def _warnings(con, lang: str, today: dt.date, examples: int = 10) -> list[WarningSummary]:
    """Counts of the legitimate NIK differences (DOMAIN.md §1.2), with examples; one pass."""
    day = "CAST(substr(p.nik, 7, 2) AS INTEGER)"
    checks = {
        "unknown_area": "NOT list_contains($kecamatan, substr(p.nik, 1, 6))",
        "area_differs": "substr(p.nik, 1, 6) <> replace(substr(f.kelurahan_code, 1, 8), '.', '')",
        "date_differs": f"""p.bd IS NOT NULL AND (
            {day} - CASE WHEN {day} > 40 THEN 40 ELSE 0 END <> day(p.bd)
            OR CAST(substr(p.nik, 9, 2) AS INTEGER) <> month(p.bd)
            OR CAST(substr(p.nik, 11, 2) AS INTEGER) <> year(p.bd) % 100)""",
        "sex_differs": f"p.sex IN ('L', 'P') AND p.sex <> CASE WHEN {day} > 40 THEN 'P' ELSE 'L' END",
    }
    flags = ", ".join(f"({predicate}) AS {code}" for code, predicate in checks.items())
    con.execute(f"""CREATE OR REPLACE TEMP TABLE nikwarn AS SELECT p._row, p.nik, {flags}
                    FROM perx p JOIN fam f ON f.kk = p.kk WHERE p.nik <> '' AND p.nik_err IS NULL""",
                {"kecamatan": sorted(nikrules.dki_kecamatan_codes())})
    counts = _rows(con, f"SELECT {', '.join(f'count(*) FILTER (WHERE {c})' for c in checks)} FROM nikwarn")[0]
    summaries = []
    for code, count in zip(checks, counts, strict=True):
        if count:
            sample = [r[0] for r in _rows(con, f"SELECT nik FROM nikwarn WHERE {code} ORDER BY _row LIMIT {examples}")]
            text_id, text_en = WARNING_MESSAGES[code]
            summaries.append(WarningSummary(code, text_en if lang == "en" else text_id, count, sample))
    return summaries


# --- building the tables to write -----------------------------------------------------------

def _typed_tables(con) -> tuple[pa.Table, pa.Table]:
    """The validated rows in the exchange schema with real types (dates as dates)."""
    def date(col, alias=None):
        return f"CAST(NULLIF({col}, '') AS DATE) AS {alias or col}"

    families = con.sql(f"""SELECT kk, kelurahan_code, lpad(rw, 3, '0') AS rw, lpad(rt, 3, '0') AS rt, street,
        {date('issued_on')}, {date('printed_on')} FROM fam ORDER BY _row""").to_arrow_table()
    select = []
    for column in PERSON_COLUMNS:
        if column in ("kelurahan_code", "rw", "rt"):
            select.append(f"f.{column} AS {column}" if column == "kelurahan_code" else
                          f"lpad(f.{column}, 3, '0') AS {column}")
        elif column in PERSON_DATES:
            select.append(date(f"p.{column}", column))
        else:
            select.append(f"p.{column} AS {column}")
    persons = con.sql(f"SELECT {', '.join(select)} FROM per p JOIN fam f ON f.kk = p.kk ORDER BY p._row"
                          ).to_arrow_table()
    return families, persons


# --- the entry point ------------------------------------------------------------------------

def import_register(path, *, reason: str, user=None, lang: str = "id", dry_run: bool = False,
                    today: dt.date | None = None) -> ImportResult:
    """Validate a register file or directory; write it all if, and only if, no rule is broken."""
    path = Path(path)
    today = today or dt.date.today()
    rep = _Reporter(lang)
    if not reason or not reason.strip():
        rep.add(str(path), None, "reason", "required")
        return ImportResult(rep.errors, [])
    if user is not None and user.jurisdiction_code is None:
        rep.add(str(path), None, "user", "role_cannot_import", getattr(user, "username", ""))
        return ImportResult(rep.errors, [])

    if path.is_dir():
        families_path, persons_path = _find(path, "families"), _find(path, "persons")
        for stem, found in (("families", families_path), ("persons", persons_path)):
            if found is None:
                rep.add(str(path / stem), None, "-", "no_file", str(path / f"{stem}.csv|parquet"))
        files = [families_path, persons_path]
    elif path.is_file():
        families_path, persons_path = None, path
        files = [path]
    else:
        rep.add(str(path), None, "-", "no_file", str(path))
        files = []
    if rep.errors:
        return ImportResult(rep.errors, [])

    frames = {}
    for found in files:
        try:
            frames[found] = _read(found)
        except Exception as exc:  # noqa: BLE001 - any reader failure is the user's file, reported as such
            rep.add(found.name, None, "-", "bad_format", found.name, str(exc).splitlines()[0][:200])
    if rep.errors:
        return ImportResult(rep.errors, [])

    persons = frames[persons_path]
    per_file = persons_path.name
    if families_path is not None:
        families = frames[families_path]
        fam_file = families_path.name
        ok = _check_required_columns(rep, families, FAMILY_REQUIRED, fam_file)
        ok = _check_required_columns(rep, persons, PERSON_REQUIRED, per_file) and ok
        # The address belongs to the KK; copies on person rows are ignored.
        persons = persons.drop([c for c in ("kelurahan_code", "rw", "rt", "street", "issued_on", "printed_on")
                                if c in persons.columns])
    else:
        fam_file = per_file
        ok = _check_required_columns(rep, persons, PERSON_REQUIRED + FAMILY_REQUIRED[1:], per_file)
        families = None
    if not ok:
        return ImportResult(rep.errors, [])
    persons = persons.with_columns([pl.lit(v).alias(c) for c, v in PERSON_DEFAULTS.items() if c not in persons.columns])

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # the report is the only output
    try:
        if families is None:
            # Single-file shape: one family per KK, from its first row; all rows must agree.
            single = persons.with_columns([pl.lit("").alias(c) for c in FAMILY_DATES if c not in persons.columns])
            con.register("single", single.to_arrow())
            for row, value in _rows(con, f"""SELECT min(_row), kk FROM single WHERE kk <> '' GROUP BY kk
                    HAVING count(DISTINCT ({', '.join(FAMILY_COLUMNS[1:])})) > 1 ORDER BY 1"""):
                rep.add(per_file, row, "kk", "address_conflict", value)
            con.execute(f"""CREATE TEMP TABLE fam AS SELECT DISTINCT ON (kk) _row, {', '.join(FAMILY_COLUMNS)}
                            FROM single ORDER BY kk, _row""")
            con.execute(f"""CREATE TEMP TABLE per AS SELECT * EXCLUDE ({', '.join(FAMILY_COLUMNS[1:])})
                            FROM single""")
        else:
            families = families.with_columns([pl.lit("").alias(c) for c in FAMILY_DATES
                                              if c not in families.columns])
            con.register("fam_in", families.to_arrow())
            con.execute(f"CREATE TEMP TABLE fam AS SELECT _row, {', '.join(FAMILY_COLUMNS)} FROM fam_in")
            con.register("per_in", persons.to_arrow())
            con.execute("CREATE TEMP TABLE per AS SELECT * FROM per_in")

        kelurahan = set(Region.objects.kelurahan().values_list("code", flat=True))
        _validate_families(rep, con, fam_file, kelurahan, user, today)
        _validate_persons(rep, con, per_file, fam_file, today)
        warnings = _warnings(con, lang, today)
        counts = _rows(con, "SELECT (SELECT count(*) FROM fam), (SELECT count(*) FROM per)")[0]
        result = ImportResult(sorted(rep.errors, key=lambda i: (i.file, i.row or 0, i.column)), warnings,
                              families=counts[0], persons=counts[1], sha256=_sha256(files))
        if result.errors or dry_run:
            return result
        families_table, persons_table = _typed_tables(con)
    finally:
        con.close()

    # The bulk loader's fast path fills an EMPTY register and must own its transaction
    # (it drops and rebuilds indexes); otherwise rows are appended through the ORM.
    if connection.in_atomic_block or Person.objects.exists() or Family.objects.exists():
        result.batch = _append(families_table, persons_table, actor=user, source=str(path), reason=reason.strip(),
                               sha256=result.sha256)
    else:
        # A new installation or a restore: the bulk loader (COPY / ADBC staging).
        from .bulk import settle, write_register

        result.batch = write_register(families_table, persons_table, actor=user, source=str(path), kind="import",
                                      reason=reason.strip(), sha256=result.sha256)
        settle()
    return result


APPEND_CHUNK = 5000


@transaction.atomic
def _append(families: pa.Table, persons: pa.Table, *, actor, source: str, reason: str, sha256: str) -> LoadBatch:
    """Add validated families and persons to a register that already holds others.

    `bulk.write_register` replaces or fills an empty register; an import from a
    kelurahan adds to the live one, so rows go in through the ORM's bulk insert (ids
    from the database, so concurrent writers cannot collide), in chunks, in one
    transaction with the LoadBatch and the audit row.
    """
    # Validation ran before this transaction; a NIK or KK registered in between by an
    # officer would otherwise slip in twice (neither column is unique in the database).
    clash = _existing(Person, "nik", persons.column("nik").to_pylist())
    clash |= _existing(Family, "kk", families.column("kk").to_pylist())
    if clash:
        raise ValidationError({"nik": f"terdaftar selama impor berjalan: {', '.join(sorted(clash)[:5])}"})
    family_ids: dict[str, int] = {}
    for batch in families.to_batches(APPEND_CHUNK):
        created = Family.objects.bulk_create([
            Family(kk=r["kk"], kelurahan_id=r["kelurahan_code"], rw=r["rw"], rt=r["rt"], street=r["street"],
                   issued_on=r["issued_on"], printed_on=r["printed_on"]) for r in batch.to_pylist()])
        family_ids.update((f.kk, f.pk) for f in created)
    person_fields = [c for c in PERSON_COLUMNS if c not in ("kk", "kelurahan_code", "rw", "rt")]
    keys: dict[str, str] = {}
    for batch in persons.to_batches(APPEND_CHUNK):
        rows = batch.to_pylist()
        for r in rows:
            if r["name"] not in keys:
                keys[r["name"]] = name_key(r["name"])
        Person.objects.bulk_create([
            Person(family_id=family_ids[r["kk"]], name_key=keys[r["name"]], **{f: r[f] for f in person_fields})
            for r in rows])
    batch_row = LoadBatch.objects.create(actor=actor if getattr(actor, "pk", None) else None, source=source[:500],
                                         kind="import", families=len(families), persons=len(persons), sha256=sha256,
                                         reason=reason)
    audit_record(actor, "register.import", object_type="register", purpose=reason,
                 query=f"source={source} sha256={sha256} append=True", row_count=len(persons))
    return batch_row
