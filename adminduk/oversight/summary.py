"""The DPRD's oversight figures, organised by the rakor's strategic issues (DOMAIN.md §0).

`build(on)` returns one `Report`: sections of tables and charts, every count already
suppressed (suppression.py), every table with its definition, source and as-of date.
The oversight page, the HTML report and the PDF all render this same object, so what
the DPRD sees on screen and on paper is the same and contains no personal data: only
counts per kota and for DKI, from summary tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from adminduk.accounts.models import Role
from adminduk.coverage import indicators
from adminduk.coverage import queries as coverage

from . import sources
from .suppression import COMPLEMENTARY, SUPPRESSED, Constraint, bounded_percent, is_small, shown, suppress

VIEWER_ROLES = frozenset({Role.DPRD, Role.DINAS, Role.AUDITOR})
TARGETED = tuple(i.key for i in indicators.INDICATORS if i.national_target is not None)


def can_view(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in VIEWER_ROLES)


def require_viewer(user) -> None:
    if not can_view(user):
        raise PermissionDenied("halaman pengawasan hanya untuk DPRD, Dinas dan auditor")


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list]  # first cell is the row label; the rest are display values
    definition: str = ""
    source: str = ""
    as_of: dt.date | dt.datetime | None = None
    note: str = ""
    definition_items: list[str] = field(default_factory=list)


@dataclass
class Chart:
    title: str
    kind: str  # "bars" (label, percent, target) or "trend" (date, percent) with `target`
    items: list = field(default_factory=list)
    target: Decimal | None = None


@dataclass
class Section:
    key: str
    number: str
    title: str
    issue: str
    available: bool = True
    unavailable: str = ""
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    on: dt.date
    generated_at: dt.datetime
    sections: list[Section]
    snapshot_as_of: dt.date | None
    audit_head: tuple[int, str] | None = None


def _coverage_rows(figures_by_area: list[coverage.Figure]) -> tuple[list[list], dict]:
    """Rows (label, denominator, numerator, without, percent, target, gap) of areas whose
    last row is their total, suppressed with row and column constraints."""
    values: dict[tuple[int, str], int] = {}
    for i, f in enumerate(figures_by_area):
        values[(i, "den")], values[(i, "num")], values[(i, "without")] = f.denominator, f.numerator, f.without
    n = len(figures_by_area)
    constraints = [Constraint((i, "den"), ((i, "num"), (i, "without"))) for i in range(n)]
    if n > 1:
        total = n - 1
        for col in ("den", "num", "without"):
            constraints.append(Constraint((total, col), tuple((i, col) for i in range(total))))
    hidden = suppress(values, constraints)
    rows = []
    for i, f in enumerate(figures_by_area):
        h = {col: (i, col) in hidden for col in ("den", "num", "without")}
        pct = bounded_percent(f.numerator, f.denominator, numerator_hidden=h["num"], without_hidden=h["without"],
                              denominator_hidden=h["den"])
        gap = f.gap_people
        if gap is not None and is_small(gap):
            gap_shown = SUPPRESSED
        elif gap is not None and (h["num"] or h["den"]):
            gap_shown = COMPLEMENTARY  # it would give the hidden numerator back
        else:
            gap_shown = gap
        rows.append([f.area_name, shown(f.denominator, h["den"]), shown(f.numerator, h["num"]),
                     shown(f.without, h["without"]), pct, f.target, gap_shown])
    return rows, hidden


def _chart_item(label: str, pct, target) -> tuple:
    """(label, value, target, text): an exact percentage is plotted as it is; a bound
    or a rounded one is plotted at its number with the table's text, in grey."""
    if isinstance(pct, Decimal) or pct is None:
        return (label, pct, target, None)
    if pct in (SUPPRESSED, COMPLEMENTARY):
        return (label, None, target, None)
    digits = "".join(c for c in str(pct) if c.isdigit() or c == ",").replace(",", ".")
    return (label, Decimal(digits) if digits else None, target, str(pct))


