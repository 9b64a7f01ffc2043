from typing import Any

from django.apps import AppConfig

from hipaaops.core.navigation import NavItem
from hipaaops.core.roles import Capability


class SafeguardsConfig(AppConfig):
    name = "hipaaops.safeguards"
    label = "safeguards"
    verbose_name = "Safeguard register"
    nav_items = [
        NavItem("Safeguard register", "safeguards:register", Capability.VIEW_RECORDS, 200),
        NavItem("Posture", "safeguards:posture", Capability.VIEW_RECORDS, 210),
    ]

    def ready(self) -> None:
        from hipaaops.organizations.signals import profile_changed
        from hipaaops.safeguards import demo, figures  # noqa: F401 - they register themselves

        profile_changed.connect(_follow_profile, dispatch_uid="safeguards.follow_profile")


def _follow_profile(sender: Any, organization: Any, actor: Any = None, **kwargs: Any) -> None:
    """A profile change re-decides which items apply (in the change's transaction)."""
    from hipaaops.safeguards.models import SafeguardItem
    from hipaaops.safeguards.services import ensure_register

    if SafeguardItem.objects.filter(organization=organization).exists():
        ensure_register(organization, actor=actor)
