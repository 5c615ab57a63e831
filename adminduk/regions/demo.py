from .loading import load_regions


def setup(stdout):
    created, updated = load_regions()
    stdout.write(f"wilayah: {created} baru, {updated} diperbarui")
