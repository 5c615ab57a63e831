"""The KTP-el record of one resident: state, history, requests, Sukets, and the
officer's actions on it. Thin: authorise (the register's choke point), validate, call."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from adminduk.audit.actions import client_ip
from adminduk.registry.queries import NotFound

from . import actions, forms, queries
from .models import RequestStatus


@login_required
def lookup(request):
    form = forms.LookupForm(request.GET or None)
    if form.is_valid():
        return redirect("documents:record", nik=form.cleaned_data["nik"])
    return render(request, "documents/lookup.html", {"form": form})


def _apply(form, exc):
    for field, errs in exc.message_dict.items():
        for e in errs:
            form.add_error(field if field in form.fields else None, e)


@login_required
def record(request, nik):
    try:
        data = queries.ktp_record(request.user, nik, purpose="layanan KTP-el", ip=client_ip(request))
    except NotFound:
        raise Http404(_("NIK tidak ditemukan")) from None
    person = data["person"]
    open_request = next((r for r in data["requests"] if r.status in (RequestStatus.WAITING, RequestStatus.PRINTED)),
                        None)
    ask = forms.RequestForm(request.POST if request.POST.get("form") == "request" else None, prefix="r")
    act = forms.ReasonForm(request.POST if request.POST.get("form") == "act" else None, prefix="a")
    try:
        if ask.is_bound and ask.is_valid():
            c = ask.cleaned_data
            actions.do_request_card(person, c["kind"], actor=request.user, reason=c["reason"],
                                    police_report_no=c["police_report_no"], change_note=c["change_note"])
            messages.success(request, _("Permohonan cetak dicatat dan masuk antrean."))
            return redirect("documents:record", nik=nik)
        if act.is_bound and act.is_valid():
            c = act.cleaned_data
            if c["action"] == "ikd":
                actions.do_activate_ikd(person, actor=request.user, reason=c["reason"])
            elif open_request is None:
                raise ValidationError({"action": _("tidak ada permohonan cetak yang terbuka")})
            elif c["action"] == "issue":
                actions.do_issue_card(open_request, actor=request.user, reason=c["reason"])
            elif c["action"] == "suket":
                actions.do_issue_suket(open_request, actor=request.user, reason=c["reason"])
            else:
                actions.do_cancel_request(open_request, actor=request.user, reason=c["reason"])
            messages.success(request, _("Tindakan dicatat."))
            return redirect("documents:record", nik=nik)
    except ValidationError as exc:
        _apply(ask if ask.is_bound else act, exc)
    return render(request, "documents/record.html", {**data, "ask": ask, "act": act, "open_request": open_request})
