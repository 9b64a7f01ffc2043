from django.apps import AppConfig

from hipaaops.core.navigation import NavItem
from hipaaops.core.roles import Capability


class OrganizationsConfig(AppConfig):
    name = "hipaaops.organizations"
    label = "organizations"
    verbose_name = "Organizations"
    nav_items = [
        NavItem(
            "Members and roles",
            "organizations:members",
            Capability.VIEW_RECORDS,
            910,
            "Administration",
        ),
        NavItem(
            "Emergency access",
            "organizations:emergency",
            Capability.VIEW_ORGANIZATION,
            920,
            "Administration",
        ),
        NavItem(
            "Organization settings",
            "organizations:settings",
            Capability.MANAGE_ORGANIZATION,
            930,
            "Administration",
        ),
    ]
