from django.core.management.base import BaseCommand

from adminduk.regions.loading import load_regions
from adminduk.regions.models import Region


class Command(BaseCommand):
    help = "Muat 318 kode wilayah Kemendagri DKI Jakarta (idempoten)."

    def handle(self, *args, **options):
        created, updated = load_regions()
        counts = {lvl: Region.objects.filter(level=lvl).count() for lvl in ("provinsi", "kota", "kecamatan", "kelurahan")}
        self.stdout.write(
            f"wilayah: {created} baru, {updated} diperbarui; "
            + ", ".join(f"{k} {v}" for k, v in counts.items())
        )
