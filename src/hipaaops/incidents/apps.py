from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    """Security incidents and the Breach Notification Rule (45 CFR 164.308(a)(6), 164.400-414)."""

    name = "hipaaops.incidents"
    label = "incidents"
    verbose_name = "Incidents and breach notification"
