"""Blanko pages: dashboard with forecast, print queue, ledger, receipt/transfer/adjust forms.

Thin: authorise, validate, call one action or query, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from adminduk.audit.actions import client_ip

from . import actions, charts, forecast, forms, ledger, planning, queries
from .models import Shipment, ShipmentStatus, StoreKind


def _apply_errors(form, exc: ValidationError, mapping=None):
    for field, errs in exc.message_dict.items():
        field = (mapping or {}).get(field, field)
        for e in errs:
            form.add_error(field if field in form.fields else None, e)


@login_required
def dashboard(request):
    if not ledger.can_view_dashboard(request.user):
        raise PermissionDenied(_("peran ini tidak dapat melihat dasbor blanko"))
    whatif = forms.WhatIfForm(request.GET or None)
    extra, factor, moved = [], 1.0, {}
    if whatif.is_valid():
        c = whatif.cleaned_data
        if c["add_on"] and c["add_quantity"]:
            extra.append(forecast.Shipment(c["add_on"], c["add_quantity"], _("kiriman tambahan (what-if)")))
        if c["capacity"]:
            factor = c["capacity"] / 100
        if c["move_id"] and c["move_to"]:
            moved[c["move_id"]] = c["move_to"]
    state = planning.current_state(capacity_factor=factor, extra_shipments=extra, moved=moved)
    result = forecast.simulate(state.params)
    rows = planning.kota_figures(state, result)
    chart = charts.line_chart(
        result.days, [(_("hutang cetak"), list(result.total_backlog), "#b3261e"),
                      (_("stok blanko (termasuk di Dinas/Sudin)"), list(result.total_stock), "#0b5ea8")],
        marks=[(s.on, f"+{s.quantity}") for s in state.params.shipments], title=_("Prakiraan DKI"))
    seed = planning.run_scenario("seed-2023")
    seed_result = seed.pop("_result")
    seed_chart = charts.line_chart(
        seed_result.days, [(_("hutang cetak"), list(seed_result.total_backlog), "#b3261e"),
                           (_("stok blanko"), list(seed_result.total_stock), "#0b5ea8")],
        marks=[(s.on, f"+{s.quantity:,}".replace(",", ".")) for s in seed_result.params.shipments]
        + [(seed_result.params.target, _("target"))], title=seed["title"])
    shipments = Shipment.objects.filter(status=ShipmentStatus.PLANNED)
    allocation = []
    if shipments and request.user.role in ("dinas", "sudin", "dprd", "auditor"):
        sudin = [s for s in state.stores if s.kind == StoreKind.SUDIN]
        backlog = {s.region_id: next(r["backlog"] for r in rows if r["code"] == s.region_id) for s in sudin}
        stock = {s.region_id: next(r["stock"] for r in rows if r["code"] == s.region_id) for s in sudin}
        split = forecast.suggest_allocation(shipments[0].quantity, backlog, stock)
        allocation = [(s.name, backlog[s.region_id], stock[s.region_id], split[s.region_id]) for s in sudin]
    return render(request, "cardstock/dashboard.html", {
        "rows": rows, "chart": chart, "whatif": whatif, "shipments": shipments, "as_of": state.params.start,
        "seed": seed, "seed_chart": seed_chart, "allocation": allocation,
        "printable": queries.printable_stores(request.user), "is_whatif": bool(extra or moved or factor != 1.0),
    })


@login_required
def queue_pick(request):
    """The queue picker of the dashboard (a plain GET form: no script)."""
    return redirect("cardstock:queue", code=request.GET.get("toko", "").strip() or "-")


@login_required
def queue(request, code):
    store = queries.get_store(request.user, code)
    form = forms.PrintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = actions.do_print_run(store, form.cleaned_data["count"], actor=request.user)
        except ValidationError as exc:
            _apply_errors(form, exc, {"store": None})
        else:
            messages.success(request, _("%(n)d kartu dicetak (proses #%(run)d).") % {"n": run.printed, "run": run.pk})
            return redirect("cardstock:queue", code=store.region_id)
    rows = queries.print_queue(request.user, store, purpose="antrean cetak KTP-el", ip=client_ip(request))
    return render(request, "cardstock/queue.html", {"store": store, "rows": rows, "form": form,
                                                    "counts": queries.queue_counts(store)})


@login_required
def ledger_view(request):
    filt = forms.LedgerFilter(request.GET or None)
    data = filt.cleaned_data if filt.is_valid() else {}
    rows, total = queries.ledger_rows(request.user, **{k: v for k, v in data.items() if v})
    return render(request, "cardstock/ledger.html", {"rows": rows, "filter": filt, "total": total})


def _form_page(request, form, title, run, success):
    if request.method == "POST" and form.is_valid():
        try:
            run(form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("cardstock:ledger")
    return render(request, "cardstock/form.html", {"form": form, "title": title})


def _store(code):
    return actions.get_store(code)


@login_required
def receipt(request):
    stores = queries.managed_stores(request.user)
    if not stores:
        raise PermissionDenied(_("hanya Suku Dinas dan Dinas yang mencatat penerimaan"))
    form = forms.ReceiptForm(request.POST or None, stores=stores)
    return _form_page(request, form, _("Penerimaan blanko dari Kemendagri"), lambda c: actions.do_receive(
        _store(c["store"]), c["quantity"], letter_no=c["letter_no"], letter_date=c["letter_date"],
        actor=request.user, reason=c["reason"]), _("Penerimaan dicatat."))


@login_required
def transfer(request):
    sources = queries.managed_stores(request.user)
    if not sources:
        raise PermissionDenied(_("hanya Suku Dinas dan Dinas yang mendistribusikan blanko"))
    destinations = list(queries.stores_in_area(request.user)) if request.user.role != "sudin" else \
        list(queries.stores_in_area(request.user)) + [s.parent for s in sources if s.parent]
    form = forms.TransferForm(request.POST or None, sources=sources, destinations=destinations)
    return _form_page(request, form, _("Distribusi blanko"), lambda c: actions.do_transfer(
        _store(c["source"]), _store(c["destination"]), c["quantity"], actor=request.user, reason=c["reason"]),
        _("Distribusi dicatat."))


@login_required
def adjust(request):
    stores = [s for s in queries.stores_in_area(request.user)
              if ledger.can_manage(request.user, s) or ledger.can_print(request.user, s)]
    if not stores:
        raise PermissionDenied(_("peran ini tidak dapat mencatat blanko rusak atau koreksi"))
    form = forms.AdjustForm(request.POST or None, stores=stores)

    def run(c):
        if c["kind"] == "spoiled":
            if c["quantity"] <= 0:
                raise ValidationError({"quantity": _("jumlah blanko rusak harus lebih dari 0")})
            return actions.do_spoil(_store(c["store"]), c["quantity"], actor=request.user, reason=c["reason"])
        return actions.do_correct(_store(c["store"]), c["quantity"], actor=request.user, reason=c["reason"])

    return _form_page(request, form, _("Blanko rusak / koreksi stok"), run, _("Mutasi dicatat."))


@login_required
def sukets(request):
    rows = queries.expiring_sukets(request.user, purpose="daftar Suket yang akan habis masa berlaku",
                                   ip=client_ip(request))
    return render(request, "cardstock/sukets.html", {"rows": rows, "today": timezone.localdate()})
