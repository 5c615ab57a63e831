"""Forms of the blanko pages. Choice fields list only the stores the user may use;
the actions check the rules again (the forms are convenience, the actions the law)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MovementKind

QTY_ERRORS = {"required": _("jumlah wajib diisi"), "invalid": _("jumlah harus bilangan bulat"),
              "min_value": _("jumlah harus lebih dari 0")}
STORE_ERRORS = {"required": _("pilih gudang"), "invalid_choice": _("gudang blanko tidak dikenal atau di luar wewenang")}


def _choices(stores):
    return [(s.region_id, f"{s.name} ({s.region_id})") for s in stores]


class ReceiptForm(forms.Form):
    store = forms.ChoiceField(label=_("gudang penerima"), error_messages=STORE_ERRORS)
    quantity = forms.IntegerField(label=_("jumlah blanko"), min_value=1, error_messages=QTY_ERRORS)
    letter_no = forms.CharField(label=_("nomor surat Kemendagri"), max_length=80,
                                error_messages={"required": _("nomor surat wajib diisi")})
    letter_date = forms.DateField(label=_("tanggal surat"), widget=forms.DateInput(attrs={"type": "date"}),
                                  error_messages={"required": _("tanggal surat wajib diisi"),
                                                  "invalid": _("tanggal tidak sah (YYYY-MM-DD)")})
    reason = forms.CharField(label=_("keterangan"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, stores=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = _choices(s for s in stores if not s.prints)


class TransferForm(forms.Form):
    source = forms.ChoiceField(label=_("dari gudang"), error_messages=STORE_ERRORS)
    destination = forms.ChoiceField(label=_("ke gudang"), error_messages=STORE_ERRORS)
    quantity = forms.IntegerField(label=_("jumlah blanko"), min_value=1, error_messages=QTY_ERRORS)
    reason = forms.CharField(label=_("keterangan"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, sources=(), destinations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = _choices(sources)
        self.fields["destination"].choices = _choices(destinations)


class AdjustForm(forms.Form):
    KINDS = [("spoiled", _("blanko rusak saat cetak (mengurangi)")), ("correction", _("koreksi stock opname (±)"))]
    store = forms.ChoiceField(label=_("gudang"), error_messages=STORE_ERRORS)
    kind = forms.ChoiceField(label=_("jenis"), choices=KINDS)
    quantity = forms.IntegerField(label=_("jumlah (koreksi: + menambah, - mengurangi)"),
                                  error_messages={k: v for k, v in QTY_ERRORS.items() if k != "min_value"})
    reason = forms.CharField(label=_("alasan"), widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("alasan wajib diisi")})

    def __init__(self, *args, stores=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = _choices(stores)


class PrintForm(forms.Form):
    count = forms.IntegerField(label=_("jumlah kartu yang dicetak"), min_value=1, max_value=500, initial=10,
                               error_messages={**QTY_ERRORS, "max_value": _("paling banyak 500 kartu per proses")})


class LedgerFilter(forms.Form):
    store = forms.CharField(label=_("kode gudang"), required=False)
    kind = forms.ChoiceField(label=_("jenis mutasi"), required=False,
                             choices=[("", _("semua"))] + list(MovementKind.choices))
    date_from = forms.DateField(label=_("dari tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("sampai tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class WhatIfForm(forms.Form):
    add_on = forms.DateField(label=_("tambah kiriman: tanggal"), required=False,
                             widget=forms.DateInput(attrs={"type": "date"}))
    add_quantity = forms.IntegerField(label=_("tambah kiriman: jumlah"), required=False, min_value=1,
                                      error_messages=QTY_ERRORS)
    capacity = forms.IntegerField(label=_("kapasitas cetak (% dari sekarang)"), required=False, min_value=1,
                                  max_value=1000, error_messages={"min_value": _("kapasitas harus lebih dari 0%")})
    move_id = forms.IntegerField(label=_("geser kiriman terjadwal (nomor)"), required=False)
    move_to = forms.DateField(label=_("ke tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
