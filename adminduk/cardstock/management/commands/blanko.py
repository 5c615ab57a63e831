"""`adminduk blanko ...`: the blank-card ledger from the command line.

    adminduk blanko forecast --scenario seed-2023 [--json] [--capacity 5000] [--shipment 2023-01-20:30000 ...]
    adminduk blanko forecast                      # from the present state of the database
    adminduk blanko stores                        # seed the stores from the area list (idempotent)
    adminduk blanko demand                        # refresh the demand basis from the register
    adminduk blanko check                         # every balance equals a recount of its movements
    adminduk blanko allocate 30000                # split a shipment across the Suku Dinas by backlog
"""

import argparse
import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from adminduk.cardstock import actions, forecast, planning
from adminduk.cardstock.checks import check_ledger
from adminduk.cardstock.models import Store, StoreKind
from adminduk.documents.checks import check_records


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"tanggal {value!r} tidak sah: gunakan YYYY-MM-DD") from None


def _shipment(value: str) -> dict:
    day, sep, qty = value.partition(":")
    try:
        on = dt.date.fromisoformat(day)
    except ValueError:
        on = None
    if not sep or on is None or not qty.isdigit() or int(qty) <= 0:
        raise argparse.ArgumentTypeError(f"{value!r}: gunakan TANGGAL:JUMLAH, mis. 2023-01-16:30000 (jumlah > 0)")
    return {"on": on.isoformat(), "quantity": int(qty), "label": "opsi --shipment"}


