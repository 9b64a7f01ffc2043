from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Path:
    """Uploaded evidence goes to a fresh folder per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


@pytest.fixture
def register(cast: Any) -> dict[str, Any]:
    """The Acme Clinic register, by citation."""
    from hipaaops.safeguards.models import SafeguardItem
    from hipaaops.safeguards.services import ensure_register

    ensure_register(cast.org, actor=cast.officer)
    return {i.citation: i for i in SafeguardItem.objects.filter(organization=cast.org)}


@pytest.fixture
def access_of(cast: Any) -> Any:
    from hipaaops.organizations.access import access_organization

    def make(user: Any, org: Any = None) -> Any:
        return access_organization(user, (org or cast.org).slug)

    return make
