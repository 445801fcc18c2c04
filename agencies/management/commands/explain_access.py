"""`manage.py explain_access MODEL`: the combined access rule of one model, per role, with the clauses every app
declared (agencies.rulebook), so the rule can be read in one place. With --agency, also the SQL condition each
role of that agency gets."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from agencies import access, rulebook
from agencies.models import AGENCY_KINDS_OF_ROLE, Agency, Role


class Command(BaseCommand):
    help = "Print who sees and who changes rows of MODEL (app_label.Model or Model), per role."

    def add_arguments(self, parser):
        parser.add_argument("model", help="e.g. cases.Case or Case")
        parser.add_argument("--agency", type=int, help="an agency id: also print the SQL condition of its roles")

    def handle(self, *args, model, agency=None, **options):
        model = self._model(model)
        rule = rulebook.rule_of(model)
        self.stdout.write(f"{model._meta.label}")
        follows = rule.follows
        if follows is not None:
            via = follows.child_field or f"{follows.parent._meta.model_name}.{follows.parent_field}"
            roles = f", for {', '.join(sorted(follows.roles))} only" if follows.roles is not None else ""
            change = "seen and changed" if follows.with_change else "seen (changed only by its own clauses)"
            self.stdout.write(f"  follows {follows.parent._meta.label} through {via}: {change}{roles}")
        for role in Role.values:
            inherited = follows is not None and (follows.roles is None or role in follows.roles)
            parent = follows.parent._meta.label if inherited else ""
            lines = [f"sees what it sees of {parent}"] if inherited else []
            lines += [f"sees: {rulebook.describe(clause)}" for clause in rule.see.get(role, [])]
            lines += [f"changes what it changes of {parent}"] if inherited and follows.with_change else []
            lines += [f"changes: {rulebook.describe(clause)}" for clause in rule.change.get(role, [])]
            self.stdout.write(f"  {role}:" + ("" if lines else " nothing"))
            for line in lines:
                self.stdout.write(f"    {line}")
        if agency is not None:
            self._conditions(model, agency)

    def _model(self, name: str):
        found = [m for m in rulebook.registered_models() if name.lower() in (m._meta.label_lower, m.__name__.lower())]
        if len(found) != 1:
            known = ", ".join(sorted(m._meta.label for m in rulebook.registered_models()))
            raise CommandError(f"No single model with an access rule is called {name!r}. Known: {known}")
        return apps.get_model(found[0]._meta.label)

    def _conditions(self, model, agency_id: int):
        try:
            agency = Agency.objects.select_related("region").get(pk=agency_id)
        except Agency.DoesNotExist:
            raise CommandError(f"No agency {agency_id}.") from None
        self.stdout.write(f"\nFor agency {agency.pk} ({agency.get_kind_display()}):")
        for role in Role.values:
            if agency.kind not in AGENCY_KINDS_OF_ROLE[role]:
                continue
            for which in ("see", "change"):
                condition = access.build_condition(model, which, (access.Grant(role, agency, may_write=True),))
                sql = "nothing" if condition is None else str(model._default_manager.filter(condition).query)
                where = sql.split(" WHERE ", 1)[1] if " WHERE " in sql else sql
                self.stdout.write(f"  {role} {which}s where {where}")
