"""``python manage.py enrol_totp USERNAME``: give a staff user a TOTP device for the two-factor
login and print what their authenticator app needs (an otpauth:// URL and its QR code)."""

import io

import qrcode
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Create a TOTP device for a staff user and print its otpauth URL and QR code."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="authenticator app")

    def handle(self, *args, username, name, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
        code = qrcode.QRCode(border=1)
        code.add_data(device.config_url)
        ascii_art = io.StringIO()
        code.print_ascii(out=ascii_art, invert=True)
        self.stdout.write(ascii_art.getvalue())
        self.stdout.write(device.config_url)
