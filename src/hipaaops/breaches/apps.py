from django.apps import AppConfig

from hipaaops.core.navigation import NavItem
from hipaaops.core.roles import Capability


class BreachesConfig(AppConfig):
    """The public breach record: breaches of 500 or more reported to the Secretary (45 CFR
    164.408(b)) from the HHS OCR breach portal, counted for organizations of a kind and used to
    suggest likelihoods for the risk analysis (45 CFR 164.308(a)(1)(ii)(A))."""

    name = "hipaaops.breaches"
    label = "breaches"
    verbose_name = "Public breach record"
    nav_items = [NavItem("Breaches like ours", "breaches:record", Capability.VIEW_RECORDS, 420)]

    def ready(self) -> None:
        from hipaaops.breaches import demo  # noqa: F401 - it registers itself
