"""Row locks of the agencies app, each returning the row re-read under `SELECT … FOR UPDATE`.

Order, when a service takes more than one: agency, then membership or API client, then user; a notification is
locked on its own. Every app's locks come after these (agencies is the leftmost app, DESIGN §3).
"""

from .models import Agency, ApiClient, Incident, Membership, Notification, User


def agency(pk: int) -> Agency:
    return Agency.objects.select_for_update().get(pk=pk)


def membership(pk: int) -> Membership:
    return Membership.objects.select_for_update().get(pk=pk)


def api_client(pk: int) -> ApiClient:
    """The client and its agency (read in the same locking join)."""
    return ApiClient.objects.select_for_update().select_related("agency").get(pk=pk)


def user(pk: int) -> User:
    return User.objects.select_for_update().get(pk=pk)


def notification(pk: int) -> Notification:
    return Notification.objects.select_for_update().get(pk=pk)


def unsent_notification_unless_taken(pk: int) -> Notification | None:
    """The email, still unsent, locked for the whole send; None when it was sent or another worker holds it."""
    return (
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("recipient")
        .filter(pk=pk, status__in=Notification.UNSENT)
        .first()
    )


def incident(pk: int) -> Incident:
    """The incident, with its office and the office's region (read in the same locking statement)."""
    return Incident.objects.select_for_update(of=("self",)).select_related("agency__region").get(pk=pk)
