"""Reference data an intake names, regions and target groups, known to each process: checking a code is no query.

Regions are loaded by `manage.py load_regions` and the 26 target groups by a data migration; neither is edited at
runtime. A code this process has not seen yet is looked up in the database, so a region loaded after the process
started still validates; only codes that exist are remembered, so an unknown one is asked about again next time.
Saving or deleting a region or a target group in this process forgets everything (the admin may correct a name).
"""

from django.core.exceptions import ValidationError
from django.db.models.signals import post_delete, post_save
from django.utils.encoding import smart_str
from rest_framework import serializers

from agencies.models import Region

from ..models import TargetGroup

_regions: dict[str, Region] = {}
_target_groups: dict[int, TargetGroup] = {}


def regions(codes) -> dict[str, Region]:
    """The regions among `codes` that exist, by code: those seen before without a query, the others in one."""
    missing = {code for code in codes if code not in _regions}
    if missing:
        _regions.update(Region.objects.in_bulk(missing))
    return {code: _regions[code] for code in codes if code in _regions}


def target_groups(codes) -> dict[int, TargetGroup]:
    """The target groups among `codes` that exist, by code: all 26 are read once, a new one when first named."""
    if not _target_groups:
        _target_groups.update(TargetGroup.objects.in_bulk())
    missing = {code for code in codes if code not in _target_groups}
    if missing:
        _target_groups.update(TargetGroup.objects.in_bulk(missing))
    return {code: _target_groups[code] for code in codes if code in _target_groups}


def forget(**_kwargs) -> None:
    """Forget every code seen (tests call it between tests: each starts from its own database rows)."""
    _regions.clear()
    _target_groups.clear()


for _model in (Region, TargetGroup):
    post_save.connect(forget, sender=_model, dispatch_uid=f"references.forget.save.{_model.__name__}")
    post_delete.connect(forget, sender=_model, dispatch_uid=f"references.forget.delete.{_model.__name__}")


class ReferenceField(serializers.SlugRelatedField):
    """A SlugRelatedField over regions or target groups that asks the database only about codes not seen before;
    its errors (does not exist, invalid) are the SlugRelatedField's own."""

    def __init__(self, *, known, **kwargs):
        self.known = known
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            code = self.get_queryset().model._meta.get_field(self.slug_field).to_python(data)
            found = self.known([code])
        except (TypeError, ValueError, ValidationError):
            return super().to_internal_value(data)  # malformed: the lookup answers as it always did
        if code not in found:
            self.fail("does_not_exist", slug_name=self.slug_field, value=smart_str(data))
        return found[code]
