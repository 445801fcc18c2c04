"""Every row-level change to sites, persons, cases, consents and referrals: one function, one transaction, audited.

One module per sub-domain; callers import the services from here (`cases.services.case_transition`). Intake, which
registers many rows at once, is its own package (`cases.intake`).
"""

from .consent import consent_give, consent_withdraw
from .corrections import correction_request_approve, correction_request_record, correction_request_reject
from .duplicates import possible_duplicate_dismiss, possible_duplicate_merge
from .lifecycle import (
    ASSESSMENT_EDITABLE,
    assessment_record,
    assessment_update,
    case_assign,
    case_enter_intervention_on_promotion,
    case_note_add,
    case_step_forward_held,
    case_transition,
)
from .persons import PERSON_EDITABLE, check_nik, person_nik_reveal, person_update
from .referrals import referral_accept, referral_complete, referral_create, referral_decline, referral_receiver_is
from .restrictions import person_restrict, person_restriction_lift
from .sites import site_count_record, site_create, site_update
from .subject_access import (
    subject_access_bundle_build,
    subject_access_deliver,
    subject_access_download,
    subject_access_identity_check,
    subject_access_refuse,
    subject_access_request_record,
    subject_find,
)

__all__ = [
    "ASSESSMENT_EDITABLE",
    "PERSON_EDITABLE",
    "assessment_record",
    "assessment_update",
    "case_assign",
    "case_enter_intervention_on_promotion",
    "case_note_add",
    "case_step_forward_held",
    "case_transition",
    "check_nik",
    "consent_give",
    "consent_withdraw",
    "correction_request_approve",
    "correction_request_record",
    "correction_request_reject",
    "person_nik_reveal",
    "person_restrict",
    "person_restriction_lift",
    "person_update",
    "possible_duplicate_dismiss",
    "possible_duplicate_merge",
    "referral_accept",
    "referral_complete",
    "referral_create",
    "referral_decline",
    "referral_receiver_is",
    "site_count_record",
    "site_create",
    "site_update",
    "subject_access_bundle_build",
    "subject_access_deliver",
    "subject_access_download",
    "subject_access_identity_check",
    "subject_access_refuse",
    "subject_access_request_record",
    "subject_find",
]
