"""``python manage.py seed [--update] [--demo] [--scale N]``: reference data, then optionally
demo data or the scale data set of the benchmark."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from npm_tracker.core.actors import SystemActor
from npm_tracker.core.audit import system_context
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
        parser.add_argument(
            "--scale",
            type=float,
            default=None,
            help=(
                "Also load the deterministic scale data set: 1 is about one country for ten "
                "years (20,000 allegations), 10 ten times that, 0.01 a small sample."
            ),
        )

    def handle(self, *args, update=False, demo=False, scale=None, **options):
        with system_context(SystemActor.command("seed")):
            self._handle(update=update, demo=demo, scale=scale)

    def _handle(self, *, update, demo, scale):
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
        if scale is not None:
            from seeds.scale import build_scale

            if scale <= 0:
                raise CommandError(_("The scale must be positive."))
            started = time.monotonic()
            try:
                tally = build_scale(scale, stdout=self.stdout, processes=2)
            except ValueError as error:
                raise CommandError(str(error)) from error
            for name, count in sorted(tally.counts.items()):
                self.stdout.write(f"  {count} {name}")
            self.stdout.write(
                self.style.SUCCESS(
                    _("Scale data loaded in %(s).0f s.") % {"s": time.monotonic() - started}
                )
            )
