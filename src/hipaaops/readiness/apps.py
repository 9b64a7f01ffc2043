from django.apps import AppConfig

from hipaaops.core.navigation import NavItem
from hipaaops.core.roles import Capability


class ReadinessConfig(AppConfig):
    name = "hipaaops.readiness"
    label = "readiness"
    verbose_name = "Audit readiness"
    nav_items = [
        NavItem("Audit readiness", "readiness:overview", Capability.VIEW_RECORDS, 700),
    ]

    def ready(self) -> None:
        from hipaaops.readiness import demo, figures, proposals, sections  # noqa: F401 - they register themselves
