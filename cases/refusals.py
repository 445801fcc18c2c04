"""What the cases services say when they refuse: one constant per message, translated when shown.

Services raise these in a ValidationError keyed by the field to correct (or a PermissionDenied); tests compare with
the constant, not with its English words. The NIK warnings of an intake are not refusals and stay with the check.
"""

from django.utils.translation import gettext_lazy as _

# Who may record
MAY_NOT_RECORD = _("You may not record this.")

# Sites
COUNT_IN_FUTURE = _("A count cannot be dated in the future.")

# A person's details
NIK_NOT_16_DIGITS = _("A NIK has exactly 16 digits.")
BIRTH_DATE_IN_FUTURE = _("The birth date is in the future.")
BIRTH_DATE_BEFORE_1900 = _("Enter a birth date from 1900 on.")
BIRTH_YEAR_OUT_OF_RANGE = _("Enter a birth year between 1900 and this year.")
# Formatted with the case's number: only a case the actor may see is named.
NIK_REGISTERED_HERE = _("A person with this NIK is already registered: case %(number)s.")
NIK_REGISTERED_ELSEWHERE = _(
    "A person with this NIK is registered in another district. Ask that office for a transfer."
)

# Intake
OWNER_MISSING = _("Choose the regency/city social-service office that will own the case.")
OWNER_NOT_ACTIVE_DISTRICT_OFFICE = _("A case is owned by an active regency/city social-service office.")
OWNER_NOT_OWN_DISTRICT = _("The owning office must be the social-service office of your own regency/city.")
TARGET_GROUP_MISSING = _("Choose the person's target group.")
EXTERNAL_ID_REGISTERED = _("This agency already registered a case with this external id.")

# The lifecycle
STAGE_UNKNOWN = _("Unknown stage.")
STAGE_UNCHANGED = _("The case is already at this stage.")
REOPEN_NOT_OWNER_STAFF = _("Only staff of the owning office may reopen a closed case.")
REOPEN_NEEDS_REASON = _("Reopening a closed case needs a recorded reason.")
ANOTHER_OPEN_CASE = _("This person already has another open case.")
CLOSE_REASON_MISSING = _("Choose why the case is closed.")
CLOSE_OTHER_NEEDS_REASON = _("Explain the closure when the reason is 'Other'.")
SKIP_NEEDS_REASON = _("Skipping a stage or going back needs a recorded reason.")
CASEWORKER_NOT_ON_CASE = _("The caseworker must work at the owning office or the registering agency.")
ASSESSMENT_IN_FUTURE = _("An assessment cannot be dated in the future.")

# Consent
CONSENT_IN_FUTURE = _("Consent cannot be dated in the future.")
SHARING_AGENCY_MISSING = _("Name the agency the person agrees to share data with.")
WITHDRAWAL_IN_FUTURE = _("A withdrawal cannot be dated in the future.")
CONSENT_ALREADY_WITHDRAWN = _("This consent was already withdrawn.")
WITHDRAWAL_BEFORE_GIVEN = _("A consent cannot be withdrawn before it was given.")
NO_SHARING_CONSENT = _("The person has no current consent to share their data with this agency.")

# Referrals and transfers
REFERRAL_AGENCY_NOT_ACTIVE = _("Choose an active agency to refer to.")
REFERRAL_REASON_MISSING = _("Give the reason for the referral.")
REFERRAL_CASE_CLOSED = _("A closed case cannot be referred.")
REPATRIATION_NOT_OTHER_DISTRICT = _("Repatriation goes to the social-service office of another regency/city.")
REFERRAL_NOT_RECEIVER = _("Only the agency the case was referred to may answer the referral.")
REFERRAL_ALREADY_ANSWERED = _("This referral has already been answered.")
DECLINE_REASON_MISSING = _("Give the reason for declining.")
REFERRAL_NOT_ACCEPTED = _("Only an accepted referral can be completed.")

# Duplicates
PAIR_ALREADY_REVIEWED = _("This pair has already been reviewed.")
PERSON_ALREADY_MERGED = _("One of these persons was already merged.")
BOTH_HAVE_OPEN_CASES = _("Both persons have an open case: close one of them first.")

# A person's data-protection rights (UU 27/2022): correction and restriction
RESTRICTED_NO_SHARING = _(
    "Processing of this person's data is restricted: it may not be shared with another agency while the "
    "restriction is in force."
)
RESTRICTION_IN_FORCE_ALREADY = _("Processing of this person's data is already restricted.")
RESTRICTION_LIFTED_ALREADY = _("This restriction has already been lifted.")
RESTRICTION_REASON_MISSING = _("Choose the reason.")
ONLY_THE_OFFICER = _("Only the data-protection officer responsible for the owning office may do this.")
CORRECTION_NOT_AT_DESK = _(
    "A correction request is recorded by the owning office's staff or by the data-protection officer."
)
CORRECTION_FIELD_UNKNOWN = _("Choose a field that can be corrected.")
CORRECTION_SAME_VALUE = _("The corrected value is the value already recorded.")
CORRECTION_RECEIVED_IN_FUTURE = _("The request cannot have been received in the future.")
CORRECTION_EVIDENCE_MISSING = _("Say what was seen.")
CORRECTION_DECIDED_ALREADY = _("This request has already been decided.")
CORRECTION_OWN_REQUEST = _("Whoever recorded a request may not decide it: another person decides.")
CORRECTION_CHANGED_MEANWHILE = _(
    "The field has changed since the request was recorded: reject this request and record a new one."
)
CORRECTION_REJECT_REASON_MISSING = _("Give the reason for rejecting the request.")
CORRECTION_DATE_INVALID = _("Enter the date as day/month/year, such as 04/05/1990.")
CORRECTION_YEAR_INVALID = _("Enter a year of four digits, such as 1990.")
CORRECTION_SEX_INVALID = _("Enter P (perempuan, female) or L (laki-laki, male).")
CORRECTION_REGION_INVALID = _("Enter a Kemendagri region code, such as 33.03 or 33.03.01.")
CORRECTION_TARGET_GROUP_INVALID = _("Enter a target group code, such as 10.")
CORRECTION_CASE_UNKNOWN = _("There is no case with this number among the offices you handle.")
CORRECTION_NIK_REGISTERED = _(
    "A person with this NIK is already registered, so the correction cannot be applied. Reject the request, or "
    "ask the owning office to look for a duplicate registration."
)
# Told to the agency a referral was sent to: nothing about why (a restriction is the person's own business).
REFERRAL_NO_LONGER_OPEN = _("This referral can no longer be accepted. Ask the referring office.")
CORRECTION_NAME_MISSING = _("A person's full name cannot be left empty.")
