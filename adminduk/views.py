from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from adminduk.accounts.models import Role


def _access_note(user) -> str:
    if user.jurisdiction_code is not None:
        return _("Data perseorangan penduduk di wilayah kerja Anda. Setiap akses dicatat di log audit.")
    return {
        Role.DPRD: _("Data agregat saja; tidak ada data perseorangan."),
        Role.KPU: _("Melalui API mitra: data pemilih sesuai perjanjian; tidak ada data perseorangan di sini."),
        Role.AUDITOR: _("Log audit: siapa mengakses data apa, kapan, dan untuk apa."),
    }.get(user.role, _("Tidak ada akses data perseorangan."))


@login_required
def home(request):
    """The user's start page: their role, their area and what they may see."""
    area = request.user.area
    return render(request, "home.html", {"area": area, "area_path": area.ancestors() if area else [],
                                         "access_note": _access_note(request.user)})