class Command(BaseCommand):
    help = "Buku blanko KTP-el: prakiraan hutang cetak, gudang, dasar permintaan, pemeriksaan saldo."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="cmd", required=True)
        f = sub.add_parser("forecast", help="prakiraan hutang cetak (skenario atau keadaan basis data)")
        f.add_argument("--scenario", help="nama skenario, mis. seed-2023 (tanpa ini: keadaan basis data sekarang)")
        f.add_argument("--json", action="store_true", help="keluaran JSON")
        f.add_argument("--start", help="awal simulasi (YYYY-MM-DD)")
        f.add_argument("--target", help="tanggal yang ditanyakan (YYYY-MM-DD)")
        f.add_argument("--backlog", type=int, help="hutang cetak awal (kartu)")
        f.add_argument("--stock", type=int, help="stok blanko awal")
        f.add_argument("--shipment", action="append", type=_shipment,
                       help="kiriman TANGGAL:JUMLAH (berulang; menggantikan kiriman skenario)")
        f.add_argument("--add-shipment", action="append", type=_shipment, help="kiriman tambahan TANGGAL:JUMLAH")
        f.add_argument("--capacity", type=int, help="kapasitas cetak per hari kerja (skenario: seluruh DKI)")
        f.add_argument("--capacity-factor", type=float, default=1.0, help="pengali kapasitas (keadaan basis data)")
        f.add_argument("--lag", type=int, help="hari distribusi dari Dinas ke mesin cetak")
        f.add_argument("--turning-17-per-month", type=float, help="penduduk berusia 17 per bulan (ganti hitungan register)")
        f.add_argument("--takeup", type=float, help="bagian berusia 17 yang langsung mengajukan (0-1)")
        f.add_argument("--replacement-rate", type=float, help="hilang/rusak per tahun (bagian dari wajib KTP)")
        f.add_argument("--change-rate", type=float, help="perubahan data per tahun")
        f.add_argument("--move-rate", type=float, help="pindah per tahun")
        f.add_argument("--horizon", type=int, help="hari simulasi")
        sub.add_parser("stores", help="buat gudang Dinas, Sudin dan Satpel dari kode wilayah (idempoten)")
        d = sub.add_parser("demand", help="hitung ulang dasar permintaan dari register")
        d.add_argument("--as-of", help="per tanggal (YYYY-MM-DD)")
        sub.add_parser("check", help="periksa: saldo = hitung ulang mutasi, tidak negatif, satu blanko satu kartu")
        a = sub.add_parser("allocate", help="usulan pembagian kiriman ke Suku Dinas menurut hutang cetak")
        a.add_argument("quantity", type=int)

    def handle(self, *args, **opts):
        getattr(self, "do_" + opts["cmd"])(opts)

    def do_forecast(self, o):
        for name in ("backlog", "stock", "capacity", "horizon", "lag"):
            if o.get(name) is not None and o[name] < 0:
                raise CommandError(f"--{name} tidak boleh negatif")
        if o["scenario"]:
            self._scenario(o)
        else:
            self._current(o)

    def _scenario(self, o):
        try:
            cfg = planning.load_scenario(o["scenario"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        overrides = {
            "start": o["start"] and _date(o["start"]).isoformat(), "target": o["target"] and _date(o["target"]).isoformat(),
            "backlog": o["backlog"], "stock": o["stock"], "capacity_per_workday": o["capacity"],
            "distribution_lag_days": o["lag"], "turning_17_per_month": o["turning_17_per_month"],
            "turning_17_takeup": o["takeup"], "replacement_rate_per_year": o["replacement_rate"],
            "change_rate_per_year": o["change_rate"], "move_rate_per_year": o["move_rate"], "horizon_days": o["horizon"],
        }
        shipments = o["shipment"] if o["shipment"] else cfg["shipments"]
        overrides["shipments"] = shipments + (o["add_shipment"] or [])
        report = planning.run_scenario(o["scenario"], overrides)
        report.pop("_result")
        if o["json"]:
            self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False, default=str))
            return
        self.stdout.write(f"{report['title']}\n{report['question']}\n")
        self.stdout.write("JAWABAN: " + report["answer"]["summary"] + "\n")
        for key, value in report["answer"].items():
            if key != "summary":
                self.stdout.write(f"  {key}: {value}")
        self.stdout.write("\nASUMSI (ubah dengan opsi, lihat --help):")
        for a in report["assumptions"]:
            self.stdout.write(f"  {a['name']} = {a['value']}    [{a['source']}]")

    def _current(self, o):
        extra = [forecast.Shipment(dt.date.fromisoformat(s["on"]), s["quantity"], s["label"])
                 for s in (o["add_shipment"] or [])]
        state = planning.current_state(capacity_factor=o["capacity_factor"], extra_shipments=extra,
                                       horizon_days=o["horizon"] or 180)
        result = forecast.simulate(state.params)
        rows = planning.kota_figures(state, result)
        if o["json"]:
            self.stdout.write(json.dumps({"as_of": state.params.start.isoformat(), "rows": rows}, indent=2,
                                         ensure_ascii=False, default=str))
            return
        self.stdout.write(f"{'wilayah':34} {'stok':>8} {'hutang':>8} {'suket':>6} {'hari':>6}  lunas")
        for r in rows:
            cover = "-" if r["days_of_cover"] is None else f"{r['days_of_cover']:.1f}"
            self.stdout.write(f"{r['name'][:34]:34} {r['stock']:>8,} {r['backlog']:>8,} {r['suket_open']:>6,} "
                              f"{cover:>6}  {r['cleared_on'] or 'tidak dalam horizon'}")

    def do_stores(self, o):
        created = actions.ensure_stores()
        self.stdout.write(f"gudang blanko: {created} baru, {Store.objects.count()} seluruhnya")

    def do_demand(self, o):
        as_of = _date(o["as_of"]) if o["as_of"] else None
        n = planning.refresh_demand(as_of)
        self.stdout.write(f"dasar permintaan diperbarui untuk {n} Satpel")

    def do_check(self, o):
        problems = check_ledger() + check_records()
        for p in problems:
            self.stderr.write(p)
        if problems:
            raise CommandError(f"{len(problems)} pelanggaran aturan buku blanko")
        self.stdout.write("buku blanko konsisten")

    def do_allocate(self, o):
        if o["quantity"] <= 0:
            raise CommandError("jumlah harus lebih dari 0")
        state = planning.current_state()
        sudin = {s.region_id: s for s in state.stores if s.kind == StoreKind.SUDIN}
        backlog = {c: sum(state.backlog.get(s.pk, 0) for s in state.stores if s.region_id.startswith(c + "."))
                   for c in sudin}
        stock = {c: sum(state.balance.get(s.pk, 0) for s in state.stores if s.region_id == c or
                        s.region_id.startswith(c + ".")) for c in sudin}
        for code, qty in forecast.suggest_allocation(o["quantity"], backlog, stock).items():
            self.stdout.write(f"{sudin[code].name:40} hutang {backlog[code]:>8,} stok {stock[code]:>7,} → {qty:>8,}")
