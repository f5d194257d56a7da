"""``python manage.py seed [--update] [--demo]``: reference data, then optionally demo data."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from npm_tracker.audit import system_context
from seeds.reference import load_reference_data


class Command(BaseCommand):
    help = "Load the reference data (idempotent); with --demo also the demo data set."

    def add_arguments(self, parser):
        parser.add_argument(
            "--update",
            action="store_true",
            help="Overwrite existing reference items with the values of the data files.",
        )
        parser.add_argument(
            "--demo", action="store_true", help="Also build the deterministic demo data set."
        )

    def handle(self, *args, update=False, demo=False, **options):
        with system_context("command:seed"):
            self._handle(update=update, demo=demo)

    def _handle(self, *, update, demo):
        tally = load_reference_data(update=update)
        for label, counts in (
            (_("created"), tally.created),
            (_("updated"), tally.updated),
        ):
            for name, count in sorted(counts.items()):
                self.stdout.write(f"  {label}: {count} {name}")
        self.stdout.write(
            self.style.SUCCESS(_("Reference data loaded: %(n)d changes.") % {"n": tally.changed})
        )
        if demo:
            from seeds.demo import build_demo

            result = build_demo()
            self.stdout.write(self.style.SUCCESS(result))
