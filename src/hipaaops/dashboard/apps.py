from django.apps import AppConfig

from hipaaops.core.navigation import NavItem
from hipaaops.core.roles import Capability


class DashboardConfig(AppConfig):
    name = "hipaaops.dashboard"
    label = "dashboard"
    verbose_name = "Dashboard"
    nav_items = [
        NavItem("Dashboard", "dashboard:index", Capability.VIEW_ORGANIZATION, 0, "Program")
    ]
