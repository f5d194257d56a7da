"""``create_api_client --name NAME --country KZ --scopes "read write" [--prosecutor-office CODE]``

The last line printed is JSON ``{"client_id", "client_secret"}``; the secret is shown once."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cases.clients import prosecutor_client_create
from npm_tracker.core.actors import SystemActor
from npm_tracker.core.api.clients import api_client_create
from npm_tracker.core.audit import system_context


class Command(BaseCommand):
    help = "Register a partner system for the REST API (OAuth2 client credentials)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--country", required=True, choices=["KZ", "KG"])
        parser.add_argument("--scopes", default="read")
        parser.add_argument("--prosecutor-office", default=None)

    def handle(self, *args, **options):
        try:
            with system_context(SystemActor.command("create_api_client")):
                if options["prosecutor_office"]:
                    client, secret = prosecutor_client_create(
                        name=options["name"],
                        country_code=options["country"],
                        office_code=options["prosecutor_office"],
                    )
                else:
                    client, secret = api_client_create(
                        name=options["name"],
                        country_code=options["country"],
                        scopes=options["scopes"],
                    )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"Client {client.name} ({client.country.code}): scopes {client.scopes}")
        self.stdout.write("The secret is shown once; store it now.")
        self.stdout.write(
            json.dumps({"client_id": client.application.client_id, "client_secret": secret})
        )
