"""Staff and oversight pages for voter data. Thin: reads go through `elections.queries`."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from adminduk.accounts.models import Role
from adminduk.audit.actions import client_ip

from . import queries
from .models import Category, Election, Extract, Reconciliation

WORKLIST_PURPOSE = "tindak lanjut rekonsiliasi daftar pemilih KPU (coklit)"


def index(request):
    user = request.user
    if user.role == Role.DPRD:
        return redirect("elections:dprd")
    if not queries.can_see_summaries(user):
        raise PermissionDenied(_("Halaman ini untuk petugas Dukcapil."))
    return render(request, "elections/index.html", {
        "elections": Election.objects.all(),
        "extracts": Extract.objects.select_related("election", "created_by").prefetch_related("copies")[:20]
        if user.role in (Role.DINAS, Role.AUDITOR) else [],
        "runs": Reconciliation.objects.select_related("election")[:20],
    })


def summary(request, pk: int):
    run = get_object_or_404(Reconciliation.objects.select_related("election"), pk=pk)
    try:
        data = queries.summary(request.user, run, area=request.GET.get("wilayah") or None)
    except PermissionDenied as exc:
        return render(request, "403.html", {"exception": str(exc)}, status=403)
    categories = list(Category)
    rows = [{**r, "cells": [r["counts"].get(c.value, 0) for c in categories]} for r in data["rows"]]
    return render(request, "elections/summary.html", {
        "run": run, "data": data, "rows": rows, "categories": categories,
        "totals": [data["totals"].get(c.value, 0) for c in categories],
        "can_open_worklists": request.user.jurisdiction_code is not None,
    })


@never_cache
def worklist(request, pk: int, code: str):
    run = get_object_or_404(Reconciliation.objects.select_related("election"), pk=pk)
    category = request.GET.get("kategori") or None
    if category not in (None, *Category.values):
        category = None
    try:
        result = queries.worklist(request.user, run, code, purpose=WORKLIST_PURPOSE, category=category,
                                  ip=client_ip(request))
    except PermissionDenied as exc:
        return render(request, "403.html", {"exception": str(exc), "out_of_jurisdiction": True}, status=403)
    labels = dict(Category.choices)
    rows = [{**r, "label": labels.get(r["category"], r["category"])} for r in result.rows]
    return render(request, "elections/worklist.html", {
        "run": run, "kelurahan": result.kelurahan, "rows": rows, "truncated": result.truncated,
        "category": category, "categories": list(Category), "limit": queries.WORKLIST_LIMIT,
    })


def dprd(request):
    if request.user.role not in (Role.DPRD, Role.DINAS, Role.AUDITOR):
        raise PermissionDenied(_("Halaman ringkasan untuk DPRD."))
    runs = []
    for election in Election.objects.all():
        run = queries.latest_reconciliation(election)
        if run is not None:
            runs.append({"election": election, "run": run, "data": queries.dprd_summary(run)})
    return render(request, "elections/dprd.html", {"runs": runs, "categories": list(Category),
                                                   "threshold": queries.SUPPRESS_BELOW})
