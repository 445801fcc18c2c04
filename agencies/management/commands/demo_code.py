"""`manage.py demo_code USERNAME`: the code a demo account's authenticator app shows now (DEBUG only).

The demo's accounts have an authenticator set up by load_demo, with no phone behind it: this prints what the phone
would show, so a person trying the demo can pass the sign-in's second step. With DEBUG off it refuses: in
production nobody but the phone knows the code.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current sign-in code of a demo account's authenticator (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError("demo_code is for the local demo only and refuses to run with DEBUG off.")
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if device is None:
            raise CommandError(f"{username} has no authenticator: sign in as them to set one up.")
        clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        clock.time = time.time()
        left = device.step - int(clock.time - device.t0) % device.step
        self.stdout.write(f"{clock.token():0{device.digits}d}  (valid for {left} more seconds)")
