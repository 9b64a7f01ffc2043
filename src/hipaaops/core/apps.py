from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "hipaaops.core"
    label = "core"
    verbose_name = "hipaaops core"
