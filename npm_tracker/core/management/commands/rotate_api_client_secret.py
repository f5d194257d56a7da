"""``rotate_api_client_secret CLIENT_ID``: a new secret (printed once as JSON); the old secret
and every token stop working."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from npm_tracker.core.actors import SystemActor
from npm_tracker.core.api.clients import api_client_rotate_secret
from npm_tracker.core.audit import system_context


class Command(BaseCommand):
    help = "Give an API client a new secret."

    def add_arguments(self, parser):
        parser.add_argument("client_id")

    def handle(self, *args, client_id, **options):
        try:
            with system_context(SystemActor.command("rotate_api_client_secret")):
                client, secret = api_client_rotate_secret(client_id=client_id)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(
            json.dumps({"client_id": client.application.client_id, "client_secret": secret})
        )
