"""The base of every admin page of our apps: rows and permissions come from agencies.access, writes from services.

Django's own model permissions are not used for our models, so there is one permission system, not two.
"""

import functools

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR, IncorrectLookupParameters
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from . import access
from .forms import RegionChoiceField
from .models import Region, Role

# Roles whose rows of case work come with one other row, and are opened from that row's page rather than the menu:
# a partner agency's with a referral it accepted, a finance approver's with a payment waiting for their decision.
CASE_WORK_ELSEWHERE = frozenset({Role.PARTNER_TRAINER, Role.FINANCE_APPROVER})
# Partner agencies (police, religious affairs, health) deliver sessions and answer referrals: no case, no money.
PARTNERS = frozenset({Role.PARTNER_TRAINER})


class ServiceRefused(Exception):
    """A service refused an admin save; carries its field errors back to the form."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


def errors_of(exc: ValidationError | PermissionDenied) -> dict:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return exc.message_dict
    if isinstance(exc, ValidationError):
        return {NON_FIELD_ERRORS: exc.messages}
    return {NON_FIELD_ERRORS: [str(exc)]}


# Pickers that search by POST: what a person types into one (a name, a NIK) stays out of URLs and server logs.

# After jquery.init.js, which names the admin's jQuery `django.jQuery` (the script needs it when it loads).
POSTED_PICKER_MEDIA = forms.Media(
    js=["admin/js/jquery.init.js", "agencies/posted_autocomplete.js"], css={"screen": ["agencies/pickers.css"]}
)


class PostedAutocompleteSelect(AutocompleteSelect):
    @property
    def media(self):
        return super().media + POSTED_PICKER_MEDIA


class PostedAutocompleteSelectMultiple(AutocompleteSelectMultiple):
    @property
    def media(self):
        return super().media + POSTED_PICKER_MEDIA


def posted_picker(model, field_name: str) -> PostedAutocompleteSelect:
    """The admin's picker for a field of a plain form (a case page's button, an action's confirmation page): it
    searches the related model's admin as `autocomplete_fields` do, as the picker of `model.field_name` would."""
    return PostedAutocompleteSelect(model._meta.get_field(field_name), admin.site)


def picking_for(request) -> tuple[str, str, str] | None:
    """In the admin's picker search (PostedAutocompleteJsonView), the box being filled as (app, model, field), e.g.
    ("programs", "enrollment", "batch"), so that a model admin may narrow what that box offers; None elsewhere."""
    if not getattr(request, "_picker_search", False):
        return None
    return tuple(request.GET.get(key, "") for key in ("app_label", "model_name", "field_name"))


