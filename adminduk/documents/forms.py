from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RequestKind


class LookupForm(forms.Form):
    nik = forms.RegexField(label=_("NIK"), regex=r"^\d{16}$",
                           error_messages={"invalid": _("NIK harus 16 angka"), "required": _("NIK wajib diisi")})


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("jenis permohonan"), choices=RequestKind.choices)
    police_report_no = forms.CharField(label=_("nomor surat kehilangan (kepolisian)"), required=False, max_length=60)
    change_note = forms.CharField(label=_("elemen data yang berubah"), required=False, max_length=200)
    reason = forms.CharField(label=_("alasan / catatan petugas"), error_messages={"required": _("alasan wajib diisi")})


class ReasonForm(forms.Form):
    ACTIONS = [("issue", _("serahkan KTP-el yang sudah dicetak")), ("suket", _("terbitkan Suket (blanko habis)")),
               ("ikd", _("catat aktivasi IKD")), ("cancel", _("batalkan permohonan"))]
    action = forms.ChoiceField(label=_("tindakan"), choices=ACTIONS)
    reason = forms.CharField(label=_("alasan / catatan petugas"), error_messages={"required": _("alasan wajib diisi")})
