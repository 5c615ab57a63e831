"""Oversight pages for the DPRD (aggregates only) and the rakor report download."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from . import summary
from .actions import do_make_rakor_report


def _on(request) -> dt.date | None:
    raw = request.GET.get("tanggal")
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise Http404("tanggal harus berbentuk TTTT-BB-HH") from None


@login_required
def page(request):
    summary.require_viewer(request.user)
    return render(request, "oversight/page.html", {"report": summary.build(_on(request))})


@login_required
def report(request):
    summary.require_viewer(request.user)
    fmt = request.GET.get("format", "html")
    if fmt not in ("html", "pdf"):
        raise Http404("format harus html atau pdf")
    report, data = do_make_rakor_report(on=_on(request) or dt.date.today(), fmt=fmt, actor=request.user)
    response = HttpResponse(data, content_type="application/pdf" if fmt == "pdf" else "text/html; charset=utf-8")
    if fmt == "pdf":
        response["Content-Disposition"] = f'attachment; filename="rakor-{report.on.isoformat()}.pdf"'
    return response