class PostedAutocompleteJsonView(AutocompleteJsonView):
    """The admin's picker search, asked by POST only (agencies/static/agencies/posted_autocomplete.js); a model
    admin may name its rows in the picker by `picker_label(obj)` (a case: its number and the person's name)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        request.GET = request.POST  # Django's view reads its parameters (term, page, field) from the query string
        request._picker_search = True
        return self.get(request, *args, **kwargs)

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "picker_label", None)
        return {**result, "text": label(obj)} if label else result


def list_title(opts) -> str:
    """A list page's title, "Daftar kasus" ("Case list"), in place of Django's "Select case to change"."""
    return capfirst(_("%(name)s list") % {"name": opts.verbose_name})


class ListTitled:
    """A ModelAdmin mixin: the list page is titled "Daftar …" (`list_title`), except as a popup for picking a row."""

    def changelist_view(self, request, extra_context=None):
        if IS_POPUP_VAR not in request.GET:
            extra_context = {"title": list_title(self.opts), **(extra_context or {})}
        return super().changelist_view(request, extra_context)


class ScopedModelAdmin(ListTitled, admin.ModelAdmin):
    """Scoped rows, access-rule permissions, no deletes, and saves that go through `save_with_service`."""

    # Roles that open this page's rows from the page of the row they hang off, never from the menu: a partner opens
    # a case it accepted from the referral, a finance approver a case's follow-ups from the case. It narrows the
    # menu only, never what may be opened: that stays the access rule's (has_view_permission).
    not_in_menu_of: frozenset[str] = frozenset()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = PostedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        if db_field.related_model is Region:
            kwargs.setdefault("form_class", RegionChoiceField)  # named as its picker names it, parents included
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = PostedAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_queryset(self, request):
        rows = access.visible_to(request.user, self.model)
        ordering = self.get_ordering(request)
        return rows.order_by(*ordering) if ordering else rows

    def has_module_permission(self, request):
        # In the menu when a grant of a role that works this page reaches its rows (by the rule, without a query).
        user = request.user
        if not self.not_in_menu_of or access.is_setup_superuser(user):
            return access.may_see_any(user, self.model)
        listed = tuple(grant for grant in access.grants_of(user) if grant.role not in self.not_in_menu_of)
        return access.condition(self.model, "see", listed) is not None

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return access.may_see_any(request.user, self.model)
        if getattr(obj, "_read_through_scope_of", None) == request.user.pk:
            return True  # get_object read it from this reader's visible rows in this request: asking again is a query
        return access.can_see(request.user, obj)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)  # from get_queryset: the reader's visible rows
        if obj is not None:
            obj._read_through_scope_of = request.user.pk
        return obj

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return access.may_change_any(request.user, self.model)
        return access.can_change(request.user, obj)

    def has_add_permission(self, request):
        return self.saves_rows() and access.may_change_any(request.user, self.model)

    def has_delete_permission(self, request, obj=None):
        # Nothing is deleted: records are deactivated, revoked or closed through services, keeping history.
        return False

    def save_with_service(self, request, obj, form, change):
        """Call the service for this save and return the saved object. Subclasses that save rows implement it."""
        raise NotImplementedError(f"{type(self).__name__} must save through a service.")

    @classmethod
    def saves_rows(cls) -> bool:
        """Whether this page saves its form: only with a save service of its own. Rows of the other pages change
        through their actions and buttons, each calling a service."""
        return cls.save_with_service is not ScopedModelAdmin.save_with_service

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if not self.saves_rows():
            context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        try:
            saved = self.save_with_service(request, obj, form, change)
        except (ValidationError, PermissionDenied) as exc:
            raise ServiceRefused(errors_of(exc)) from exc
        # The admin goes on with `obj` (its log, messages, redirect), so `obj` becomes the row the service saved.
        obj.__dict__.update(saved.__dict__)

    def construct_change_message(self, request, form, formsets, add=False):
        # Django stores a history row's words untranslated, to translate them when shown; but a row's name ("Note
        # on …") and capitalised field labels are in no catalogue and would stay English. Staff read the history in
        # the office's language, so it is written in it. Rows of our inlines are only ever added (ScopedInline).
        with translation.override(settings.LANGUAGE_CODE):
            fields = [
                str(form.fields[name].label or name) if name in form.fields else name for name in form.changed_data
            ]
            message = [{"added": {}}] if add else [{"changed": {"fields": fields}}] if fields else []
            for formset in formsets or []:
                message += [
                    {"added": {"name": str(o._meta.verbose_name), "object": str(o)}} for o in formset.new_objects
                ]
        return message

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        refused = getattr(request, "_service_errors", None)
        if not refused:
            return form

        class FormWithServiceErrors(form):
            def clean(self):
                cleaned = super().clean()
                for field, field_errors in refused.items():
                    self.add_error(field if field in self.fields else None, field_errors)
                return cleaned

        return FormWithServiceErrors

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and not self.saves_rows():
            # No save button is shown; a POST anyway (a stale page, a crawler) goes back with a word, not a 500.
            self.message_user(request, _("Nothing is saved on this page: use its buttons or actions."), messages.INFO)
            return HttpResponseRedirect(request.get_full_path())
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # The transaction has rolled back; render the same form again, now carrying the service's errors.
            request._service_errors = refused.errors
            return super().changeform_view(request, object_id, form_url, extra_context)

    def run_service_action(self, request, queryset, service, done_message):
        """Run `service(actor=…, obj)` for each selected row the user may change; report refusals per row."""
        done = 0
        for obj in access.changeable_by(request.user, self.model).filter(pk__in=queryset.values("pk")):
            try:
                service(request.user, obj)
            except (ValidationError, PermissionDenied, Http404) as exc:
                self.message_user(request, f"{obj}: {' '.join(_flatten(exc))}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    def service_form_view(
        self, request, obj, *, form_class, title, perform, done_message, form_kwargs=None, submit_label=None
    ):
        """A small form about one row whose valid POST calls `perform(cleaned_data)`, i.e. one service.

        A service's ValidationError lands on the form field it names; success goes back to the row's page,
        unless `perform` returns a response of its own.
        """
        form_kwargs = form_kwargs or {}
        if request.method == "POST":
            form = form_class(request.POST, **form_kwargs)
            if form.is_valid():
                try:
                    result = perform(form.cleaned_data)
                except (ValidationError, PermissionDenied) as exc:
                    for field, field_errors in errors_of(exc).items():
                        form.add_error(field if field in form.fields else None, field_errors)
                else:
                    if isinstance(result, HttpResponse):
                        return result
                    self.message_user(request, done_message, messages.SUCCESS)
                    return HttpResponseRedirect(self.change_url(obj))
        else:
            form = form_class(**form_kwargs)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": title,
            "form": form,
            "media": self.media + form.media,
            "change_url": self.change_url(obj),
            "submit_label": submit_label,
        }
        return TemplateResponse(request, "admin/service_form.html", context)

    def visible_object(self, request, object_id, model=None):
        """The row `object_id` names in a button's URL, if the user may see it; Http404 otherwise, also for an id
        that cannot be one (such as "60/change", which a relative link makes)."""
        model = model or self.model
        try:
            pk = model._meta.pk.to_python(object_id)
        except ValidationError:
            raise Http404(_("Not found.")) from None
        return access.get_visible(request.user, model, pk=pk)

    def change_url(self, obj) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])


class UncountedChangeList(ChangeList):
    """A list page that never counts its rows: it reads one row more than it shows, to know whether there is a next
    page. Counting a scope of a million cases, or a trail of ten million reads, costs a scan on every page view;
    nobody needs the exact total to find a case. Pages are "previous" and "next" (admin/pagination.html)."""

    uncounted = True

    def get_results(self, request):
        if self.page_num < 1:
            raise IncorrectLookupParameters
        start = (self.page_num - 1) * self.list_per_page
        rows = list(self.queryset[start : start + self.list_per_page + 1])
        self.has_next = len(rows) > self.list_per_page
        self.result_list = rows[: self.list_per_page]
        self.result_count = len(self.result_list)
        self.full_result_count = None
        self.show_full_result_count = False
        self.show_admin_actions = True
        self.can_show_all = False
        self.has_pages = self.has_next or self.page_num > 1
        self.multi_page = False  # Django's page links need a count; admin/pagination.html draws ours
        self.paginator = None
        self.previous_url = self.get_query_string({PAGE_VAR: self.page_num - 1}) if self.page_num > 1 else ""
        self.next_url = self.get_query_string({PAGE_VAR: self.page_num + 1}) if self.has_next else ""


class UncountedListAdmin:
    """A ModelAdmin mixin for lists that grow with the country: no count of the rows (UncountedChangeList) and no
    facet counts (one COUNT per filter choice over the whole scope)."""

    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def get_changelist(self, request, **kwargs):
        return UncountedChangeList


class _ChoicesOncePerRequest:
    """A related-field filter reading its choices once per request: with facet counts on, the admin builds every
    filter again for each filter's counts, and each build would read its choices again (filters × filters)."""

    def field_choices(self, field, request, model_admin):
        kept = request.__dict__.setdefault("_filter_choices", {})
        key = (type(self), model_admin.model, field.name)
        if key not in kept:
            kept[key] = super().field_choices(field, request, model_admin)
        return kept[key]


