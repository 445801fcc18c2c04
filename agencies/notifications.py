"""Reminders and event emails: written once, sent once, never with a person's data in them (issue 7).

Apps to the right plug in through three seams, so `agencies` never imports them:
- `register_kind` names a kind of email: its templates and whether its recipients may switch it off;
- `composer` adds a function that, given the time, returns the reminders due then (`Draft`s);
- `withholder` adds a function that, given the subjects of a batch about to be sent, returns those that may no
  longer be written about (a person's processing restricted since the row was written: cases.privacy).

`notifications_compose` runs every composer and writes one `Notification` row per (recipient, kind, subject,
period); the unique constraint turns a second beat or a retried task into a no-op. Beat runs it once a morning
per time zone (WIB, WITA, WIT: the schedules are rows province staff can change in the admin), for the offices in
that zone; `manage.py send_reminders --now` runs it for all.

Events that must go out at once (a referral arrives, a request is rejected) call `notify` inside the service's
own transaction: the row is the outbox, delivered by a worker after commit, or by the minute sweep
(`notifications_dispatch`) when the broker was down at the time.

`notifications_deliver` sends each row under its own row lock and marks it sent in the same transaction, so two
workers never send one row, and a worker killed mid-send leaves the row unsent for the sweep. (If it dies after
the SMTP server accepted but before the commit, the message goes again, with the same Message-ID.)
"""

import contextlib
import datetime
import logging
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_date
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import access, audit, audit_labels, locks
from .models import Agency, Membership, Notification, NotificationOptOut, User

logger = logging.getLogger(__name__)

# Rows per delivery task: one SMTP connection each.
DELIVERY_CHUNK = 100
# Rows written per INSERT when composing.
WRITE_CHUNK = 500
# After this many failed attempts a row waits for someone to press "send again" in the admin.
MAX_ATTEMPTS = 30
UNSUBSCRIBE_SALT = "agencies.notifications.unsubscribe"
# `last_error` of a row whose recipient cannot be written to; otherwise it holds the SMTP error's class.
NO_ADDRESS = "no active recipient address"
# `last_error` of a row skipped at send time because what it is about may no longer be written about.
WITHHELD = "withheld: processing restricted"


@dataclass(frozen=True)
class Kind:
    code: str
    label: Promise | str
    # "<app>/notifications/<name>": `<name>_subject.txt` and `<name>.txt` are rendered.
    template: str
    # Critical kinds (escalations, a referral addressed to you) cannot be switched off.
    critical: bool = False
    # Sent even when its subject is withheld (`withholder`): the email that tells of the withholding itself.
    despite_restriction: bool = False


@dataclass
class Draft:
    """An email about to be written: who gets it, about what, for which period, and the template's context."""

    recipient: User
    agency: Agency
    kind: str
    subject: str = ""
    period: str = ""
    context: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple:
        return (self.recipient.pk, self.kind, self.subject, self.period)


KINDS: dict[str, Kind] = {}
_composers: list[Callable[[datetime.datetime], Iterable[Draft]]] = []
_withholders: list[Callable[[set[str]], set[str]]] = []


def register_kind(
    code: str, label, template: str, *, critical: bool = False, despite_restriction: bool = False
) -> Kind:
    kind = Kind(code, label, template, critical, despite_restriction)
    KINDS[code] = kind
    return kind


def composer(fn: Callable[[datetime.datetime], Iterable[Draft]]):
    """Register `fn(now)` as a source of scheduled reminders."""
    if fn not in _composers:
        _composers.append(fn)
    return fn


def withholder(fn: Callable[[set[str]], set[str]]):
    """Register `fn(subjects)`: of these subjects ("cases.referral:12"), those no email may be sent about now. Asked
    once per delivery batch, so it should answer in one query whatever the number of subjects."""
    if fn not in _withholders:
        _withholders.append(fn)
    return fn


def withheld(subjects: set[str]) -> set[str]:
    """The subjects among `subjects` some app withholds now."""
    found: set[str] = set()
    for fn in _withholders if subjects else ():
        found |= fn(subjects)
    return found