def _columns() -> list[str]:
    return [_("Wilayah"), _("Penyebut"), _("Pembilang"), _("Belum punya"), "%", _("Target"), _("Kurang untuk target")]


def _coverage_section(snapshot) -> Section:
    section = Section("cakupan", "2", _("Cakupan kepemilikan dokumen terhadap target"),
                      _("Isu strategis 2: menuntaskan target layanan dan cakupan kepemilikan dokumen"))
    if snapshot is None:
        section.available, section.unavailable = False, _("Belum ada snapshot cakupan pada atau sebelum tanggal ini.")
        return section
    dki = coverage.area_figures(snapshot, coverage.DKI)
    kota = {key: coverage.level_figures(snapshot, "kota", key) for key in TARGETED}
    rows = []
    for f in dki:
        r, _hidden = _coverage_rows([f])
        rows.append([str(f.meta.label), *r[0][1:]])
    section.tables.append(Table(
        _("DKI Jakarta: semua indikator"), [_("Indikator"), *_columns()[1:]], rows,
        definition_items=[_("%(indicator)s: %(numerator)s dibagi %(denominator)s.")
                          % {"indicator": i.label, "numerator": i.numerator, "denominator": i.denominator}
                          for i in indicators.INDICATORS],
        source=str(indicators.SOURCE_REGISTER), as_of=snapshot.as_of,
        note=snapshot.get_kind_display()))
    for key in TARGETED:
        meta = indicators.BY_KEY[key]
        figures = kota[key] + [next(f for f in dki if f.indicator == key)]
        table_rows, _hidden = _coverage_rows(figures)
        table_rows[-1][0] = _("DKI Jakarta")
        section.tables.append(Table(_("%(indicator)s per kota") % {"indicator": meta.label}, _columns(), table_rows,
                                    definition=_("Pembilang: %(numerator)s. Penyebut: %(denominator)s")
                                    % {"numerator": meta.numerator, "denominator": meta.denominator},
                                    source=str(indicators.SOURCE_REGISTER), as_of=snapshot.as_of,
                                    note=f"Target: {figures[-1].target_source}"))
        section.charts.append(Chart(f"{meta.label}: persen per kota (garis hijau = target)", "bars",
                                    [_chart_item(r[0], r[4], f.target) for r, f in zip(table_rows, figures,
                                                                                        strict=True)]))
    for key in TARGETED:
        meta = indicators.BY_KEY[key]
        points = [(d, indicators.percent(n, dd)) for d, n, dd in coverage.trend(coverage.DKI, key,
                                                                                until=snapshot.as_of)]
        if len(points) > 1:
            target = next(f.target for f in dki if f.indicator == key)
            section.charts.append(Chart(f"Tren {meta.label}, DKI Jakarta", "trend", points, target))
    return section


