from django.apps import AppConfig

from hipaaops.core.navigation import NavItem
from hipaaops.core.roles import Capability


class SraConfig(AppConfig):
    """The Security Risk Assessment (45 CFR 164.308(a)(1)(ii)(A)) and risk management
    (164.308(a)(1)(ii)(B)): assessments, threats and vulnerabilities, risk scenarios, treatment,
    the remediation plan, the guided questionnaire and the report."""

    name = "hipaaops.sra"
    label = "sra"
    verbose_name = "Risk assessment"
    nav_items = [
        NavItem("Risk assessment", "sra:assessments", Capability.VIEW_RECORDS, 160),
        NavItem("Risk register", "sra:register", Capability.VIEW_RECORDS, 170),
    ]

    def ready(self) -> None:
        from hipaaops.sra import demo, figures, readiness  # noqa: F401 - they register themselves