# How a row reads in the admin: labels, not the codes stored


# The words a period may be, besides a date: the state of the row an event email is about.
PERIOD_WORDS = {
    "created": gettext_lazy("when it arrived"),
    "accepted": gettext_lazy("accepted"),
    "declined": gettext_lazy("declined"),
    "rejected": gettext_lazy("rejected"),
    "withdrawn": gettext_lazy("withdrawn"),
}


def kind_label(code: str) -> str:
    """The kind's label, as the reminder settings page names it."""
    kind = KINDS.get(code)
    return str(kind.label) if kind is not None else code


def period_label(period: str) -> str:
    """`2026-12-04` → `4 Des 2026`, `2026-12` → `Des 2026`, `level-2` → escalation level 2, `starts-…` → starting
    on the date, a state as its word."""
    if period.startswith("level-"):
        return _("escalation level %(level)s") % {"level": period.removeprefix("level-")}
    if period.startswith("starts-"):
        return _("starting %(date)s") % {"date": period_label(period.removeprefix("starts-"))}
    day = parse_date(period) if len(period) == 10 else parse_date(f"{period}-01") if len(period) == 7 else None
    if day is not None:
        return formats.date_format(day, "DATE_FORMAT" if len(period) == 10 else "YEAR_MONTH_FORMAT")
    return str(PERIOD_WORDS.get(period, period))


def error_label(last_error: str) -> str:
    """Why the last attempt failed, in words; the mail library's error class stays beside it for the technician."""
    if last_error == NO_ADDRESS:
        return _("The recipient has no active account with an email address.")
    if last_error == WITHHELD:
        return _("Not sent: the processing of the data of the person it is about was restricted after it was written.")
    return _("The mail server refused the email or could not be reached (%(error)s).") % {"error": last_error}


def subject_label(subject: str) -> str:
    """`programs.followup:12` → `Tindak lanjut #12`: the row an email is about, by its model's name."""
    model_label, _sep, pk = subject.partition(":")
    try:
        model = apps.get_model(model_label)
    except (LookupError, ValueError):
        return subject
    return audit_labels.target_label(model, pk)


# The trail's "email queued again" event names the kind, which has no choices on the model: label it here.
audit_labels.VALUE_LABELS["agencies.Notification.kind"] = kind_label


# Time and place


def zone_of(agency: Agency | None) -> ZoneInfo:
    """The office's time zone (WIB, WITA, WIT or Pontianak); the server's when the office has none."""
    name = agency.region.time_zone if agency is not None and agency.region_id else ""
    return ZoneInfo(name or settings.TIME_ZONE)


def local_now(agency: Agency | None, now: datetime.datetime) -> datetime.datetime:
    return now.astimezone(zone_of(agency))


def offices_of(user_ids: Iterable[int], roles: Iterable[str] | None = None) -> dict[int, Membership]:
    """Each active user's office: their first active membership of an active agency, with user and region loaded."""
    memberships = Membership.objects.filter(
        user_id__in=list(user_ids), active=True, agency__active=True, user__is_active=True
    ).select_related("agency__region", "user")
    if roles is not None:
        memberships = memberships.filter(role__in=list(roles))
    offices: dict[int, Membership] = {}
    for m in memberships.order_by("user_id", "pk"):
        offices.setdefault(m.user_id, m)
    return offices


def office_of(user: User, default: Agency) -> Agency:
    """The office `user` hears from us for (their first active membership's agency), else `default`."""
    membership = offices_of([user.pk]).get(user.pk)
    return membership.agency if membership is not None else default


def members_of(agency_ids: Iterable[int], roles: Iterable[str]) -> dict[int, list[User]]:
    """Active members of each agency in one of `roles`."""
    found: dict[int, list[User]] = {}
    memberships = (
        Membership.objects.filter(
            agency_id__in=list(agency_ids), role__in=list(roles), active=True, agency__active=True, user__is_active=True
        )
        .select_related("user")
        .order_by("agency_id", "user_id")
    )
    for m in memberships:
        users = found.setdefault(m.agency_id, [])
        if m.user not in users:
            users.append(m.user)
    return found


