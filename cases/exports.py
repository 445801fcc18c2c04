"""The case list as a file (issue 17 §5): the cases the person sees in the admin's case list, with its filters.

Only roles that may see people's data ask for it (district and province staff, auditors); never partners, finance
approvers or leadership. The rows come through the access rule as the person who asked, read in keyset chunks.
"""

import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agencies import access
from agencies.exports import ExportKind, keyset_chunks, one_of, positive_id, register, register_filter_label
from agencies.models import Export, Role

from .models import Case
from .privacy import restricted, unrestricted

# The case list's filters by their query-string names (cases.admin.CaseAdmin.list_filter): ids and codes only.
FILTERS = {
    "stage__exact": one_of(Case.Stage.values),
    "target_group__code__exact": positive_id,
    "site": positive_id,
    "owner": positive_id,
    "caseworker": one_of(["me", "none"]),
}

# The trail reads these filters in words; ids stay ids (no lookup for each event of the trail it shows).
register_filter_label(
    "stage__exact", _("Stage"), lambda code: str(Case.Stage(code).label) if code in Case.Stage.values else code
)
register_filter_label("target_group__code__exact", _("Target group"))
register_filter_label("site", _("Site of origin"))
register_filter_label("owner", _("Owning office"))
register_filter_label(
    "caseworker", _("Caseworker"), lambda value: str({"me": _("Mine"), "none": _("Nobody yet")}.get(value, value))
)

COLUMNS = (
    "number",
    "person__full_name",
    "person__known_as",
    "stage",
    "target_group__name",
    "site__name",
    "owner__name",
    "caseworker__first_name",
    "caseworker__last_name",
    "caseworker__username",
    "created_at",
)


@register
class CaseListExport(ExportKind):
    code = "cases.case_list"
    label = _("Case list")
    roles = frozenset({Role.DISTRICT_STAFF, Role.PROVINCE_STAFF, Role.AUDITOR})
    filters = FILTERS
    step_up = True

    def header(self) -> list[str]:
        return [
            str(pgettext_lazy("export column", "Case number")),
            str(pgettext_lazy("export column", "Name")),
            str(pgettext_lazy("export column", "Nickname")),
            str(pgettext_lazy("export column", "Stage")),
            str(pgettext_lazy("export column", "Target group")),
            str(pgettext_lazy("export column", "Site of origin")),
            str(pgettext_lazy("export column", "Owning office")),
            str(pgettext_lazy("export column", "Caseworker")),
            str(pgettext_lazy("export column", "Registered")),
        ]

    def cases(self, actor, filters: dict):
        """The cases `actor` sees in the case list with `filters` applied, as the list's filters apply them, but
        those of persons whose processing is restricted: a restriction stops exports (cases/privacy.py)."""
        return self._listed(actor, filters).filter(unrestricted())

    def left_out(self, actor, filters: dict) -> int:
        """The cases the list's filters reach whose person's processing is restricted: counted, not written."""
        return self._listed(actor, filters).filter(restricted()).count()

    def _listed(self, actor, filters: dict):
        rows = access.visible_to(actor, Case)
        if "stage__exact" in filters:
            rows = rows.filter(stage=filters["stage__exact"])
        if "target_group__code__exact" in filters:
            rows = rows.filter(target_group_id=filters["target_group__code__exact"])
        if "site" in filters:
            rows = rows.filter(site_id=filters["site"])
        if "owner" in filters:
            rows = rows.filter(owner_id=filters["owner"])
        if filters.get("caseworker") == "me":
            rows = rows.filter(caseworker=actor)
        elif filters.get("caseworker") == "none":
            rows = rows.filter(caseworker__isnull=True)
        return rows

    def chunks(self, actor, filters: dict, *, size: int):
        # The words of a stage and of a day are made once per export, not once per row (run in the requester's
        # language and office zone): formatting a date per row was the slowest part of a large export.
        stages = {code: str(label) for code, label in Case.Stage.choices}
        days: dict[datetime.date, str] = {}
        zone = timezone.get_current_timezone()

        def registered(moment: datetime.datetime) -> str:
            day = moment.astimezone(zone).date()
            words = days.get(day)
            if words is None:
                words = days[day] = formats.date_format(day, "DATE_FORMAT")
            return words

        for chunk in keyset_chunks(self.cases(actor, filters), COLUMNS, size=size):
            yield [
                [
                    number,
                    name,
                    known_as,
                    stages.get(stage, stage),
                    target_group or "",
                    site or "",
                    owner or "",
                    # A case nobody works on has no caseworker: an empty cell (None's are not names).
                    " ".join(filter(None, (first, last))) or username or "",
                    registered(created_at),
                ]
                for number, name, known_as, stage, target_group, site, owner, first, last, username, created_at in chunk
            ]


@register
class SubjectAccessBundle(ExportKind):
    """A person's subject-access bundle (cases.subject_access): written by its service while the officer waits,
    never queued; downloaded from the request's page (and "Ekspor saya") by the officer who prepared it."""

    code = "cases.subject_access"
    label = _("Subject-access bundle")
    formats = (Export.Format.PDF, Export.Format.JSON)
    roles = frozenset({Role.DATA_PROTECTION_OFFICER})
    queued = False
    # Her whole file leaves the system: the second factor again (issue 18 item 4), wherever it is downloaded.
    step_up = True

    def title(self, filters: dict) -> str:
        return _("Subject-access bundle, request #%(pk)s") % {"pk": filters.get("request", "")}
