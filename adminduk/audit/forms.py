from django import forms
from django.utils.translation import gettext_lazy as _

from adminduk.accounts.models import Role

from .queries import LogFilters


class LogFilterForm(forms.Form):
    username = forms.CharField(label=_("Pengguna"), required=False, max_length=150)
    role = forms.ChoiceField(label=_("Peran"), required=False, choices=[("", _("semua peran"))] + list(Role.choices))
    action = forms.CharField(label=_("Tindakan (awalan)"), required=False, max_length=40,
                             help_text=_("mis. person.read, api., audit."))
    nik = forms.RegexField(label=_("NIK"), required=False, regex=r"^\d{16}$",
                           error_messages={"invalid": _("NIK harus 16 angka.")})
    purpose = forms.CharField(label=_("Tujuan memuat"), required=False, max_length=200)
    date_from = forms.DateField(label=_("Dari tanggal"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"invalid": _("Tanggal harus berformat YYYY-MM-DD.")})
    date_to = forms.DateField(label=_("Sampai tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"invalid": _("Tanggal harus berformat YYYY-MM-DD.")})
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("Tanggal akhir tidak boleh sebelum tanggal awal."))
        return data

    def filters(self) -> LogFilters:
        d = self.cleaned_data
        return LogFilters(username=d.get("username", "").strip(), role=d.get("role", ""),
                          action=d.get("action", "").strip(), nik=d.get("nik", ""),
                          purpose=d.get("purpose", "").strip(), date_from=d.get("date_from"),
                          date_to=d.get("date_to"), before_seq=d.get("before"))
