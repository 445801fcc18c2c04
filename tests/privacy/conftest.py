import pytest

from agencies.models import Role


@pytest.fixture
def dpo(member, jateng):
    """The data-protection officer of Jawa Tengah's province office: Semarang's office is in their jurisdiction."""
    return member(Role.DATA_PROTECTION_OFFICER, agency=jateng)


@pytest.fixture
def other_dpo(member, banyuwangi):
    """A data-protection officer of another province's office."""
    return member(Role.DATA_PROTECTION_OFFICER, agency=banyuwangi)
