"""``revoke_api_client CLIENT_ID``: no new tokens; existing tokens stop working at once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from npm_tracker.core.actors import SystemActor
from npm_tracker.core.api.clients import api_client_revoke
from npm_tracker.core.audit import system_context


class Command(BaseCommand):
    help = "Revoke an API client and its tokens."

    def add_arguments(self, parser):
        parser.add_argument("client_id")

    def handle(self, *args, client_id, **options):
        try:
            with system_context(SystemActor.command("revoke_api_client")):
                client = api_client_revoke(client_id=client_id)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"Revoked {client.name}.")
