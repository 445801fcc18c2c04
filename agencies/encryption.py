"""The installation's cipher for data at rest: personal fields (cases.encryption) and the API's stored replies.

Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography` with FIELD_ENCRYPTION_KEY; older keys listed in
FIELD_ENCRYPTION_KEY_FALLBACKS still decrypt, so the key can be rotated.
"""

import functools

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@functools.cache
def cipher() -> MultiFernet:
    """The cipher, built from the settings once per process, on first use. Called directly: a lazy proxy in front of
    it cost more than a third of each decryption (a page of cases decrypts a hundred fields)."""
    keys = [settings.FIELD_ENCRYPTION_KEY, *getattr(settings, "FIELD_ENCRYPTION_KEY_FALLBACKS", [])]
    return MultiFernet([Fernet(key) for key in keys])
