"""The navigation: each domain app declares its entries on its AppConfig as ``nav_items``.

Modules add themselves here as they land; no page is listed before it exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.urls import reverse

from hipaaops.core.roles import Capability


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    capability: Capability
    order: int = 100
    section: str = "Program"


def nav_for(org_slug: str, capabilities: set[str], current_path: str) -> list[dict[str, object]]:
    items: list[NavItem] = []
    for config in apps.get_app_configs():
        items.extend(getattr(config, "nav_items", ()))
    result = []
    for item in sorted(items, key=lambda i: (i.order, i.label)):
        if item.capability.value not in capabilities:
            continue
        url = reverse(item.url_name, kwargs={"org_slug": org_slug})
        result.append(
            {
                "label": item.label,
                "url": url,
                "section": item.section,
                "current": current_path == url
                or (url.count("/") > 3 and current_path.startswith(url)),
            }
        )
    return result
