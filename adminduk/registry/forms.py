from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .queries import PURPOSES, kelurahan_choices


class SearchForm(forms.Form):
    """One form for the three ways an officer looks a resident up: exact NIK, KK number,
    or name (with an optional birth date and kelurahan). Exactly one of the three."""

    tujuan = forms.ChoiceField(label=_("Tujuan akses"), choices=[("", _("— pilih tujuan —")), *PURPOSES],
                               error_messages={"required": _("Pilih tujuan akses: setiap akses data dicatat.")})
    nik = forms.CharField(label=_("NIK"), required=False, max_length=20,
                          widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "3171012503850001"}))
    kk = forms.CharField(label=_("Nomor KK"), required=False, max_length=20,
                         widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    nama = forms.CharField(label=_("Nama"), required=False, max_length=120,
                           help_text=_("Ejaan tidak harus persis: Muhamad/Muhammad/Moh., Yusuf/Jusuf."))
    tanggal_lahir = forms.DateField(label=_("Tanggal lahir"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                    error_messages={"invalid": _("Tanggal lahir tidak sah (format TTTT-BB-HH).")})
    kelurahan = forms.ChoiceField(label=_("Kelurahan"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        choices = kelurahan_choices(user)
        self.fields["kelurahan"].choices = [("", _("— semua di wilayah kerja —")), *choices]
        if len(choices) == 1:
            self.fields["kelurahan"].choices = choices

    @staticmethod
    def _number(value: str, field_label: str) -> str:
        digits = value.replace(" ", "").replace(".", "")
        if digits and not (digits.isdigit() and len(digits) == 16):
            raise forms.ValidationError(_("%(field)s harus 16 angka.") % {"field": field_label})
        return digits

    def clean_nik(self):
        return self._number(self.cleaned_data["nik"], "NIK")

    def clean_kk(self):
        return self._number(self.cleaned_data["kk"], _("Nomor KK"))

    def clean_nama(self):
        name = " ".join(self.cleaned_data["nama"].split())
        if name and sum(c.isalpha() for c in name) < 2:
            raise forms.ValidationError(_("Nama harus berisi paling sedikit 2 huruf."))
        return name

    def clean_tanggal_lahir(self):
        date = self.cleaned_data["tanggal_lahir"]
        if date and date > timezone.localdate():
            raise forms.ValidationError(_("Tanggal lahir tidak boleh di masa depan."))
        return date

    def clean(self):
        data = super().clean()
        given = [f for f in ("nik", "kk", "nama") if data.get(f)]
        if any(f in self.errors for f in ("nik", "kk", "nama")):
            return data
        if data.get("tanggal_lahir") and not data.get("nama"):
            self.add_error("nama", _("Tanggal lahir dipakai bersama nama: isi juga nama (sebagian pun boleh)."))
        elif not given:
            raise forms.ValidationError(_("Isi salah satu: NIK, nomor KK, atau nama."))
        for field in given[1:]:
            self.add_error(field, _("Cari dengan satu cara saja: NIK, nomor KK, atau nama."))
        return data

    @property
    def mode(self) -> str:
        return next(f for f in ("nik", "kk", "nama") if self.cleaned_data.get(f))


class PurposeForm(forms.Form):
    tujuan = forms.ChoiceField(label=_("Tujuan akses"), choices=PURPOSES)
