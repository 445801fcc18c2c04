"""A page's encrypted fields are decrypted together (agencies.encryption.decrypt_many, switch
FIELD_DECRYPTION_BATCHED): every value must come out exactly as Fernet gives it, and every token Fernet refuses must
still be refused, loudly."""

import pytest
from cryptography.fernet import Fernet, InvalidToken

from agencies.encryption import cipher, decrypt_many

# Plaintexts of every padding length (0 to 16 bytes of PKCS7, and several blocks), non-ASCII included.
TEXTS = ["3510014501900001", "081234567890", "a", "Dusun Krajan RT 003/RW 002", "é" * 40, "x" * 15, "y" * 32]


@pytest.fixture(params=[True, False], ids=["batched", "one by one"])
def batched(request, settings):
    settings.FIELD_DECRYPTION_BATCHED = request.param
    return request.param


def test_every_value_comes_out_as_fernet_decrypts_it(batched):
    tokens = [cipher().encrypt(text.encode()).decode() for text in TEXTS * 3]

    assert decrypt_many(tokens) == [cipher().decrypt(token.encode()).decode() for token in tokens] == TEXTS * 3


def test_blanks_and_nulls_stay_as_they_are_between_tokens(batched):
    token = cipher().encrypt(b"081234567890").decode()

    assert decrypt_many(["", token, None, token]) == ["", "081234567890", None, "081234567890"]


def test_a_token_of_an_older_key_still_decrypts_during_a_rotation(batched, settings):
    old = Fernet.generate_key()
    settings.FIELD_ENCRYPTION_KEY_FALLBACKS = [old.decode()]
    cipher.cache_clear()
    try:
        tokens = [Fernet(old).encrypt(b"3510014501900001").decode(), cipher().encrypt(b"081234567890").decode()]

        assert decrypt_many(tokens) == ["3510014501900001", "081234567890"]
    finally:
        cipher.cache_clear()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:],  # the HMAC no longer matches
        lambda token: token[:40] + ("A" if token[40] != "A" else "B") + token[41:],  # the ciphertext changed
        lambda token: token[:-44],  # cut short
        lambda token: "not a token at all",
        lambda token: Fernet(Fernet.generate_key()).encrypt(b"3510014501900001").decode(),  # a key we do not hold
    ],
    ids=["mac", "ciphertext", "short", "garbage", "unknown key"],
)
def test_a_token_fernet_refuses_is_refused_loudly(batched, tamper):
    good = cipher().encrypt(b"3510014501900001").decode()

    with pytest.raises(InvalidToken):
        decrypt_many([good, tamper(good)])
