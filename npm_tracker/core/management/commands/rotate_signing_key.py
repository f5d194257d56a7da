"""``manage.py rotate_signing_key``: a new Ed25519 key signs from now on; the previous one is
closed and stays published (GET /api/v1/signing-keys/) so what it signed still verifies."""

from django.core.management.base import BaseCommand

from npm_tracker.core import signing


class Command(BaseCommand):
    help = "Make a new signing key current; the previous one stays published, closed."

    def handle(self, *args, **options):
        key = signing.rotate()
        self.stdout.write(f"{key.key_id} signs from {key.valid_from.isoformat()}")
