from django.apps import AppConfig

from hipaaops.core.navigation import NavItem
from hipaaops.core.roles import Capability


class ApiConfig(AppConfig):
    name = "hipaaops.api"
    label = "api"
    verbose_name = "API"
    nav_items = [
        NavItem(
            "API tokens", "api_tokens:list", Capability.VIEW_ORGANIZATION, 940, "Administration"
        )
    ]
