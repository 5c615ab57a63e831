"""Who is a potential voter (DP4), as SQL over the register in DuckDB. Pure rules.

UU 7/2017 and DOMAIN.md §3.1: a WNI, alive, living in DKI, not TNI/Polri, and 17 or
older on polling day or married / ever married. Every resident who is left out gets
exactly one reason, the first that applies in the order below, so the counts per
reason add up to the register.
"""

import datetime as dt

from adminduk.registry.choices import KTP_RECORDED_STATES, Disability

# Columns of the register a DP4 job reads (engine.PERSON_COLUMNS names).
REGISTER_COLUMNS = ("id", "nik", "kk", "name", "name_key", "sex", "birth_place", "birth_date", "marital_status",
                    "disability", "citizenship", "occupation", "status", "ktp_state", "kelurahan_code", "rw", "rt",
                    "street")

# What the synthetic list reads: no internal ids or name keys.
DP4_COLUMNS = tuple(c for c in REGISTER_COLUMNS if c not in ("id", "name_key"))

# What a DP4 extract reads of each person (the street comes from the family, by KK:
# see dp4.compute_extract).
EXTRACT_COLUMNS = tuple(c for c in DP4_COLUMNS if c != "street")

# What the reconciliation reads: identity, address and what decides a TMS category.
RECONCILE_COLUMNS = ("id", "nik", "kk", "name", "name_key", "sex", "birth_date", "marital_status", "citizenship",
                     "occupation", "status", "kelurahan_code", "rw", "rt")

# The 13 elements of KPU's form Model A-Daftar Pemilih, plus the kelurahan code, under
# the header names KPU's lists use (the same names the intake reads back).
MODEL_A_FIELDS = ("no_kk", "nik", "nama", "tempat_lahir", "tanggal_lahir", "status_perkawinan", "jenis_kelamin",
                  "alamat", "rt", "rw", "disabilitas", "status_ktp_el", "keterangan", "kelurahan")

# Sidalih's disability codes 1-6, in the order of registry.choices.Disability.
DISABILITY_CODES = {d.value: str(i) for i, d in enumerate(d for d in Disability if d.value)}


def seventeenth_birthday_cutoff(polling_day: dt.date) -> dt.date:
    """Latest birth date of someone who is 17 on polling day (29 Feb polling days fall
    back to 28 Feb seventeen years earlier, which is not a leap year)."""
    try:
        return polling_day.replace(year=polling_day.year - 17)
    except ValueError:
        return dt.date(polling_day.year - 17, 2, 28)


# Every reason `exclusion_reason_sql` can give, in its order.
EXCLUSION_REASONS = ("meninggal", "pindah", "tidak_aktif", "luar_dki", "wna", "tni", "polri", "di_bawah_umur")


def exclusion_reason_sql(polling_day: dt.date, alias: str = "") -> str:
    """A SQL CASE giving the reason a register row is NOT in the DP4 (one of
    EXCLUSION_REASONS), or NULL if it is."""
    p = f"{alias}." if alias else ""
    cutoff = seventeenth_birthday_cutoff(polling_day).isoformat()
    return f"""CASE
        WHEN {p}status = 'meninggal' THEN 'meninggal'
        WHEN {p}status = 'pindah' THEN 'pindah'
        WHEN {p}status <> 'hidup' THEN 'tidak_aktif'
        WHEN NOT starts_with({p}kelurahan_code, '31.') THEN 'luar_dki'
        WHEN {p}citizenship <> 'wni' THEN 'wna'
        WHEN {p}occupation = 'tni' THEN 'tni'
        WHEN {p}occupation = 'polri' THEN 'polri'
        WHEN {p}birth_date > DATE '{cutoff}' AND {p}marital_status = 'belum_kawin' THEN 'di_bawah_umur'
        ELSE NULL END"""


def model_a_select(alias: str = "r", alamat: str | None = None) -> str:
    """SELECT list turning register columns into Model A values (canonical encoding).
    `alamat`: an expression for the address already in Model A form (upper case,
    trimmed), when the register rows carry no street of their own."""
    p = f"{alias}."
    alamat = alamat or f"upper(trim({p}street))"
    disability = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in DISABILITY_CODES.items())
    recorded = ", ".join(f"'{s}'" for s in sorted(KTP_RECORDED_STATES))
    return f"""{p}kk AS no_kk, {p}nik AS nik, upper(trim({p}name)) AS nama,
        upper(trim({p}birth_place)) AS tempat_lahir, strftime({p}birth_date, '%d-%m-%Y') AS tanggal_lahir,
        CASE {p}marital_status WHEN 'belum_kawin' THEN 'B' WHEN 'kawin' THEN 'S' ELSE 'P' END AS status_perkawinan,
        {p}sex AS jenis_kelamin, {alamat} AS alamat, lpad({p}rt, 3, '0') AS rt,
        lpad({p}rw, 3, '0') AS rw, CASE {p}disability {disability} ELSE '' END AS disabilitas,
        CASE WHEN {p}ktp_state IN ({recorded}) THEN 'S' ELSE 'B' END AS status_ktp_el,
        '' AS keterangan, {p}kelurahan_code AS kelurahan"""
