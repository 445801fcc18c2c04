"""Error reports never carry personal data (DESIGN §6): no form values, no local variables, no query strings."""

from django.views.debug import SafeExceptionReporterFilter


class PersonalDataFilter(SafeExceptionReporterFilter):
    def is_active(self, request):
        return True  # also when DEBUG is on: a screenshot of a debug page must not show a person's data

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return dict.fromkeys(request.POST, self.cleansed_substitute)

    def get_traceback_frame_variables(self, request, tb_frame):
        return [("(hidden)", self.cleansed_substitute)]
