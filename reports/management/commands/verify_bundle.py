"""``manage.py verify_bundle FILE.zip [--key KEY.pem]``: a recipient's check of an evidence
bundle. Prints each problem (the file named) and exits 1, or prints the bundle's referral and
files and exits 0. Without ``--key`` the keys this server published are used."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from npm_tracker.core import signing
from reports import bundle


class Command(BaseCommand):
    help = "Verify an evidence bundle: the manifest's signature and every file's hash."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--key", type=Path, help="The public key (PEM) to verify with, as published."
        )

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        keys = None
        if options["key"]:
            pem = options["key"].read_text()
            keys = {signing.key_id_of(pem): pem}
        verdict = bundle.verify(path.read_bytes(), keys)
        if not verdict.ok:
            for problem in verdict.problems:
                self.stderr.write(problem)
            raise SystemExit(1)
        manifest = verdict.manifest or {}
        self.stdout.write(
            f"OK: referral {manifest.get('reference')} signed by {manifest.get('key_id')}; "
            f"{len(manifest.get('files', []))} files match the manifest"
        )
