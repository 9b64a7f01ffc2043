from django.apps import AppConfig

from hipaaops.core.navigation import NavItem
from hipaaops.core.roles import Capability


class PrivacyConfig(AppConfig):
    """Privacy Rule operations (45 CFR 164.520-164.530): individuals' rights and their clocks."""

    name = "hipaaops.privacy"
    label = "privacy"
    verbose_name = "Privacy Rule operations"
    nav_items = [
        NavItem("Rights requests", "privacy:register", Capability.VIEW_RECORDS, 450),
        NavItem("Disclosures", "privacy:disclosures", Capability.VIEW_RECORDS, 460),
        NavItem("Complaints", "privacy:complaints", Capability.VIEW_RECORDS, 470),
        NavItem("Privacy notice", "privacy:notice", Capability.VIEW_RECORDS, 480),
    ]

    def ready(self) -> None:
        from hipaaops.privacy import demo, figures, readiness  # noqa: F401 - they register themselves
