from django.apps import AppConfig

from hipaaops.core.navigation import NavItem
from hipaaops.core.roles import Capability


class AuditConfig(AppConfig):
    name = "hipaaops.audit"
    label = "audit"
    verbose_name = "Audit trail"
    nav_items = [
        NavItem("Audit trail", "audit:trail", Capability.VIEW_AUDIT, 900, "Administration")
    ]

    def ready(self) -> None:
        from hipaaops.audit import signals  # noqa: F401  (sign-in and sign-out entries)
