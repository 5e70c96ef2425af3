from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone

from coe.models import IMAGE_FOLDER, CoeImage


class Command(BaseCommand):
    help = (
        "Delete stored image files that no COE image refers to: left behind when a process "
        "died between storing an upload and saving its row. Files younger than --min-age-hours "
        "are kept (an upload may be on its way to its row)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--min-age-hours", type=float, default=24)
        parser.add_argument("--dry-run", action="store_true", help="list them, delete nothing")

    def handle(self, *args, min_age_hours, dry_run, **options):
        known = set()
        for file, thumbnail in CoeImage.objects.values_list("file", "thumbnail").iterator():
            known.update((file, thumbnail))
        cutoff = timezone.now() - timedelta(hours=min_age_hours)
        swept = 0
        for name in _stored_names(IMAGE_FOLDER):
            if name in known or default_storage.get_modified_time(name) > cutoff:
                continue
            swept += 1
            self.stdout.write(f"{'Would delete' if dry_run else 'Deleted'} {name}")
            if not dry_run:
                default_storage.delete(name)
        self.stdout.write(f"{swept} file{'s' if swept != 1 else ''} no image refers to.")


def _stored_names(folder: str):
    """Every file under `folder` in the default storage (local or S3), as the rows name them."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:  # nothing uploaded yet (S3 answers an empty listing instead)
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _stored_names(f"{folder}/{sub}")
