"""The case work on the admin home (agencies.work): referrals waiting for an answer, possible duplicates to review
and the person's own cases by stage, each counted by its one definition in cases.due, through agencies.access."""

import datetime
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agencies import access
from agencies.models import Role
from agencies.work import PRIVACY, Line, WorkContext, privacy_source, work_source

from . import due
from .models import Case, CorrectionRequest, PossibleDuplicate, Referral, SubjectAccessRequest

WAITING = _("Waiting for an answer")
# How far back the referrer's home shows the answers to their office's referrals (the list's "answered" choice).
ANSWERS_SHOWN_FOR = datetime.timedelta(days=7)
MY_CASES = _("My cases by stage")


def changelist(model, **params) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


@work_source(order=20)
def waiting_for_an_answer(actor, context: WorkContext):
    if context.holds(*(role for role in due.RECEIVING_ROLES if role != Role.PROVINCE_STAFF)):
        waiting = due.referrals_waiting(actor)
        answering = context.holds(Role.DISTRICT_STAFF, Role.NGO_CASEWORKER)
        yield Line(
            section=WAITING,
            label=_("Referrals waiting for my office"),
            url=changelist(Referral, inbox="mine"),
            rows=waiting,
            always=answering,
        )
        if context.holds(Role.DISTRICT_STAFF):
            yield Line(
                section=WAITING,
                label=_("Repatriations to accept"),
                url=changelist(Referral, inbox="mine", kind__exact=Referral.Kind.REPATRIATION),
                rows=waiting.filter(kind=Referral.Kind.REPATRIATION),
                always=True,
            )
    if context.holds(Role.PROVINCE_STAFF):
        yield Line(
            section=WAITING,
            label=_("Referrals waiting in my province's offices"),
            url=changelist(Referral, inbox="area"),
            rows=due.referrals_waiting_in_area(actor),
            always=True,
        )
    if context.holds(*due.CASE_WORKING_ROLES):
        yield Line(
            section=WAITING,
            label=_("Answers to my office's referrals, past 7 days"),
            url=changelist(Referral, sent="answered"),
            rows=due.referrals_answered(actor, context.now - ANSWERS_SHOWN_FOR),
        )
        yield Line(
            section=WAITING,
            label=_("Possible duplicates to review"),
            url=changelist(PossibleDuplicate, status__exact=PossibleDuplicate.Status.OPEN),
            rows=due.duplicates_to_review(actor),
        )


@work_source(order=50)
def my_cases(actor, context: WorkContext):
    if not context.holds(*due.CASE_WORKING_ROLES):
        return
    mine = due.my_open_cases(actor)
    for stage, label in Case.Stage.choices:
        if stage == Case.Stage.CLOSED:
            continue
        yield Line(
            section=MY_CASES,
            label=label,
            url=changelist(Case, caseworker="me", stage__exact=stage),
            rows=mine.filter(stage=stage),
        )


@privacy_source(order=10)
def subject_access_requests(actor, context: WorkContext):
    """The data-protection officer's open subject-access requests, and those past their 3×24 hours, first."""
    open_rows = access.visible_to(actor, SubjectAccessRequest).filter(status__in=SubjectAccessRequest.OPEN)
    yield Line(
        section=PRIVACY,
        label=_("Subject-access requests past their deadline"),
        url=changelist(SubjectAccessRequest, due="late"),
        rows=open_rows.filter(due_at__lt=context.now),
    )
    yield Line(
        section=PRIVACY,
        label=_("Subject-access requests open"),
        url=changelist(SubjectAccessRequest, due="open"),
        rows=open_rows,
        always=True,
    )


@privacy_source(order=15)
def correction_requests(actor, context: WorkContext):
    """The data-protection officer's queue: correction requests in their jurisdiction waiting for a decision that
    someone else recorded (whoever recorded one may not decide it), and those past their 3×24 hours."""
    waiting = (
        access.visible_to(actor, CorrectionRequest)
        .filter(status=CorrectionRequest.Status.PENDING)
        .exclude(made_by=actor)
    )
    yield Line(
        section=PRIVACY,
        label=_("Correction requests waiting for my decision"),
        url=changelist(CorrectionRequest, status__exact=CorrectionRequest.Status.PENDING),
        rows=waiting,
        oldest_of="due_at",
        always=True,
    )
    yield Line(
        section=PRIVACY,
        label=_("Correction requests past their 3×24 hours"),
        url=changelist(CorrectionRequest, status__exact=CorrectionRequest.Status.PENDING),
        rows=waiting.filter(due_at__lt=context.now),
    )