def _election_section(snapshot) -> Section:
    section = Section("pemilu", "1", _("Kesiapan data Pemilu 2024"),
                      _("Isu strategis 1: dukungan persiapan Pemilu 2024 (pemungutan suara 14 Februari 2024)"))
    if snapshot is not None:
        meta = indicators.BY_KEY["ktp_pemilu"]
        figures = coverage.level_figures(snapshot, "kota", "ktp_pemilu") + [
            f for f in coverage.area_figures(snapshot, coverage.DKI) if f.indicator == "ktp_pemilu"]
        rows, _hidden = _coverage_rows(figures)
        rows[-1][0] = _("DKI Jakarta")
        section.tables.append(Table(
            _("Wajib KTP pada hari pemungutan suara yang belum merekam KTP-el"),
            [_("Wilayah"), _("Wajib KTP pada 14-02-2024"), _("Sudah rekam"), _("Belum rekam KTP-el"), "%"],
            [r[:5] for r in rows], definition=_("Penyebut: %(denominator)s. Pembilang: %(numerator)s")
            % {"numerator": meta.numerator, "denominator": meta.denominator},
            source=str(indicators.SOURCE_REGISTER), as_of=snapshot.as_of))
    try:
        dp4 = sources.dp4_summary()
    except sources.Unavailable as exc:
        section.notes.append(_("DP4: belum tersedia (%(reason)s).") % {"reason": exc})
        dp4 = None
    else:
        if dp4 is None:
            section.notes.append(_("DP4: belum ada ekstrak DP4 yang dibuat."))
    if dp4:
        section.tables.append(_dp4_table(dp4))
        if dp4["excluded"]:
            ex = dp4["excluded"]
            ex_total = sum(ex.values())
            hidden = suppress({**ex, "__total": ex_total}, [Constraint("__total", tuple(ex))])
            section.tables.append(Table(
                _("Tidak masuk DP4 menurut alasan"), [_("Alasan"), _("Jumlah")],
                [[str(dp4["exclusion_labels"].get(k, k)), shown(v, k in hidden)] for k, v in sorted(ex.items())]
                + [[_("Jumlah"), shown(ex_total, "__total" in hidden)]],
                source=_("Ekstrak DP4 adminduk"), as_of=dp4["created_at"]))
    try:
        rec = sources.reconciliation_summary()
    except sources.Unavailable as exc:
        section.notes.append(f"Rekonsiliasi dengan KPU: belum tersedia ({exc}).")
        rec = None
    else:
        if rec is None:
            section.notes.append(_("Rekonsiliasi dengan KPU: belum ada daftar KPU yang direkonsiliasi."))
    if rec:
        section.tables.append(_reconciliation_table(rec))
    return section


def _grid_table(rows: list[tuple[str, dict[str, int]]], columns: list[str]) -> tuple[list[list], set]:
    """Rows of counts per column, with a total column and a DKI total row, suppressed
    with every row and column sum as a constraint."""
    values: dict[tuple[int, str], int] = {}
    for i, (_label, counts) in enumerate(rows):
        for c in columns:
            values[(i, c)] = counts.get(c, 0)
        values[(i, "__total")] = sum(counts.get(c, 0) for c in columns)
    n = len(rows)
    for c in [*columns, "__total"]:
        values[(n, c)] = sum(values[(i, c)] for i in range(n))
    constraints = [Constraint((i, "__total"), tuple((i, c) for c in columns)) for i in range(n + 1)]
    constraints += [Constraint((n, c), tuple((i, c) for i in range(n))) for c in [*columns, "__total"]]
    hidden = suppress(values, constraints)
    labels = [label for label, _counts in rows] + [_("DKI Jakarta")]
    table = [[labels[i], *[shown(values[(i, c)], (i, c) in hidden) for c in [*columns, "__total"]]]
             for i in range(n + 1)]
    return table, hidden


def _kota_names() -> dict[str, str]:
    from adminduk.regions.models import Region

    return dict(Region.objects.kota().values_list("code", "name"))


def _dp4_table(dp4: dict) -> Table:
    names = _kota_names()
    rows = [(names.get(code, code), dp4["by_kota"][code]) for code in sorted(dp4["by_kota"])]
    table, _hidden = _grid_table(rows, ["men", "women"])
    return Table(
        _("DP4 %(election)s (versi %(version)s): pemilih potensial per kota") % {
            "election": dp4["election"], "version": dp4["version"]},
        [_("Wilayah"), _("Laki-laki"), _("Perempuan"), _("Jumlah")], table,
        definition=_("WNI, berumur 17 tahun pada hari pemungutan suara atau kawin/pernah kawin, bukan TNI/Polri; "
                     "data kependudukan per %(cutoff)s") % {"cutoff": dp4["cutoff_date"].strftime("%d-%m-%Y")},
        source=_("Ekstrak DP4 adminduk (aplikasi pemilu), DAK2 per kecamatan dijumlahkan per kota"),
        as_of=dp4["created_at"])


