"""Tenant-owned records: every one belongs to exactly one organization.

Reads go through ``for_organization`` (or ``get_for_organization``), so another organization's
object is simply not found: a 404 in pages and in the API alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404

if TYPE_CHECKING:
    from hipaaops.organizations.models import Organization

M = TypeVar("M", bound=models.Model)


class TenantQuerySet(models.QuerySet[M]):
    def for_organization(self, organization: Organization) -> TenantQuerySet[M]:
        return self.filter(organization=organization)


class TenantModel(models.Model):
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )

    objects: Any = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


def get_for_organization[M: models.Model](
    queryset: models.QuerySet[M], organization: Organization, **lookup: Any
) -> M:
    """One object of the organization, or Http404: never another organization's object."""
    try:
        return queryset.filter(organization=organization).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from exc
