"""Staff pages of the register: search, person, family. Thin: every read goes through
`registry.queries`, which applies the jurisdiction and writes the audit rows."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from adminduk.audit.actions import client_ip

from . import queries
from .choices import KtpState, LifeStatus
from .forms import PurposeForm, SearchForm

# How an audit action reads in the access log of a person page.
ACTION_LABELS = {
    "person.read": gettext_lazy("membuka data penduduk"),
    "person.search": gettext_lazy("muncul di hasil pencarian"),
    "person.search.refused": gettext_lazy("pencarian NIK ditolak (di luar wilayah)"),
    "person.read.refused": gettext_lazy("akses ditolak (di luar wilayah)"),
    "family.read": gettext_lazy("melihat KK (sebagai anggota keluarga)"),
    "person.register": gettext_lazy("pendaftaran penduduk"),
    "person.update": gettext_lazy("perubahan biodata"),
}


def _require_person_reader(user):
    if not user.can_read_persons or user.jurisdiction_code is None:
        raise PermissionDenied(_("Peran Anda tidak boleh membuka data perseorangan penduduk."))


def _refused(request, exc):
    return render(request, "403.html", {"exception": str(exc), "out_of_jurisdiction": True}, status=403)


def _with_purpose(url: str, purpose: str) -> str:
    return f"{url}?{urlencode({'tujuan': purpose})}"


@never_cache
def search(request):
    _require_person_reader(request.user)
    initial = {"tujuan": request.session.get("registry_purpose", "")}
    form = SearchForm(request.POST or None, user=request.user, initial=initial)
    result = None
    if request.method == "POST" and form.is_valid():
        data, ip = form.cleaned_data, client_ip(request)
        request.session["registry_purpose"] = data["tujuan"]
        try:
            if form.mode == "kk":
                pk = queries.find_family_id(request.user, data["kk"], purpose=data["tujuan"], ip=ip)
                return redirect(_with_purpose(reverse("registry:family", args=[pk]), data["tujuan"]))
            result = queries.search_persons(
                request.user, purpose=data["tujuan"], nik=data["nik"], name=data["nama"],
                birth_date=data["tanggal_lahir"], kelurahan_code=data["kelurahan"] or None, ip=ip)
        except queries.OutOfJurisdiction as exc:
            return _refused(request, exc)
        except queries.NotFound:
            form.add_error("kk", _("Nomor KK tidak ditemukan."))
        if result is not None and form.mode == "nik" and len(result.rows) == 1:
            return redirect(_with_purpose(reverse("registry:person", args=[result.rows[0].pk]), data["tujuan"]))
    return render(request, "registry/search.html", {"form": form, "result": result,
                                                    "purpose": form.data.get("tujuan", "")})


def _purpose_or_ask(request):
    purpose = request.GET.get("tujuan", "")
    if purpose in queries.PURPOSE_CODES:
        return purpose, None
    form = PurposeForm(request.GET if "tujuan" in request.GET else None)
    return None, render(request, "registry/purpose.html", {"form": form})


@never_cache
def person(request, pk: int):
    _require_person_reader(request.user)
    purpose, ask = _purpose_or_ask(request)
    if ask:
        return ask
    try:
        record = queries.get_person_record(request.user, pk, purpose=purpose, ip=client_ip(request))
    except queries.OutOfJurisdiction as exc:
        return _refused(request, exc)
    except queries.NotFound:
        raise Http404(_("Penduduk tidak ditemukan.")) from None
    p = record.person
    purposes = dict(queries.PURPOSES)
    for entry in record.accesses:
        entry.label = ACTION_LABELS.get(entry.action, entry.action)
        entry.purpose = purposes.get(entry.purpose, entry.purpose)
    return render(request, "registry/person.html", {
        "record": record, "p": p, "purpose": purpose, "alive": p.status == LifeStatus.HIDUP,
        "ktp_done": p.ktp_state in (KtpState.PRINTED, KtpState.ISSUED),
    })


@never_cache
def family(request, pk: int):
    _require_person_reader(request.user)
    purpose, ask = _purpose_or_ask(request)
    if ask:
        return ask
    try:
        fam, members = queries.get_family_by_id(request.user, pk, purpose=purpose, ip=client_ip(request))
    except queries.OutOfJurisdiction as exc:
        return _refused(request, exc)
    except queries.NotFound:
        raise Http404(_("KK tidak ditemukan.")) from None
    return render(request, "registry/family.html", {"family": fam, "members": members, "purpose": purpose})