def _reconciliation_table(rec: dict) -> Table:
    names = _kota_names()
    categories = [c for c in rec["categories"] if any(c in v for v in rec["per_kota"].values())]
    rows = [(names.get(code, code), rec["per_kota"][code]) for code in sorted(rec["per_kota"])]
    table, _hidden = _grid_table(rows, categories)
    return Table(
        _("Rekonsiliasi terakhir dengan KPU: %(list)s") % {"list": rec["list_name"]},
        [_("Wilayah"), *[str(rec["labels"].get(c, c)) for c in categories], _("Jumlah temuan")], table,
        definition=_("%(rows)s baris daftar KPU, %(matched)s cocok dengan register, %(bad)s tidak terbaca; "
                     "temuan per kategori TMS dan mutu data") % {
            "rows": f"{rec['rows']:,}".replace(",", "."), "matched": f"{rec['matched']:,}".replace(",", "."),
            "bad": f"{rec['unreadable']:,}".replace(",", ".")},
        source=_("Rekonsiliasi adminduk (aplikasi pemilu)"), as_of=rec["created_at"])


def _blanko_section(on: dt.date) -> Section:
    section = Section("blanko", "2", _("Blanko KTP-el: stok, hutang cetak dan perkiraan lunas"),
                      _("Isu strategis 2: layanan KTP-el di tengah keterbatasan blanko dari Kemendagri"))
    try:
        data = sources.blanko_summary()
    except sources.Unavailable as exc:
        section.available, section.unavailable = False, f"Data blanko belum tersedia ({exc})."
        return section
    if data is None:
        section.available, section.unavailable = False, _("Belum ada gudang blanko yang tercatat.")
        return section
    rows = data["rows"]
    values = {}
    for i, r in enumerate(rows):
        values[(i, "backlog")], values[(i, "suket")] = int(r["backlog"]), int(r["suket_open"])
    total = len(rows) - 1  # the last row is DKI
    hidden = suppress(values, [Constraint((total, c), tuple((i, c) for i in range(total)))
                               for c in ("backlog", "suket")])
    section.tables.append(Table(
        _("Stok blanko, hutang cetak dan Suket per kota"),
        [_("Wilayah"), _("Stok blanko"), _("Hutang cetak (orang)"), _("Suket berlaku"), _("Hari cukup"), _("Perkiraan lunas")],
        [[r["name"], r["stock"], shown(r["backlog"], (i, "backlog") in hidden),
          shown(r["suket_open"], (i, "suket") in hidden), r["days_of_cover"],
          r["cleared_on"].strftime("%d-%m-%Y") if r["cleared_on"] else _("tidak dalam horizon")]
         for i, r in enumerate(rows)],
        definition=_("Hutang cetak: permohonan cetak KTP-el yang menunggu blanko. Perkiraan lunas: simulasi "
                     "harian stok, kiriman terencana dan kapasitas cetak (aplikasi blanko)"),
        source=_("Buku stok blanko dan antrean cetak adminduk"), as_of=data["as_of"]))
    return section


def _not_yet(key: str, number: str, title: str, issue: str, what: str) -> Section:
    return Section(key, number, title, issue, available=False,
                   unavailable=_("Belum tersedia: %(what)s belum dibangun di adminduk, jadi belum ada angka "
                                 "yang dapat dipertanggungjawabkan.") % {"what": what})


def build(on: dt.date | None = None) -> Report:
    on = on or timezone.localdate()
    snapshot = coverage.latest_snapshot(on)
    sections = [
        _election_section(snapshot),
        _blanko_section(on),
        _coverage_section(snapshot),
        _not_yet("inovasi", "2", _("Inovasi layanan: jemput bola dan layanan daring"),
                 _("Permintaan Komisi A: inovasi mulai dari jemput bola hingga layanan digital"),
                 _("pencatatan jemput bola dan permohonan daring (Alpukat Betawi)")),
        _not_yet("sdm", "3", _("Sumber daya manusia"), _("Isu strategis 3: keterbatasan SDM"),
                 _("data pegawai, titik layanan dan kapasitas")),
    ]
    return Report(on=on, generated_at=timezone.now(), sections=sections,
                  snapshot_as_of=snapshot.as_of if snapshot else None)
