from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Cases and live sessions")

    def ready(self):
        from w4r import secret_key  # noqa: F401  (registers its deploy check)