class RelatedFilter(_ChoicesOncePerRequest, admin.RelatedFieldListFilter):
    """`admin.RelatedFieldListFilter`, reading its choices once per request."""


class RelatedOnlyFilter(_ChoicesOncePerRequest, admin.RelatedOnlyFieldListFilter):
    """`admin.RelatedOnlyFieldListFilter`, reading its choices once per request."""


class ScopedInline(admin.TabularInline):
    """Rows shown on their parent's page: visible with the parent, added when the parent may be changed.

    Existing rows are read-only and nothing is deleted; the parent admin saves new rows through services.
    """

    extra = 0
    can_delete = False
    # Relations every shown row needs, the parent included: row labels name the parent (e.g. a case number).
    select_related: tuple[str, ...] = ()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.select_related)

    def has_view_permission(self, request, obj=None):
        return True  # the parent page is only reachable for a parent the user may see

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return obj is not None and access.can_change(request.user, obj)


def _flatten(exc) -> list[str]:
    if isinstance(exc, ValidationError):
        return exc.messages
    return [str(exc)]


@functools.cache
def shown_as_text(model, name: str):
    """The read-only relation `name` of `model` shown as its row's name, without the link to a page the viewer may
    not open (an account's page tells no more than the person's name, and outside their offices it does not exist).

    Cached, so that the one callable stands in both `fields` and `readonly_fields`.
    """
    field = model._meta.get_field(name)
    show = account_name if field.related_model is get_user_model() else str

    @admin.display(description=field.verbose_name, ordering=name)
    def text(row):
        related = getattr(row, name)
        # The admin's own sign for "nothing": a read-only callable's None would read "None".
        return "-" if related is None else show(related)

    return text


def account_name(user) -> str:
    return user.get_full_name() or user.get_username()
