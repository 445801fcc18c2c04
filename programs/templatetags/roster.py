from django import template

from programs.services import attendance_field

register = template.Library()


@register.simple_tag
def session_errors(errors: dict, session) -> list[str]:
    """The refusals of a save that concern `session`'s column of the attendance grid."""
    return errors.get(attendance_field(session), [])
