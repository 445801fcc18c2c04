import re
import secrets
from functools import reduce
from operator import or_
from urllib.parse import urlencode

from cryptography.fernet import InvalidToken
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ORDER_VAR, SEARCH_VAR, ChangeList, ChangeListSearchForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import (
    CharField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Cast
from django.forms.models import ModelChoiceIterator
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError as DRFValidationError

from agencies import access, exports, step_up
from agencies.fastpath.admin_filters import LeanQueryStrings
from agencies.models import Agency, User
from agencies.scoped_admin import (
    CASE_WORK_ELSEWHERE,
    PARTNERS,
    RelatedFilter,
    ScopedInline,
    ScopedModelAdmin,
    UncountedChangeList,
    UncountedListAdmin,
    account_name,
    errors_of,
    shown_as_text,
)

from . import due, duplicate_review, names, privacy, selectors, services
from .case_page import case_file, next_stage
from .encryption import cipher
from .forms import (
    INTAKE_FIELDS,
    AssessmentForm,
    ConsentForm,
    CorrectionForm,
    DeclineForm,
    IntakeForm,
    MoveForm,
    NoteForm,
    PersonForm,
    ReferForm,
)
from .intake import case_register
from .intake import sheet as intake_sheet
from .models import (
    Case,
    Consent,
    Person,
    PossibleDuplicate,
    Referral,
    Site,
    SiteCount,
    TargetGroup,
)
from .work import ANSWERS_SHOWN_FOR

NIK_DIGITS = re.compile(r"^\d{16}$")

# The case list's search term lives in the session under a random key; the URL carries only `?s=<key>`. The term
# may be a NIK or a name, so the session table holds it encrypted like the personal fields it searches.
SEARCH_KEY = "s"
KEPT_SEARCHES = 20


def keep_search(request, term: str) -> str:
    """Keep `term` for this session and return the opaque key the list's URL carries instead of it."""
    kept = request.session.get("case_searches", {})
    key = secrets.token_urlsafe(8)
    kept[key] = cipher().encrypt(term.encode()).decode()
    request.session["case_searches"] = dict(list(kept.items())[-KEPT_SEARCHES:])
    return key


def kept_search(request) -> str:
    """The term kept under the list URL's key; empty for no key, or one from another session or long gone."""
    token = request.session.get("case_searches", {}).get(request.GET.get(SEARCH_KEY, ""))
    if not token:
        return ""
    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken:  # kept under a key since rotated out of FIELD_ENCRYPTION_KEY_FALLBACKS
        return ""


# What the case page reads in its one query: the case and its person, and the names of the rows the page shows;
# only the columns it shows (each column more is parsed, and each table more is a join for PostgreSQL to plan: the
# caseworker, shown by id in its choice box, and the person's current site, not shown, are not joined).
CASE_PAGE_JOINED = ("person__home_region", "owner", "registered_by", "target_group", "site", "caseworker")
CASE_PAGE_COLUMNS = (
    "number",
    "person_id",
    "owner_id",
    "registered_by_id",
    "caseworker_id",
    "target_group_id",
    "site_id",
    "stage",
    "stage_changed_at",
    "close_reason",
    "person__full_name",
    "person__known_as",
    "person__nik",
    "person__sex",
    "person__birth_date",
    "person__birth_year",
    "person__phone",
    "person__home_region__name",
    "person__address",
    "person__pseudonymized_at",  # the header says when retention pseudonymized her (cases.retention)
    "owner__name",
    "owner__region_id",
    "registered_by__name",
    "target_group__name",
    "site__name",
    "caseworker__first_name",
    "caseworker__last_name",
    "caseworker__username",
)
# What the case list reads: CaseAdmin.list_display's columns, the person's name joined, the other rows' names by id.
LIST_COLUMNS = (
    "number",
    "stage",
    "created_at",
    "person__full_name",
    "person__known_as",
    "owner",
    "registered_by",
    "target_group",
    "site",
    "caseworker",
)
# The related rows the case list names by id (its person is joined), each read as its name only: owning and
# registering offices, target group, site, caseworker.
LIST_NAMED = ("owner", "registered_by", "target_group", "site", "caseworker")
_NAME_COLUMN = {Agency: "name", TargetGroup: "name", Site: "name", User: "username"}


def name_related(cases: list[Case]) -> None:
    """Give the page's cases their LIST_NAMED rows, each with the columns its name is made of, in ONE statement for
    all of them (a UNION ALL by model): the same objects five prefetches gave, one round trip instead of five. A
    seven-table join instead cost PostgreSQL 10-20 ms to plan for 1 ms of work."""
    fields = [Case._meta.get_field(name) for name in LIST_NAMED]
    wanted: dict = {}
    for field in fields:
        ids = wanted.setdefault(field.related_model, set())
        ids.update(key for case in cases if (key := getattr(case, field.attname)) is not None)
    named = [model for model, ids in wanted.items() if ids]
    found: dict = {}
    if named:
        for kind, key, name in _names_of(named, wanted):
            model = named[kind]
            pk = model._meta.pk.to_python(key)
            columns = [model._meta.pk.attname, _NAME_COLUMN[model]]
            found[(model, pk)] = model.from_db(DEFAULT_DB_ALIAS, columns, [pk, name])
    for field in fields:
        for case in cases:
            key = getattr(case, field.attname)
            field.set_cached_value(case, None if key is None else found.get((field.related_model, key)))


def _names_of(named: list, wanted: dict) -> list[tuple]:
    """(index in `named`, key as text, name) of each wanted row of each named model, in one UNION ALL. On
    PostgreSQL with ADMIN_LEAN_ROWS its SQL is made once per set of models, each model's keys one array parameter
    (`= ANY(%s)`): the ORM's union compiled anew for each page cost ~1.5 ms of CPU, more than the statement."""
    connection = connections[DEFAULT_DB_ALIAS]
    if settings.ADMIN_LEAN_ROWS and connection.vendor == "postgresql":
        models = tuple(named)
        sql = _NAMES_SQL.get(models)
        if sql is None:
            sql = _NAMES_SQL[models] = _names_sql(models, connection.ops.quote_name)
        with connection.cursor() as cursor:
            cursor.execute(sql, [sorted(wanted[model]) for model in models])
            return cursor.fetchall()
    parts = [
        model._base_manager.filter(pk__in=wanted[model])
        .order_by()
        .annotate(list_kind=Value(n), list_key=Cast("pk", CharField()), list_name=F(_NAME_COLUMN[model]))
        .values_list("list_kind", "list_key", "list_name")
        for n, model in enumerate(named)
    ]
    return list(parts[0].union(*parts[1:], all=True))


_NAMES_SQL: dict[tuple, str] = {}


def _names_sql(models: tuple, qn) -> str:
    parts = []
    for n, model in enumerate(models):
        key, name = qn(model._meta.pk.column), qn(model._meta.get_field(_NAME_COLUMN[model]).column)
        table = qn(model._meta.db_table)
        parts.append(f"(SELECT {n}, ({key})::varchar, {name} FROM {table} WHERE {key} = ANY(%s))")  # noqa: S608 (_meta)
    return " UNION ALL ".join(parts)


def searched_changelist(term: str) -> type[ChangeList]:
    """The case list (uncounted), searching `term` (never read from the URL), and not taking its key for a filter."""

    class KeptSearchForm(ChangeListSearchForm):
        def __init__(self, *args, **kwargs):
            super().__init__({SEARCH_VAR: term})

    class KeptSearchChangeList(LeanQueryStrings, UncountedChangeList):
        search_form_class = KeptSearchForm

        def get_filters_params(self, params=None):
            lookups = super().get_filters_params(params)
            lookups.pop(SEARCH_KEY, None)
            return lookups

        def get_queryset(self, request, exclude_parameters=None):
            # Only the columns the list shows: a person's name, not their encrypted NIK, phone and address (a
            # Fernet decryption per field and row), and of each related row its name.
            # The person is joined; the offices, target group, site and caseworker (a few distinct rows per page)
            # are read by id in a query each: a seven-table join cost PostgreSQL 10-20 ms to plan, 1 ms to run.
            rows = super().get_queryset(request, exclude_parameters).select_related(None).select_related("person")
            return rows.only(*LIST_COLUMNS)

        def get_results(self, request):
            super().get_results(request)
            name_related(self.result_list)

        def get_ordering(self, request, queryset):
            # A search by name lists the best matches first, unless the person sorted by a column.
            ordering = super().get_ordering(request, queryset)
            if "likeness" in queryset.query.annotations and ORDER_VAR not in self.params:
                return ["-likeness", *ordering]
            return ordering

    return KeptSearchChangeList


class ChoicesInOneQuery(ModelChoiceIterator):
    """A choice box's rows read in one plain query. Django's own iterator reads them through `.iterator()`, which on
    PostgreSQL is a server-side cursor: DECLARE, FETCH and CLOSE, three round trips for a handful of names."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for row in self.queryset.all():
            yield self.choice(row)


def _provinces_of(user) -> set[str]:
    """The provinces (region codes such as "35") of the agencies `user` works in: where the filters' choices come
    from, so that no choice list reads the cases themselves."""
    return {grant.agency.region_id.split(".")[0] for grant in access.grants_of(user) if grant.agency.region_id}


def _in_provinces(provinces: set[str]) -> Q:
    return Q(pk__in=[]) if not provinces else reduce(or_, (Q(region__code__startswith=f"{p}.") for p in provinces))


def _offices_of(user):
    """The regency/city offices of `user`'s provinces, by name: the owning-office filter's choices."""
    return Agency.objects.filter(_in_provinces(_provinces_of(user)), kind=Agency.Kind.SOCIAL_SERVICE_DISTRICT).order_by(
        "name"
    )


def _sites_of(user):
    """The sites of `user`'s provinces, by name: the site filter's choices."""
    return Site.objects.filter(_in_provinces(_provinces_of(user))).order_by("name")


def _filter_choices(request) -> dict[str, list]:
    """The case list's choices of owning office, site and target group, read in ONE statement (a UNION ALL) once
    per request, where each filter read its own (ADMIN_LEAN_FILTERS; off, a statement each): the same choices in
    the same order, offices and sites as (id, name), target groups as Django's related filter has them. The
    statement depends only on the reader's provinces; its SQL is compiled once per set of provinces (compiling the
    union cost 2-3 ms, three times the three simple queries)."""
    kept = request.__dict__.get("_case_filter_choices")
    if kept is not None:
        return kept
    provinces = tuple(sorted(_provinces_of(request.user)))
    statement = _CHOICES_SQL.get(provinces)
    if statement is None:
        if len(_CHOICES_SQL) >= 256:
            _CHOICES_SQL.clear()
        statement = _CHOICES_SQL[provinces] = _choices_union(request.user).query.sql_with_params()
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(*statement)
        rows = cursor.fetchall()
    kept = {"owner": [], "site": [], "target_group": []}
    names = list(kept)
    for kind, code, key, name in rows:
        if names[kind] == "target_group":
            kept["target_group"].append((code, str(TargetGroup(code=code, name=name))))
        else:
            kept[names[kind]].append((key, name))
    request._case_filter_choices = kept
    return kept


_CHOICES_SQL: dict[tuple[str, ...], tuple[str, tuple]] = {}


def _choices_union(user):
    none = Cast(Value(None), IntegerField())
    parts = [
        rows.order_by()
        .annotate(list_kind=Value(n), list_code=code, list_key=Cast("pk", CharField()), list_name=F("name"))
        .values_list("list_kind", "list_code", "list_key", "list_name")
        for n, (rows, code) in enumerate(
            [
                (_offices_of(user), none),
                (_sites_of(user), none),
                (TargetGroup.objects.all(), Cast("code", IntegerField())),
            ]
        )
    ]
    return parts[0].union(*parts[1:], all=True).order_by("list_kind", "list_code", "list_name")


class TargetGroupFilter(RelatedFilter):
    """The target groups (a fixed list of 26), read with the other filters' choices (`_filter_choices`)."""

    def field_choices(self, field, request, model_admin):
        if settings.ADMIN_LEAN_FILTERS:
            return _filter_choices(request)["target_group"]
        return super().field_choices(field, request, model_admin)


