"""The installation's cipher for data at rest: personal fields (cases.encryption) and the API's stored replies.

Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography` with FIELD_ENCRYPTION_KEY; older keys listed in
FIELD_ENCRYPTION_KEY_FALLBACKS still decrypt, so the key can be rotated.
"""

import functools
import hmac
from base64 import urlsafe_b64decode

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings


@functools.cache
def cipher() -> MultiFernet:
    """The cipher, built from the settings once per process, on first use. Called directly: a lazy proxy in front of
    it cost more than a third of each decryption (a page of cases decrypts a hundred fields)."""
    keys = [settings.FIELD_ENCRYPTION_KEY, *getattr(settings, "FIELD_ENCRYPTION_KEY_FALLBACKS", [])]
    return MultiFernet([Fernet(key) for key in keys])


# Decrypting many tokens at once (a page of cases: a NIK and a phone per row). Switch: FIELD_DECRYPTION_BATCHED; off,
# each token goes through Fernet on its own (the plain fallback, and the path of anything this one does not take).
#
# Fernet's own decrypt builds an HMAC, a CBC cipher context and a padding context per token, in Python around the
# primitives: ~30 µs per NIK, most of a page of 50 cases (measured: 100 tokens 2.9 ms through Fernet, 1.1 ms here).
# Here each token's version byte and HMAC-SHA256 are checked exactly as Fernet checks them (constant-time compare),
# then the CBC ciphertext of all of them is decrypted in one call: CBC decryption is each block's AES decryption
# XOR the block before it (the IV for the first), so one AES pass over the concatenated blocks (ECB) and an XOR per
# token give every token's plaintext; the PKCS7 padding is checked and removed as Fernet does. A token this does not
# accept (another key of a rotation, a malformed one) goes to Fernet itself, which decrypts it or refuses loudly.
_VERSION, _HEADER, _MAC = 0x80, 25, 32  # version (1) + timestamp (8) + IV (16); HMAC-SHA256 at the end


@functools.cache
def _current_keys(key: str) -> tuple[bytes, bytes]:
    raw = urlsafe_b64decode(key)
    return raw[:16], raw[16:]  # signing key, encryption key (Fernet's layout)


def _one(token: str) -> str:
    return cipher().decrypt(token.encode()).decode()


def decrypt_many(tokens: list) -> list:
    """The text of each Fernet token in `tokens` ("" and None stay as they are), as `cipher().decrypt` gives it."""
    if not settings.FIELD_DECRYPTION_BATCHED:
        return [_one(token) if token else token for token in tokens]
    signing, encryption = _current_keys(settings.FIELD_ENCRYPTION_KEY)
    plain = list(tokens)
    checked = []  # (index, decoded token)
    for index, token in enumerate(tokens):
        if not token:
            continue
        try:
            data = urlsafe_b64decode(token)
        except ValueError:  # binascii.Error: Fernet refuses it below
            data = b""
        size = len(data) - _HEADER - _MAC
        if (
            size < 16
            or size % 16
            or data[0] != _VERSION
            or not hmac.compare_digest(hmac.digest(signing, data[:-_MAC], "sha256"), data[-_MAC:])
        ):
            plain[index] = _one(token)
            continue
        checked.append((index, data))
    if not checked:
        return plain
    blocks = Cipher(algorithms.AES(encryption), modes.ECB()).decryptor()  # noqa: S305 (CBC, chained below)
    decrypted = blocks.update(b"".join(data[_HEADER:-_MAC] for _index, data in checked))
    at = 0
    for index, data in checked:
        body = data[_HEADER:-_MAC]
        size = len(body)
        chained = data[9:_HEADER] + body[:-16]  # the IV, then each ciphertext block but the last
        padded = (int.from_bytes(decrypted[at : at + size]) ^ int.from_bytes(chained)).to_bytes(size)
        at += size
        pad = padded[-1]
        if not 1 <= pad <= 16 or padded[-pad:] != bytes((pad,)) * pad:
            plain[index] = _one(tokens[index])  # Fernet refuses it
            continue
        plain[index] = padded[:-pad].decode()
    return plain
