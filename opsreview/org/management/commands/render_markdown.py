from django.core.management.base import BaseCommand

from opsreview.org.stored_markdown import render_stale_markdown


class Command(BaseCommand):
    help = "Re-render stored markdown HTML rendered under an older policy (--all: every row)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="re-render every row")

    def handle(self, *args, all: bool = False, **options):
        count = render_stale_markdown(everything=all)
        self.stdout.write(f"Re-rendered {count} row{'s' if count != 1 else ''}.")