class OwnerFilter(admin.SimpleListFilter):
    """The owning office, among the regency/city offices of the reader's province: a few dozen names read from the
    agency directory, where asking which offices own cases of the scope would read the whole scope."""

    title = _("owning office")
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        if settings.ADMIN_LEAN_FILTERS:
            return _filter_choices(request)["owner"]
        return [(str(pk), name) for pk, name in _offices_of(request.user).values_list("pk", "name")]

    def has_output(self):
        return len(self.lookup_choices) > 1  # one office (district staff) is no choice

    def queryset(self, request, queryset):
        return queryset.filter(owner_id=self.value()) if self.value() and self.value().isdigit() else queryset


class SiteFilter(admin.SimpleListFilter):
    """The site, among the sites of the reader's province (from the site register, not from the cases)."""

    title = _("site")
    parameter_name = "site"

    def lookups(self, request, model_admin):
        if settings.ADMIN_LEAN_FILTERS:
            return _filter_choices(request)["site"]
        return [(str(pk), name) for pk, name in _sites_of(request.user).values_list("pk", "name")]

    def queryset(self, request, queryset):
        return queryset.filter(site_id=self.value()) if self.value() and self.value().isdigit() else queryset


class CaseworkerFilter(admin.SimpleListFilter):
    """Whose cases: the reader's own, or those nobody works on yet. Fixed choices: listing everyone who is a
    caseworker of some case in the scope would read the whole scope."""

    title = _("caseworker")
    parameter_name = "caseworker"

    def lookups(self, request, model_admin):
        return [("me", _("Mine")), ("none", _("Nobody yet"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(caseworker=request.user)
        if self.value() == "none":
            return queryset.filter(caseworker__isnull=True)
        return queryset


@admin.register(TargetGroup)
class TargetGroupAdmin(ScopedModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SiteCountInline(ScopedInline):
    model = SiteCount
    fields = ["counted_on", "people_present", "counted_by"]
    readonly_fields = fields
    select_related = ("site", "counted_by")

    def has_add_permission(self, request, obj=None):
        return False  # counts are recorded on their own page, in the name of the counting agency


@admin.register(Site)
class SiteAdmin(ScopedModelAdmin):
    not_in_menu_of = CASE_WORK_ELSEWHERE
    list_display = ["name", "kind", "region", "houses", "opened_on", "closed_on"]
    list_filter = ["kind", ("closed_on", admin.EmptyFieldListFilter)]
    search_fields = ["name", "region__name", "region__code"]
    autocomplete_fields = ["region"]
    fields = ["name", "kind", "region", "houses", "opened_on", "closed_on"]
    list_select_related = ["region"]
    inlines = [SiteCountInline]

    def save_with_service(self, request, obj, form, change):
        if change:
            data = {f: form.cleaned_data[f] for f in form.changed_data if f in self.fields}
            return services.site_update(actor=request.user, site=obj, **data)
        return services.site_create(actor=request.user, **{f: form.cleaned_data[f] for f in self.fields})


@admin.register(SiteCount)
class SiteCountAdmin(ScopedModelAdmin):
    not_in_menu_of = CASE_WORK_ELSEWHERE
    list_display = ["site", "counted_on", "people_present", "counted_by"]
    list_filter = ["counted_on"]
    search_fields = ["site__name"]
    autocomplete_fields = ["site"]
    fields = ["site", "counted_on", "people_present"]
    list_select_related = ["site", "counted_by"]

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request)

    def save_with_service(self, request, obj, form, change):
        return services.site_count_record(actor=request.user, **form.cleaned_data)


# Cases


# What the case page shows of the person (each a read-only line below), then of the case itself; of all these, only
# the caseworker is edited on the case page, and the person's details on their own page.
PERSON_SUMMARY = [
    "person_name",
    "person_nik",
    "person_sex",
    "person_birth",
    "person_phone",
    "person_home_region",
    "person_address",
    "person_target_groups",
    "person_consents",
]
CASE_SUMMARY = ["owner", "registered_by", "target_group", "site", "stage", "close_reason", "stage_changed_at"]


@admin.register(Person)
class PersonAdmin(ScopedModelAdmin):
    """Corrections to a person's details, reached from their case page (persons have no list of their own)."""

    form = PersonForm
    fields = [*PersonForm.Meta.fields, "masked_nik", "new_nik"]
    readonly_fields = ["masked_nik"]
    autocomplete_fields = ["home_region", "current_site"]

    @admin.display(description=_("NIK"))
    def masked_nik(self, person):
        return person.masked_nik or "-"

    def get_fields(self, request, obj=None):
        # The new NIK is a box to type into, not a detail of the person: a read-only viewer has nothing to see there.
        if self.has_change_permission(request, obj):
            return self.fields
        return [name for name in self.fields if name != "new_nik"]

    def has_module_permission(self, request):
        return False

    def has_add_permission(self, request):
        return False  # a person is registered with their case (intake)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {"title": _("Case file"), **(extra_context or {})}
        response = super().change_view(request, object_id, form_url, extra_context)
        person = getattr(response, "context_data", {}).get("original")
        if request.method == "GET" and person is not None:
            selectors.person_viewed(request.user, person)
        return response

    def save_with_service(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in form.changed_data if f in services.PERSON_EDITABLE}
        if form.cleaned_data.get("new_nik"):
            data["nik"] = form.cleaned_data["new_nik"]
        person, warnings = services.person_update(actor=request.user, person=obj, **data)
        for warning in warnings:
            self.message_user(request, warning, messages.WARNING)
        return person


# Actions of the case list that another app offers: cases may not import the apps to its right (DESIGN §3), so
# programs plugs its "enroll the selected cases in a batch" in here (programs/admin.py) with `case_list_action`.
CASE_LIST_ACTIONS: list = []


def case_list_action(action):
    """Offer `action` (a function decorated with `admin.action`) in the case list's "Action" menu."""
    CASE_LIST_ACTIONS.append(action)
    return action


@admin.register(Case)
class CaseAdmin(UncountedListAdmin, ScopedModelAdmin):
    not_in_menu_of = PARTNERS  # a partner opens a case it accepted from the referral
    actions = CASE_LIST_ACTIONS  # the list itself, so that actions added by other apps are offered (case_list_action)
    # Every site and district office of the country may be chosen at intake: pickers searching by name.
    autocomplete_fields = ["site", "owner"]
    list_display = ["number", "person_name", "stage", "owner", "registered_by", "target_group", "site", "caseworker"]
    # No filter reads the scope for its choices: stages and target groups are fixed lists, offices and sites come
    # from the reader's province, caseworkers are "mine" or "nobody yet".
    list_filter = ["stage", OwnerFilter, SiteFilter, ("target_group", TargetGroupFilter), CaseworkerFilter]
    search_fields = ["number"]  # searched by get_search_results: a name, a case number or its beginning, or a NIK
    search_help_text = _(
        "Name or nickname (a misspelling is forgiven), case number or its beginning, or a NIK (16 digits, exact)."
    )
    list_select_related = ["person"]  # the rest of what the list names: LIST_NAMED, by name_related
    readonly_fields = ["number", *PERSON_SUMMARY, *CASE_SUMMARY]
    # No inlines: the case's history is one read-only timeline (case_file); notes and assessments are added by buttons.
    change_form_template = "admin/cases/case/change_form.html"
    change_list_template = "admin/cases/case/change_list.html"

    # What the case page shows

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if getattr(request, "_case_page", False):  # what the case page shows of the person, which the list does not
            return rows.select_related(*CASE_PAGE_JOINED).only(*CASE_PAGE_COLUMNS)
        return rows  # the list joins its list_select_related

    def get_object(self, request, object_id, from_field=None):
        request._case_page = True
        case = super().get_object(request, object_id, from_field)
        if case is not None:  # what the case page shows of the person, which the list does not
            prefetch_related_objects(
                [case],
                "person__target_groups",
                Prefetch("person__consents", queryset=Consent.objects.select_related("agency")),
            )
        return case

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(INTAKE_FIELDS)
        return ["number", *PERSON_SUMMARY, *CASE_SUMMARY, "caseworker"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = IntakeForm
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and "caseworker" in form.base_fields:
            # A plain choice box: the admin's wrapper would add a link to the chosen account's page, and accounts
            # are named on the case page, never linked (shown_as_text).
            field = form.base_fields["caseworker"]
            field.widget, field.iterator = forms.Select(), ChoicesInOneQuery
            field.queryset = obj.caseworker_candidates().only("username", "first_name", "last_name")
            # A person's name, as the header and the timeline name them: an account's username is a login, not a name.
            field.label_from_instance = account_name
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            kwargs["queryset"] = access.visible_to(request.user, Agency).filter(
                kind=Agency.Kind.SOCIAL_SERVICE_DISTRICT, active=True
            )
            kwargs["required"] = False
            kwargs["help_text"] = _("Left empty: the office of the registering agency's regency/city.")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        response = super().render_change_form(request, context, add, change, form_url, obj)
        if obj is not None:
            page = response.context_data
            page["file"] = case_file(request.user, obj, may_change=page["has_change_permission"])
            # Whoever sees the case sees that its person's processing is restricted (cases/privacy.py).
            page["restriction"] = privacy.restriction_of(obj.person_id)
            page["may_record_correction"] = privacy.records_at_desk(
                request.user, obj, may_change=page["has_change_permission"]
            )
        return response

    @admin.display(description=_("name"))
    def person_name(self, case):
        person = case.person
        return f"{person.full_name} ({person.known_as})" if person.known_as else person.full_name

    @admin.display(description=_("NIK"))
    def person_nik(self, case):
        return case.person.masked_nik or "-"

    @admin.display(description=_("sex"))
    def person_sex(self, case):
        return case.person.get_sex_display()

    @admin.display(description=_("birth date or year"))
    def person_birth(self, case):
        person = case.person
        return date_format(person.birth_date) if person.birth_date else person.birth_year or "-"

    @admin.display(description=_("phone"))
    def person_phone(self, case):
        return case.person.phone or "-"

    @admin.display(description=_("home region"))
    def person_home_region(self, case):
        return case.person.home_region or "-"

    @admin.display(description=_("address"))
    def person_address(self, case):
        return case.person.address or "-"

    @admin.display(description=_("target groups"))
    def person_target_groups(self, case):
        return ", ".join(str(group) for group in case.person.target_groups.all()) or "-"

    @admin.display(description=_("consents"))
    def person_consents(self, case):
        consents = case.person.consents.all()
        if not consents:
            return "-"
        return format_html_join(
            "",
            "<div>{} {} — {}{}</div>",
            (
                (
                    c.get_purpose_display(),
                    f"({c.agency})" if c.agency_id else "",
                    date_format(c.given_on),
                    f" … {date_format(c.withdrawn_on)}" if c.withdrawn_on else "",
                )
                for c in consents
            ),
        )

    # Logging reads of personal data

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {"title": _("Case file"), **(extra_context or {})}
        response = super().change_view(request, object_id, form_url, extra_context)
        case = getattr(response, "context_data", {}).get("original")
        if request.method == "GET" and case is not None:
            selectors.case_viewed(request.user, case)
        return response

    def changelist_view(self, request, extra_context=None):
        if SEARCH_VAR in request.GET:
            # A typed or old `?q=` link: searched once, then out of the URL, so the list's links never carry it.
            filters = {k: v for k, v in request.GET.items() if k not in (SEARCH_VAR, SEARCH_KEY)}
            return self._list_searching(request, request.GET[SEARCH_VAR], filters)
        # "Export this list" (agencies.exports), for the roles that may take people's data away.
        extra_context = {"case_export": exports.may_ask(request.user, "cases.case_list"), **(extra_context or {})}
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            selectors.case_list_viewed(request.user, len(changelist.result_list))
        return response

    # Searching without putting the term into a URL

    def get_changelist(self, request, **kwargs):
        return searched_changelist(kept_search(request))

    def search_view(self, request):
        """The search box posts here; the term is kept in the session and the list is opened with its key only."""
        filters = {k: v for k, v in request.POST.items() if k not in (SEARCH_VAR, SEARCH_KEY, "csrfmiddlewaretoken")}
        return self._list_searching(request, request.POST.get(SEARCH_VAR, ""), filters)

    def _list_searching(self, request, term, filters):
        if term.strip():
            filters[SEARCH_KEY] = keep_search(request, term.strip())
        query = f"?{urlencode(filters)}" if filters else ""
        return HttpResponseRedirect(reverse("admin:cases_case_changelist") + query)

    def picker_label(self, case):
        """A case in a picker (enrolling, say): its number and the person's name, found by either."""
        return f"{case.number} · {self.person_name(case)}"

    def get_search_results(self, request, queryset, search_term):
        queryset = queryset.select_related("person")  # a picker names each case's person (picker_label)
        if names.is_name(search_term):  # the list and the case pickers alike; spelling forgiven (cases/names.py)
            return names.resembling(queryset, search_term, "person__name_key"), False
        term = search_term.strip().replace(" ", "")
        if not term:
            return queryset, False
        if NIK_DIGITS.match(term):
            return queryset & selectors.cases_with_nik(request.user, term), False
        # A case number or its beginning: `LIKE '35.10-2026-%'` on the number's pattern index (case_number_prefix),
        # never a `%…%` scan of the scope. Numbers are written in capitals (none has letters today).
        return queryset.filter(number__startswith=term.upper()), False

    # Saving through services

    def save_with_service(self, request, obj, form, change):
        if change:
            if "caseworker" in form.changed_data:
                return services.case_assign(actor=request.user, case=obj, caseworker=form.cleaned_data["caseworker"])
            return obj
        data = dict(form.cleaned_data)
        intake = case_register(actor=request.user, **data)
        for warning in intake.warnings:
            self.message_user(request, warning, messages.WARNING)
        if intake.possible_duplicates:
            self.message_user(
                request,
                _("This person resembles %(count)d registered person(s): see Possible duplicates.")
                % {"count": intake.possible_duplicates},
                messages.WARNING,
            )
        return intake.case

    def response_post_save_add(self, request, obj):
        """After intake, the new case's file (the success message stays): the next step is there, not in the list."""
        return HttpResponseRedirect(self.change_url(obj))

    # Buttons on the case page

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/advance/", view(self.advance_view), name="cases_case_advance"),
            path("<path:object_id>/move/", view(self.move_view), name="cases_case_move"),
            path("<path:object_id>/refer/", view(self.refer_view), name="cases_case_refer"),
            path("<path:object_id>/consent/", view(self.consent_view), name="cases_case_consent"),
            path("<path:object_id>/note/", view(self.note_view), name="cases_case_note"),
            path("<path:object_id>/assess/", view(self.assess_view), name="cases_case_assess"),
            path("<path:object_id>/reveal-nik/", view(self.reveal_nik_view), name="cases_case_reveal_nik"),
            path("<path:object_id>/correction/", view(self.correction_view), name="cases_case_correction"),
            path("import/", view(self.import_view), name="cases_case_import"),
            path("import/template/", view(self.import_template_view), name="cases_case_import_template"),
            path("search/", view(self.search_view), name="cases_case_search"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Intake from a spreadsheet (CSV or XLSX): a result per row, and the rows in error back as a file."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import an intake sheet"),
            "columns": intake_sheet.documented_columns(),
        }
        if request.method == "POST" and request.FILES.get("sheet"):
            try:
                rows = intake_sheet.read(request.FILES["sheet"])
            except (DRFValidationError, ValueError, KeyError, OSError):
                messages.error(request, _("The file could not be read as a CSV or XLSX sheet."))
                return TemplateResponse(request, "admin/cases/case/import.html", context)
            if len(rows) > intake_sheet.MAX_BULK_ROWS:
                messages.error(request, _("At most %(n)d rows at a time.") % {"n": intake_sheet.MAX_BULK_ROWS})
                return TemplateResponse(request, "admin/cases/case/import.html", context)
            results = intake_sheet.register(request.user, rows, extra_columns_allowed=True)
            context |= intake_sheet.summary(results)
            context["shown_results"] = intake_sheet.shown_results(results)
            context["error_csv"] = intake_sheet.error_rows_csv(rows, results) if context["errors"] else ""
        return TemplateResponse(request, "admin/cases/case/import.html", context)

    def import_template_view(self, request):
        """The intake sheet to fill in: the import page's columns with their Indonesian headers, as an XLSX file."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        response = HttpResponse(intake_sheet.template_xlsx(), content_type=intake_sheet.XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{intake_sheet.template_name()}"'
        return response

    def _case(self, request, object_id) -> Case:
        return self.visible_object(request, object_id)

    def advance_view(self, request, object_id):
        """The case header's one-click button: the case moves one stage on (closing asks for its reason instead)."""
        case = self._case(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(self.change_url(case))
        following = next_stage(case.stage)
        if following is None or request.POST.get("to") != following:  # a stale page: its case has moved since
            self.message_user(request, _("The case has moved meanwhile: look at its stage again."), messages.WARNING)
            return HttpResponseRedirect(self.change_url(case))
        try:
            services.case_transition(actor=request.user, case=case, to=following)
        except (ValidationError, PermissionDenied) as exc:
            for field_errors in errors_of(exc).values():
                for error in field_errors:
                    self.message_user(request, error, messages.ERROR)
        else:
            self.message_user(
                request,
                _("The case moved to the stage %(stage)s.") % {"stage": Case.Stage(following).label},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(self.change_url(case))

    def move_view(self, request, object_id):
        case = self._case(request, object_id)
        return self.service_form_view(
            request,
            case,
            form_class=MoveForm,
            title=_("Move to another stage"),
            perform=lambda data: services.case_transition(actor=request.user, case=case, **data),
            done_message=_("The case moved to its new stage."),
        )

    def refer_view(self, request, object_id):
        case = self._case(request, object_id)
        return self.service_form_view(
            request,
            case,
            form_class=ReferForm,
            form_kwargs={
                "agencies": access.visible_to(request.user, Agency).filter(active=True).exclude(pk=case.owner_id)
            },
            title=_("Refer to another agency"),
            perform=lambda data: services.referral_create(actor=request.user, case=case, **data),
            done_message=_("The referral was sent."),
        )

    def consent_view(self, request, object_id):
        case = self._case(request, object_id)
        return self.service_form_view(
            request,
            case,
            form_class=ConsentForm,
            form_kwargs={"agencies": access.visible_to(request.user, Agency).filter(active=True)},
            title=_("Record a consent"),
            perform=lambda data: services.consent_give(actor=request.user, person=case.person, **data),
            done_message=_("The consent was recorded."),
        )

    def note_view(self, request, object_id):
        case = self._case(request, object_id)

        def add(data):
            note = services.case_note_add(actor=request.user, case=case, body=data["body"])
            self._log_added(request, case, note)

        return self.service_form_view(
            request,
            case,
            form_class=NoteForm,
            title=_("Add a note"),
            perform=add,
            done_message=_("The note was added."),
        )

    def assess_view(self, request, object_id):
        case = self._case(request, object_id)

        def record(data):
            assessment = services.assessment_record(actor=request.user, case=case, **data)
            self._log_added(request, case, assessment)

        return self.service_form_view(
            request,
            case,
            form_class=AssessmentForm,
            title=_("Record an assessment"),
            perform=record,
            done_message=_("The assessment was recorded."),
        )

    def correction_view(self, request, object_id):
        """A person's request to correct a field, received at the owning office's desk: recorded for the
        data-protection officer to decide (cases.services.correction_request_record)."""
        case = self._case(request, object_id)

        def record(data):
            _row, warnings = services.correction_request_record(actor=request.user, case=case, **data)
            for warning in warnings:
                self.message_user(request, warning, messages.WARNING)

        return self.service_form_view(
            request,
            case,
            form_class=CorrectionForm,
            title=_("Record a correction request"),
            perform=record,
            done_message=_("The correction request was recorded; the data-protection officer decides it."),
            submit_label=_("Record the request"),
        )

    def _log_added(self, request, case, row) -> None:
        """The case's admin history ("History" button) names what was added to it, as it did for rows added in
        the case page's form, in the office's language (ScopedModelAdmin.construct_change_message)."""
        with translation.override(settings.LANGUAGE_CODE):
            message = [{"added": {"name": str(row._meta.verbose_name), "object": str(row)}}]
        self.log_change(request, case, message)

    def reveal_nik_view(self, request, object_id):
        case = self._case(request, object_id)  # a case out of scope is not found, before any code is asked
        return self._reveal_nik(request, case)

    @step_up.required
    def _reveal_nik(self, request, case):
        if request.method != "POST":
            return self.service_form_view(
                request,
                case,
                form_class=forms.Form,
                title=_("Show the full NIK (this is recorded)"),
                perform=None,
                done_message="",
                submit_label=_("Show NIK"),
            )
        nik = services.person_nik_reveal(actor=request.user, person=case.person)
        context = {**self.admin_site.each_context(request), "opts": self.opts, "original": case, "nik": nik}
        response = TemplateResponse(request, "admin/cases/case/nik.html", context)
        response["Cache-Control"] = "no-store"
        return response


class InboxFilter(admin.SimpleListFilter):
    """The referrals waiting for an answer, as the home counts them (cases.due): addressed to the reader's office
    and theirs to answer, or for province staff, to any office of their province."""

    title = _("waiting for an answer")
    parameter_name = "inbox"

    def lookups(self, request, model_admin):
        return [("mine", _("By my office")), ("area", _("By an office of my province"))]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(pk__in=due.referrals_waiting(request.user).values("pk"))
        if self.value() == "area":
            return queryset.filter(pk__in=due.referrals_waiting_in_area(request.user).values("pk"))
        return queryset


class SentFilter(admin.SimpleListFilter):
    """The referrals the reader's office made, where its caseworkers read the answers (cases.due)."""

    title = _("made by my office")
    parameter_name = "sent"

    def lookups(self, request, model_admin):
        return [("mine", _("All")), ("answered", _("Answered in the past 7 days"))]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(pk__in=due.referrals_sent(request.user).values("pk"))
        if self.value() == "answered":
            since = timezone.now() - ANSWERS_SHOWN_FOR
            return queryset.filter(pk__in=due.referrals_answered(request.user, since).values("pk"))
        return queryset


@admin.register(Referral)
class ReferralAdmin(ScopedModelAdmin):
    list_display = ["case", "kind", "from_agency", "to_agency", "status", "answer", "created_at"]
    list_filter = ["status", "kind", InboxFilter, SentFilter]
    search_fields = ["case__number"]
    list_select_related = ["case", "from_agency", "to_agency"]
    fields = [
        "case_number",
        "kind",
        "from_agency",
        "to_agency",
        "reason",
        "status",
        "decline_reason",
        "withdraw_reason",
        "decided_at",
    ]
    readonly_fields = fields
    actions = ["accept", "complete"]
    change_form_template = "admin/cases/referral/change_form.html"

    @admin.display(description=_("reason for declining"))
    def answer(self, referral):
        # What the referrer reads of a decline in the list, at a glance; the whole reason is on the referral's page.
        return Truncator(referral.decline_reason).chars(80) if referral.decline_reason else "-"

    @admin.display(description=_("case"))
    def case_number(self, referral):
        # Not a link: the receiving agency sees the case only once it accepts (the page's button opens it when seen).
        return referral.case.number

    def has_add_permission(self, request):
        return False  # made from the case page

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self._answers(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _answers(self, request, referral) -> dict:
        """Which buttons the viewer gets: the receiving agency answers a pending referral; either end may mark an
        accepted one done (the services decide again when the button is pressed)."""
        may_change = access.can_change(request.user, referral)
        pending = referral.status == Referral.Status.PENDING
        return {
            "may_answer": may_change and pending and services.referral_receiver_is(request.user, referral),
            "may_complete": may_change and referral.status == Referral.Status.ACCEPTED,
            "may_open_case": access.can_see(request.user, referral.case),
        }

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/accept/", view(self.accept_view), name="cases_referral_accept"),
            path("<path:object_id>/decline/", view(self.decline_view), name="cases_referral_decline"),
            path("<path:object_id>/complete/", view(self.complete_view), name="cases_referral_complete"),
            *super().get_urls(),
        ]

    @admin.action(description=_("Accept the selected referrals"), permissions=["change"])
    def accept(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda actor, referral: services.referral_accept(actor=actor, referral=referral),
            _("%(count)d referrals accepted."),
        )

    @admin.action(description=_("Mark the selected referrals completed"), permissions=["change"])
    def complete(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda actor, referral: services.referral_complete(actor=actor, referral=referral),
            _("%(count)d referrals completed."),
        )

    def accept_view(self, request, object_id):
        referral = self.visible_object(request, object_id)
        return self.service_form_view(
            request,
            referral,
            form_class=forms.Form,
            title=_("Accept the referral"),
            perform=lambda data: services.referral_accept(actor=request.user, referral=referral),
            done_message=_("The referral was accepted."),
            submit_label=_("Accept"),
        )

    def decline_view(self, request, object_id):
        referral = self.visible_object(request, object_id)
        return self.service_form_view(
            request,
            referral,
            form_class=DeclineForm,
            title=_("Decline the referral"),
            perform=lambda data: services.referral_decline(actor=request.user, referral=referral, **data),
            done_message=_("The referral was declined."),
            submit_label=_("Decline"),
        )

    def complete_view(self, request, object_id):
        referral = self.visible_object(request, object_id)
        return self.service_form_view(
            request,
            referral,
            form_class=forms.Form,
            title=_("Mark the referral completed"),
            perform=lambda data: services.referral_complete(actor=request.user, referral=referral),
            done_message=_("The referral was marked completed."),
            submit_label=_("Mark completed"),
        )


@admin.register(Consent)
class ConsentAdmin(ScopedModelAdmin):
    not_in_menu_of = CASE_WORK_ELSEWHERE
    list_display = ["person", "purpose", "agency", "given_on", "withdrawn_on"]
    list_filter = ["purpose", ("withdrawn_on", admin.EmptyFieldListFilter)]
    list_select_related = ["person", "agency"]
    fields = ["person", "purpose", "agency", "given_on", "withdrawn_on", shown_as_text(Consent, "recorded_by")]
    readonly_fields = fields
    actions = ["withdraw"]

    def has_add_permission(self, request):
        return False  # recorded from the case page

    @admin.action(description=_("Withdraw the selected consents today"), permissions=["change"])
    def withdraw(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda actor, consent: services.consent_withdraw(actor=actor, consent=consent),
            _("%(count)d consents withdrawn."),
        )


@admin.register(PossibleDuplicate)
class PossibleDuplicateAdmin(ScopedModelAdmin):
    """The review queue of persons who look alike: the list names both (as far as the reader sees them) and each
    pair's page shows them side by side (cases.duplicate_review) with "same person: merge" and "not the same"."""

    not_in_menu_of = CASE_WORK_ELSEWHERE
    list_display = ["pair", "new_person", "earlier_person", "score", "status", "created_at"]
    list_display_links = ["pair"]
    list_filter = ["status"]
    fields = ["score", "status", shown_as_text(PossibleDuplicate, "reviewed_by"), "reviewed_at", "created_at"]
    readonly_fields = fields
    actions = None  # each pair is judged on its own page, with both persons in view
    change_form_template = "admin/cases/possibleduplicate/change_form.html"

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        # Both persons joined: the admin names the pair (its str) on every page of it.
        rows = super().get_queryset(request).select_related("person", "similar_to")
        if getattr(request, "_pair_page", False):
            # One pair's page reads the persons' cases itself (cases.duplicate_review): the list's prefetches would
            # read them a second time, in two more statements.
            return rows
        # What the list names of each pair, in two more statements whatever the page's length: both persons, whether
        # the reader sees the earlier one (the pair is theirs by the new one), and the cases of each they see.
        seen = access.visible_to(request.user, Person).filter(pk=OuterRef("similar_to_id"))
        cases = access.visible_to(request.user, Case).only("number", "person_id").order_by("created_at", "pk")
        return rows.annotate(_earlier_seen=Exists(seen)).prefetch_related(
            Prefetch("person__cases", queryset=cases, to_attr="seen_cases"),
            Prefetch("similar_to__cases", queryset=cases, to_attr="seen_cases"),
        )

    def get_object(self, request, object_id, from_field=None):
        request._pair_page = True
        return super().get_object(request, object_id, from_field)

    @admin.display(description=_("pair"))
    def pair(self, duplicate):
        return gettext("Review #%(pk)s") % {"pk": duplicate.pk}

    @admin.display(description=_("new person"))
    def new_person(self, duplicate):
        return duplicate_review.named(duplicate.person, duplicate.person.seen_cases)

    @admin.display(description=_("similar to"))
    def earlier_person(self, duplicate):
        if not duplicate._earlier_seen:
            return duplicate_review.named(None, [])
        return duplicate_review.named(duplicate.similar_to, duplicate.similar_to.seen_cases)

    def changelist_view(self, request, extra_context=None):
        # "Export this list" (agencies.exports), for the roles that may take people's data away.
        extra_context = {"case_export": exports.may_ask(request.user, "cases.case_list"), **(extra_context or {})}
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:  # the list names persons: its read is logged like the case list's
            selectors.possible_duplicates_listed(request.user, len(changelist.result_list))
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["review"] = duplicate_review.review(
                request.user, obj, may_change=self.has_change_permission(request, obj)
            )
            context["title"] = _("Possible duplicate")
            # Named as the list names it: the model's own name ("Person #12 ~ Person #34") tells a reviewer nothing.
            context["subtitle"] = gettext("%(pair)s · similarity %(score)s%%") % {
                "pair": self.pair(obj),
                "score": obj.score,
            }
            context["pair_name"] = self.pair(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/merge/", view(self.merge_view), name="cases_possibleduplicate_merge"),
            path("<path:object_id>/dismiss/", view(self.dismiss_view), name="cases_possibleduplicate_dismiss"),
            *super().get_urls(),
        ]

    def merge_view(self, request, object_id):
        """Asks first, naming the record that is kept; merging is pressed on that page."""
        duplicate = self.visible_object(request, object_id)
        review = duplicate_review.review(
            request.user, duplicate, may_change=self.has_change_permission(request, duplicate)
        )
        if not review.may_merge:
            self.message_user(request, gettext("You cannot merge this pair."), messages.WARNING)
            return HttpResponseRedirect(self.change_url(duplicate))
        errors = []
        if request.method == "POST":
            try:
                kept = services.possible_duplicate_merge(actor=request.user, duplicate=duplicate)
            except (ValidationError, PermissionDenied) as exc:
                errors = [message for messages_ in errors_of(exc).values() for message in messages_]
            else:
                self.message_user(request, gettext("The two records were merged into one."), messages.SUCCESS)
                # The pair followed the merged person out of sight: on to the kept one's open case (a merge leaves at
                # most one), else their newest.
                cases = access.visible_to(request.user, Case).filter(person=kept)
                newest = cases.order_by("-created_at", "-pk")
                case = newest.exclude(stage=Case.Stage.CLOSED).first() or newest.first()
                return HttpResponseRedirect(reverse("admin:cases_case_change", args=[case.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": duplicate,
            "pair_name": self.pair(duplicate),
            "title": _("Same person: merge"),
            "review": review,
            "errors": errors,
            "change_url": self.change_url(duplicate),
        }
        return TemplateResponse(request, "admin/cases/possibleduplicate/merge.html", context)

    def dismiss_view(self, request, object_id):
        duplicate = self.visible_object(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(self.change_url(duplicate))
        try:
            services.possible_duplicate_dismiss(actor=request.user, duplicate=duplicate)
        except (ValidationError, PermissionDenied) as exc:
            for messages_ in errors_of(exc).values():
                for message in messages_:
                    self.message_user(request, message, messages.ERROR)
        else:
            self.message_user(request, gettext("Recorded: these are two different people."), messages.SUCCESS)
        return HttpResponseRedirect(self.change_url(duplicate))


# The data-protection officer's registers under Pelindungan data (issue 18): retention, subject-access requests,
# corrections and restrictions.
from . import privacy_admin, retention_admin, subject_access_admin  # noqa: E402, F401
