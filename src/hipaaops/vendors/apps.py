from django.apps import AppConfig

from hipaaops.core.navigation import NavItem
from hipaaops.core.roles import Capability


class VendorsConfig(AppConfig):
    """Business associates (45 CFR 164.308(b), 164.314(a), 164.502(e), 164.504(e)): vendors,
    agreements with their required provisions, subcontractor chains and security reviews."""

    name = "hipaaops.vendors"
    label = "vendors"
    verbose_name = "Business associates"
    nav_items = [
        NavItem("Vendors", "vendors:vendors", Capability.VIEW_RECORDS, 300),
        NavItem("BAAs", "vendors:agreements", Capability.VIEW_RECORDS, 310),
    ]

    def ready(self) -> None:
        from hipaaops.vendors import demo, figures, readiness  # noqa: F401 - they register themselves
