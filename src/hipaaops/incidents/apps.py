from django.apps import AppConfig

from hipaaops.core.navigation import NavItem
from hipaaops.core.roles import Capability


class IncidentsConfig(AppConfig):
    """Security incidents and the Breach Notification Rule (45 CFR 164.308(a)(6), 164.400-414)."""

    name = "hipaaops.incidents"
    label = "incidents"
    verbose_name = "Incidents and breach notification"
    nav_items = [NavItem("Incidents", "incidents:register", Capability.VIEW_RECORDS, 400)]

    def ready(self) -> None:
        from hipaaops.incidents import demo, figures, readiness  # noqa: F401 - they register themselves
