"""`adminduk audit verify` and `adminduk audit head`.

verify: recompute the whole hash chain; exit 1 naming the first broken row.
head:   print the chain head (seq + hash) for printing in reports; a later
        `verify --expect-head SEQ:HASH` proves the chain up to it was not rewritten.
"""

from django.core.management.base import BaseCommand, CommandError

from adminduk.audit import chain


class Command(BaseCommand):
    help = "Periksa (verify) atau cetak kepala (head) rantai hash log audit."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="sub", required=True)
        verify = sub.add_parser("verify", help="hitung ulang seluruh rantai hash")
        verify.add_argument("--expect-head", metavar="SEQ:HASH",
                            help="kepala rantai yang dicetak sebelumnya (dari `adminduk audit head`)")
        verify.add_argument("--no-save", action="store_true", help="jangan catat hasil pemeriksaan")
        sub.add_parser("head", help="cetak nomor urut dan hash entri terakhir")

    def handle(self, *args, sub, **options):
        if sub == "head":
            head = chain.head()
            if head is None:
                self.stdout.write("log audit kosong")
            else:
                self.stdout.write(f"{head[0]}:{head[1]}")
            return
        expect = None
        if options["expect_head"]:
            seq, sep, digest = options["expect_head"].partition(":")
            if not sep or not seq.isdigit() or len(digest) != 64:
                raise CommandError("--expect-head: format SEQ:HASH (nomor urut, titik dua, 64 karakter hex)")
            expect = (int(seq), digest.lower())
        result = chain.verify(expect_head=expect, save=not options["no_save"])
        if result.ok:
            self.stdout.write(f"rantai audit utuh: {result.rows:,} entri, kepala {result.head_seq}:{result.head_hash} "
                              f"({result.seconds:.1f} s)")
            return
        self.stderr.write(f"RANTAI AUDIT RUSAK: {result.message} (diperiksa {result.rows:,} entri, "
                          f"{result.seconds:.1f} s)")
        raise SystemExit(1)
