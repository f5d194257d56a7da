"""``run_outbox [--kind KIND ...] [--sweep]``: run the due outbox jobs in this process, for an
operator when no worker is running (or to empty the queue at once); ``--sweep`` first takes
back the jobs of workers that died."""

from django.core.management.base import BaseCommand, CommandError

from npm_tracker.core import outbox
from npm_tracker.core.actors import SystemActor
from npm_tracker.core.audit import system_context


class Command(BaseCommand):
    help = "Run the due outbox jobs (webhooks, report renders, mails) in this process."

    def add_arguments(self, parser):
        parser.add_argument(
            "--kind", action="append", default=[], help="Only jobs of this kind (repeatable)."
        )
        parser.add_argument("--sweep", action="store_true", help="Take back expired leases first.")

    def handle(self, *args, kind, sweep, **options):
        unknown = sorted(set(kind) - set(outbox.kinds()))
        if unknown:
            raise CommandError(
                f"Unknown kind: {', '.join(unknown)}. Known: {', '.join(sorted(outbox.kinds()))}."
            )
        with system_context(SystemActor.command("run_outbox")):
            if sweep:
                self.stdout.write(f"Sweep: {outbox.sweep()}")
            done = outbox.drain(kinds=kind or None)
        self.stdout.write(f"Ran {done} job(s).")
