from django.apps import AppConfig

from hipaaops.core.navigation import NavItem
from hipaaops.core.roles import Capability


class InventoryConfig(AppConfig):
    """The ePHI inventory (45 CFR 164.308(a)(1)(ii)(A) scope): assets, data flows and the
    data-flow map."""

    name = "hipaaops.inventory"
    label = "inventory"
    verbose_name = "ePHI inventory"
    nav_items = [NavItem("Inventory", "inventory:assets", Capability.VIEW_RECORDS, 150)]

    def ready(self) -> None:
        from hipaaops.inventory import demo  # noqa: F401 - it registers itself
