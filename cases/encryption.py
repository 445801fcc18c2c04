"""Personal fields encrypted at rest, and keyed hashes for exact lookup of them (DESIGN §6).

Fernet with FIELD_ENCRYPTION_KEY (agencies.encryption, which says how the key rotates). The packaged Django field
libraries we looked at derive their key from SECRET_KEY and swallow decryption errors, so this small field is ours.
"""

import functools
import hashlib
import hmac
from base64 import urlsafe_b64decode

from django.conf import settings
from django.db import models

from agencies.encryption import cipher, decrypt_many


@functools.lru_cache(maxsize=16)
def _lookup_key(root_key: str, purpose: str) -> bytes:
    # Derived once per key and purpose, not once per value: a sheet hashes a thousand NIKs.
    return hmac.new(urlsafe_b64decode(root_key), f"lookup-hash:{purpose}".encode(), hashlib.sha256).digest()


def keyed_hash(purpose: str, value: str) -> str:
    """HMAC-SHA256 of `value` under a key derived from FIELD_ENCRYPTION_KEY for `purpose` (e.g. "nik")."""
    key = _lookup_key(settings.FIELD_ENCRYPTION_KEY, purpose)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token. Only `isnull` may be looked up: equal plaintexts never encrypt alike."""

    # Set-based writes (agencies.fastpath.rows) pass other values as they are; this one must be encrypted first.
    prepared_on_write = True

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return cipher().encrypt(value.encode()).decode()

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        # A token that does not decrypt means a wrong key: fail loudly rather than show ciphertext.
        return cipher().decrypt(value.encode()).decode()

    def from_db_values(self, values: list) -> list:
        """`from_db_value` of a whole column at once (agencies.fastpath.statements: a page's NIKs and phones)."""
        return decrypt_many(values)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)
