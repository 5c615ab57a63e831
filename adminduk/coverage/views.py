"""Coverage dashboard pages: drill-down, league table, targets, definitions, CSV."""

from __future__ import annotations

import csv
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from adminduk.accounts.models import Role
from adminduk.regions.models import Region

from . import charts, indicators, queries
from .actions import do_set_target


def _viewer(request):
    queries.require_viewer(request.user)


def _indicator(request, default="ktp_rekam") -> str:
    key = request.GET.get("indikator") or default
    if key not in indicators.BY_KEY:
        raise Http404(f"indikator {key!r} tidak dikenal")
    return key


def _snapshot(request):
    raw = request.GET.get("tanggal")
    on = None
    if raw:
        try:
            on = dt.date.fromisoformat(raw)
        except ValueError:
            raise Http404("tanggal harus berbentuk TTTT-BB-HH") from None
    return queries.latest_snapshot(on)


@login_required
def dashboard(request):
    _viewer(request)
    snapshot = _snapshot(request)
    key = _indicator(request)
    code = request.GET.get("wilayah") or queries.DKI
    area = Region.objects.filter(code=code).first()
    if area is None:
        raise Http404(f"wilayah {code!r} tidak ada")
    context = {"snapshot": snapshot, "indicator": indicators.BY_KEY[key], "indicators": indicators.INDICATORS,
               "area": area, "trail": area.ancestors(), "dates": queries.snapshot_dates()}
    if snapshot is not None:
        figures = queries.area_figures(snapshot, code)
        children = queries.children_figures(snapshot, code, key) if area.level != "kelurahan" else []
        sort = request.GET.get("urut", "code")
        if sort in queries.LEAGUE_SORTS:
            children.sort(key=queries.LEAGUE_SORTS[sort])
        current = next(f for f in figures if f.indicator == key)
        points = [(d, indicators.percent(n, dd)) for d, n, dd in queries.trend(code, key)]
        context |= {
            "figures": figures, "current": current, "children": children, "sort": sort,
            "bars": charts.bars([(c.area_name, c.percent, c.target) for c in children],
                                title=f"{indicators.BY_KEY[key].label} — {area.name}") if children else "",
            "trend": charts.trend(points, target=current.target, title=_("Tren %(indikator)s, %(wilayah)s") % {
                "indikator": indicators.BY_KEY[key].label, "wilayah": area.name}),
        }
    return render(request, "coverage/dashboard.html", context)


@login_required
def league(request):
    _viewer(request)
    snapshot = _snapshot(request)
    key = _indicator(request, "akta_lahir")
    within = request.GET.get("kecamatan") or request.GET.get("kota") or ""
    if within and not Region.objects.filter(code=within).exists():
        raise Http404(f"wilayah {within!r} tidak ada")
    sort = request.GET.get("urut", "gap")
    if sort not in queries.LEAGUE_SORTS:
        raise Http404(f"urutan {sort!r} tidak dikenal")
    rows = queries.league(snapshot, key, within=within, sort=sort) if snapshot else []
    if request.GET.get("format") == "csv":
        return _league_csv(snapshot, key, rows)
    kota = request.GET.get("kota", "")
    context = {
        "snapshot": snapshot, "indicator": indicators.BY_KEY[key], "indicators": indicators.INDICATORS,
        "rows": _league_rows(rows, key), "sort": sort, "kota": kota, "kecamatan": request.GET.get("kecamatan", ""),
        "kota_list": Region.objects.kota(),
        "kecamatan_list": Region.objects.kecamatan().filter(code__startswith=kota + ".") if kota else [],
        "csv_query": request.GET.urlencode(),
    }
    return render(request, "coverage/league.html", context)


def _league_rows(rows, key: str) -> list[dict]:
    """Display rows built in Python: 267 rows of template tags (url, blocktranslate,
    number formats) cost most of the page's time; plain strings render in a few ms."""
    thousands, decimal = get_format("THOUSAND_SEPARATOR"), get_format("DECIMAL_SEPARATOR")

    def count(n):
        return "–" if n is None else f"{n:,}".replace(",", thousands)

    def pct(p):
        return "–" if p is None else f"{p:,.2f}".replace(",", "\0").replace(".", decimal).replace("\0", thousands) + "%"

    base = reverse("coverage:dashboard")
    unit = indicators.BY_KEY[key].unit
    sentence = _("Kelurahan %(k)s perlu %(n)s %(unit)s lagi untuk mencapai %(t)s.")
    return [{
        "name": f.area_name, "code": f.area_code, "href": f"{base}?wilayah={f.area_code}&indikator={key}",
        "cls": "met" if f.met is True else "below" if f.met is False else "",
        "sentence": sentence % {"k": f.area_name, "n": count(f.gap_people), "unit": unit, "t": pct(f.target)}
        if f.gap_people else "",
        "num": count(f.numerator), "den": count(f.denominator), "pct": pct(f.percent), "target": pct(f.target),
        "gap": count(f.gap_people),
    } for f in rows]


def _league_csv(snapshot, key, rows) -> HttpResponse:
    meta = indicators.BY_KEY[key]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    as_of = snapshot.as_of.isoformat() if snapshot else "none"
    response["Content-Disposition"] = f'attachment; filename="cakupan-{key}-{as_of}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    out = csv.writer(response)
    out.writerow(["kode_wilayah", "kelurahan", "indikator", "pembilang", "penyebut", "persen", "target_persen",
                  "kurang_untuk_target", "tanggal_data", "definisi_pembilang", "definisi_penyebut"])
    for f in rows:
        out.writerow([f.area_code, f.area_name, key, f.numerator, f.denominator, f.percent if f.percent is not None
                      else "", f.target if f.target is not None else "", f.gap_people if f.gap_people is not None
                      else "", as_of, str(meta.numerator), str(meta.denominator)])
    return response


@login_required
def targets(request):
    _viewer(request)
    can_set = request.user.role == Role.DINAS
    errors = {}
    if request.method == "POST":
        if not can_set:
            raise PermissionDenied("hanya Dinas yang menetapkan target")
        try:
            target = do_set_target(indicator=request.POST.get("indicator", ""), year=request.POST.get("year", ""),
                                   area_code=request.POST.get("area", ""), value=request.POST.get("value", ""),
                                   actor=request.user, reason=request.POST.get("reason", ""))
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, _("Target disimpan: %(t)s") % {"t": target})
            return redirect(reverse("coverage:targets"))
    year = dt.date.today().year
    snapshot = queries.latest_snapshot()
    context = {
        "history": queries.target_history(), "can_set": can_set, "errors": errors, "form": request.POST,
        "indicators": indicators.INDICATORS, "areas": Region.objects.exclude(level="kelurahan"),
        "default_year": snapshot.as_of.year if snapshot else year,
    }
    return render(request, "coverage/targets.html", context, status=400 if errors else 200)


@login_required
def definitions(request):
    # Definitions are not data: the DPRD reads them too, to trace a figure in the report.
    if request.user.role != Role.DPRD:
        _viewer(request)
    return render(request, "coverage/definitions.html", {"indicators": indicators.INDICATORS,
                                                         "source": indicators.SOURCE_REGISTER,
                                                         "snapshots": queries.snapshot_list()})