def admin_link(viewname: str, pk) -> str:
    """An absolute link to an admin page; it carries a row id, never a person's data."""
    return settings.SITE_URL + reverse(viewname, args=[pk])


def admin_link_maker(viewname: str) -> Callable[[object], str]:
    """`admin_link` for many rows: reverse() once, then fill in each id."""
    template = settings.SITE_URL + reverse(viewname, args=[999999999])
    return lambda pk: template.replace("999999999", str(pk))


# Writing


def _opted_out(drafts: list[Draft]) -> set[tuple[int, str]]:
    optional = {d.kind for d in drafts if not KINDS[d.kind].critical}
    if not optional:
        return set()
    return set(
        NotificationOptOut.objects.filter(
            kind__in=optional, user_id__in={d.recipient.pk for d in drafts if d.kind in optional}
        ).values_list("user_id", "kind")
    )


def _existing(drafts: list[Draft]) -> set[tuple]:
    if not drafts:
        return set()
    rows = Notification.objects.filter(
        kind__in={d.kind for d in drafts},
        period__in={d.period for d in drafts},
        recipient_id__in={d.recipient.pk for d in drafts},
    ).values_list("recipient_id", "kind", "subject", "period")
    return set(rows)


def unsubscribe_token(user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """The (user id, kind) a link was made for; raises signing.BadSignature for anything else."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(data, dict) or data.get("k") not in KINDS or not isinstance(data.get("u"), int):
        raise signing.BadSignature("not an unsubscribe token")
    return data["u"], data["k"]


def unsubscribe_link(user_id: int, kind: str) -> str:
    return settings.SITE_URL + reverse("notifications-unsubscribe", args=[unsubscribe_token(user_id, kind)])


def render(draft: Draft) -> tuple[str, str]:
    """The email's subject and text, in the recipient's language and the office's time zone."""
    kind = KINDS[draft.kind]
    context = {
        **draft.context,
        "site_url": settings.SITE_URL,
        "kind": kind,
        "unsubscribe_url": "" if kind.critical else unsubscribe_link(draft.recipient.pk, kind.code),
    }
    with (
        translation.override(draft.recipient.language or settings.LANGUAGE_CODE),
        timezone.override(zone_of(draft.agency)),
    ):
        subject = render_to_string(f"{kind.template}_subject.txt", context)
        body = render_to_string(f"{kind.template}.txt", context)
    return " ".join(subject.split())[:200], body.strip() + "\n"


def _rows(drafts: Iterable[Draft]) -> list[Notification]:
    drafts = [d for d in drafts if d.recipient.email]
    skip = _existing(drafts)
    opted_out = _opted_out(drafts)
    rows, seen = [], set()
    for draft in drafts:
        if draft.key in skip or draft.key in seen or (draft.recipient.pk, draft.kind) in opted_out:
            continue
        seen.add(draft.key)
        email_subject, body = render(draft)
        rows.append(
            Notification(
                recipient=draft.recipient,
                agency=draft.agency,
                kind=draft.kind,
                subject=draft.subject,
                period=draft.period,
                email_subject=email_subject,
                body=body,
            )
        )
    return rows


def notify(drafts: Iterable[Draft]) -> None:
    """Write event emails into the outbox within the caller's transaction; they are sent after it commits."""
    rows = _rows(drafts)
    if not rows:
        return
    # ON CONFLICT DO NOTHING: an event written twice (a replayed request) stays one email, and the caller's
    # transaction is not broken by the duplicate.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    keys = Q()
    for row in rows:
        keys |= Q(recipient_id=row.recipient_id, kind=row.kind, subject=row.subject, period=row.period)
    ids = list(Notification.objects.filter(keys, status=Notification.Status.PENDING).values_list("pk", flat=True))
    transaction.on_commit(lambda: _enqueue(ids))


def _enqueue(ids: list[int]) -> None:
    from .tasks import notifications_deliver_task

    for start in range(0, len(ids), DELIVERY_CHUNK):
        chunk = ids[start : start + DELIVERY_CHUNK]
        try:
            notifications_deliver_task.apply_async((chunk,), retry=False)
        except Exception:  # noqa: BLE001 — any broker fault: the rows are safe in the outbox
            # The change is committed and the email is in the outbox; the minute sweep sends it once the broker
            # is back. Only the count is logged: the rows are about people.
            logger.warning("Broker unavailable: %d notification(s) left for the sweep.", len(chunk))


@transaction.atomic
def notifications_compose(
    *,
    now: datetime.datetime | None = None,
    time_zones: Iterable[str] | None = None,
    composers: Iterable[Callable[[datetime.datetime], Iterable[Draft]]] | None = None,
) -> int:
    """Write every reminder due at `now` not written yet, for offices in `time_zones` (default all), from
    `composers` (default every registered one: a schedule of its own may run just its own, e.g. the breach
    register's escalations every few minutes).

    Returns how many were new when this run looked; a run overlapping another may count rows the other wrote
    first (the unique constraint keeps one of each either way)."""
    now = now or timezone.now()
    zones = None if time_zones is None else {ZoneInfo(z) for z in time_zones}
    written = 0
    for compose in _composers if composers is None else composers:
        drafts = compose(now)
        if zones is not None:
            drafts = (d for d in drafts if zone_of(d.agency) in zones)
        rows = _rows(drafts)
        for start in range(0, len(rows), WRITE_CHUNK):
            created = Notification.objects.bulk_create(rows[start : start + WRITE_CHUNK], ignore_conflicts=True)
            written += len(created)
    return written


# Sending


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retry_ids: list[int] = field(default_factory=list)
    # Seconds until the soonest of `retry_ids` is due again.
    retry_after: float = 0.0


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential backoff from NOTIFICATION_RETRY_SECONDS, at most an hour."""
    base = settings.NOTIFICATION_RETRY_SECONDS
    return datetime.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def _message(n: Notification, connection) -> EmailMessage:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "localhost"
    # The same Message-ID on every attempt lets a mail system recognise a repeat.
    headers = {"Message-ID": f"<notification-{n.pk}@{domain}>", "Auto-Submitted": "auto-generated"}
    kind = KINDS.get(n.kind)
    if kind is not None and not kind.critical:
        link = unsubscribe_link(n.recipient_id, n.kind)
        headers["List-Unsubscribe"] = f"<{link}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return EmailMessage(n.email_subject, n.body, to=[n.recipient.email], headers=headers, connection=connection)


def notifications_deliver(ids: Iterable[int], *, now: datetime.datetime | None = None) -> Delivery:
    """Send these notifications if still unsent; each at most once however many workers try at the same time."""
    result = Delivery()
    ids = list(ids)
    if not ids:
        return result
    opted_out = set(
        NotificationOptOut.objects.filter(user__notifications__pk__in=ids).values_list("user_id", "kind").distinct()
    )
    # Re-checked now, once for the batch: a row written before a restriction began must not go out after it. A
    # row only names what it is about by its `subject`; a digest (no subject) lists several cases and records none
    # of them, so it is not re-checked.
    subjects = set(
        Notification.objects.filter(pk__in=ids, status__in=Notification.UNSENT)
        .exclude(subject="")
        .values_list("subject", flat=True)
    )
    withheld_now = withheld(subjects)
    connection = None
    try:
        for pk in ids:
            with transaction.atomic():
                # Locked for the whole send: a second worker skips it rather than sending it again.
                n = locks.unsent_notification_unless_taken(pk)
                if n is None:
                    continue
                kind = KINDS.get(n.kind)
                if kind is not None and not kind.critical and (n.recipient_id, n.kind) in opted_out:
                    n.status = Notification.Status.SKIPPED
                    n.save(update_fields=["status", "updated_at"])
                    result.skipped += 1
                    continue
                if n.subject in withheld_now and not (kind is not None and kind.despite_restriction):
                    # Skipped, not failed: nothing to retry while the restriction holds.
                    n.status, n.next_attempt_at, n.last_error = Notification.Status.SKIPPED, None, WITHHELD
                    n.save(update_fields=["status", "next_attempt_at", "last_error", "updated_at"])
                    result.skipped += 1
                    continue
                if not n.recipient.email or not n.recipient.is_active:
                    _failed(n, NO_ADDRESS, give_up=True)
                    result.failed += 1
                    continue
                if connection is None:
                    connection = get_connection(fail_silently=False)
                try:
                    # Opened here and kept for the chunk: given a closed connection, send() would open and close
                    # one per email. Inside the try: a server that is down fails this row, as a refusal does.
                    connection.open()
                    _message(n, connection).send()
                except (smtplib.SMTPException, OSError) as exc:
                    _failed(n, type(exc).__name__, now=now)
                    result.failed += 1
                    if n.status == Notification.Status.FAILED:
                        delay = retry_delay(n.attempts).total_seconds()
                        result.retry_after = min(result.retry_after or delay, delay)
                        result.retry_ids.append(n.pk)
                    _close(connection)
                    connection = None
                    continue
                n.status = Notification.Status.SENT
                n.attempts += 1
                n.sent_at = timezone.now()
                n.last_error = ""
                n.save(update_fields=["status", "attempts", "sent_at", "last_error", "updated_at"])
                result.sent += 1
    finally:
        _close(connection)
    return result


def _failed(n: Notification, error: str, *, give_up: bool = False, now=None) -> None:
    n.attempts += 1
    n.last_error = error[:200]
    if give_up or n.attempts >= MAX_ATTEMPTS:
        n.status, n.next_attempt_at = Notification.Status.GAVE_UP, None
    else:
        n.status = Notification.Status.FAILED
        n.next_attempt_at = (now or timezone.now()) + retry_delay(n.attempts)
    n.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "updated_at"])


def _close(connection) -> None:
    if connection is not None:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()


def due_for_sending(now: datetime.datetime | None = None) -> list[int]:
    """Unsent rows whose turn it is: new ones, and failed ones whose backoff has passed."""
    now = now or timezone.now()
    return list(
        Notification.objects.filter(
            Q(status=Notification.Status.PENDING) | Q(status=Notification.Status.FAILED, next_attempt_at__lte=now)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def notifications_dispatch(*, now: datetime.datetime | None = None) -> int:
    """Queue every unsent row that is due (the sweep behind the outbox); returns how many were queued."""
    ids = due_for_sending(now)
    _enqueue(ids)
    return len(ids)


@transaction.atomic
def notification_send_again(*, actor, notification: Notification) -> Notification:
    """Put a failed or given-up email back in the queue (admin "send again")."""
    n = locks.notification(notification.pk)
    access.require_change(actor, n)
    if n.status not in (Notification.Status.FAILED, Notification.Status.GAVE_UP):
        raise ValidationError({"status": _("Only an email that failed can be sent again.")})
    n.status, n.next_attempt_at = Notification.Status.PENDING, None
    n.save(update_fields=["status", "next_attempt_at", "updated_at"])
    audit.record(actor, "agencies.notification.requeued", n, {"kind": n.kind}, agency_id=n.agency_id)
    transaction.on_commit(lambda: _enqueue([n.pk]))
    return n


# Switching reminders off and on


@transaction.atomic
def notification_opt_out(*, user: User, kind: str) -> None:
    """Stop `kind` for `user`. Critical kinds cannot be switched off (a ValidationError)."""
    _require_optional(kind)
    NotificationOptOut.objects.get_or_create(user=user, kind=kind)


@transaction.atomic
def notification_opt_in(*, user: User, kind: str) -> None:
    """Start `kind` again for `user`."""
    _require_optional(kind)
    NotificationOptOut.objects.filter(user=user, kind=kind).delete()


def _require_optional(kind: str) -> None:
    if kind not in KINDS:
        raise ValidationError({"kind": _("There is no such kind of reminder.")})
    if KINDS[kind].critical:
        raise ValidationError({"kind": _("This kind of email cannot be switched off.")})
