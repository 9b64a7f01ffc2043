"""Complaints (45 CFR 164.530(d)), the notice of privacy practices with its postings and the
acknowledgement efforts (164.520), and the public intake page's setting and submissions. Every
write runs in one transaction with its audit entry; bad input names the field."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from hipaaops.audit.models import Action
from hipaaops.audit.services import record, record_create, snapshot
from hipaaops.core.errors import ConflictError, DomainError
from hipaaops.core.inputs import input_date
from hipaaops.core.roles import Capability
from hipaaops.organizations.access import OrgAccess, member_of
from hipaaops.organizations.models import Organization
from hipaaops.privacy.disclosures import individual_key
from hipaaops.privacy.models import (
    AcknowledgementEffort,
    Complaint,
    NoticePosting,
    NoticeVersion,
    PrivacyRequest,
    PrivacySettings,
    RequestRight,
)

INTAKE_LIMIT = 5  # submissions per address per hour on the public intake page
INTAKE_WINDOW_SECONDS = 3600


def _not_future(value: date | None, field: str) -> None:
    if value is not None and value > timezone.localdate():
        raise DomainError(f"The {field.replace('_', ' ')} cannot be in the future.", field=field)


# ---------------------------------------------------------------------------- complaints


def receive_complaint(
    access: OrgAccess,
    *,
    received_on: Any,
    summary: str,
    name: str = "",
    contact: str = "",
    handled_by: Any = None,
) -> Complaint:
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    received = input_date(received_on, "received_on")
    _not_future(received, "received_on")
    if not (summary or "").strip():
        raise DomainError("Say what the complaint is about.", field="summary")
    handler = member_of(org, handled_by, "handled_by").user if handled_by else None
    with transaction.atomic():
        number = (
            Complaint.objects.filter(organization=org).aggregate(n=Max("number"))["n"] or 0
        ) + 1
        complaint = Complaint.objects.create(
            organization=org,
            number=number,
            received_on=received,
            summary=summary.strip(),
            complainant={"name": (name or "").strip(), "contact": (contact or "").strip()},  # type: ignore[misc]
            handled_by=handler,
        )
        record_create(complaint, actor=access.user, organization=org)
    return complaint


def dispose_complaint(
    access: OrgAccess,
    complaint: Complaint,
    *,
    disposition: str,
    disposed_on: Any,
    sanction_reference: str = "",
) -> Complaint:
    """Document how the complaint was resolved (164.530(d)(2)); a sanction applied is referenced
    (164.530(e))."""
    access.require(Capability.EDIT_RECORDS)
    if not (disposition or "").strip():
        raise DomainError("Document the disposition.", field="disposition")
    on = input_date(disposed_on, "disposed_on")
    _not_future(on, "disposed_on")
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(
            pk=complaint.pk, organization=access.organization
        )
        if locked.status == Complaint.Status.RESOLVED:
            raise ConflictError("This complaint is already resolved.", field="status")
        if on < locked.received_on:
            raise DomainError(
                "A complaint is resolved on or after it was received.", field="disposed_on"
            )
        before = snapshot(locked)
        locked.disposition, locked.disposed_on = disposition.strip(), on
        locked.sanction_reference = (sanction_reference or "").strip()[:200]
        locked.status = Complaint.Status.RESOLVED
        locked.save()
        after = snapshot(locked)
        record(
            Action.UPDATE,
            actor=access.user,
            organization=access.organization,
            target=locked,
            changes={
                k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)
            },
        )
    return locked


# ---------------------------------------------------------------------------- the notice


def add_notice_version(
    access: OrgAccess, *, version: str, effective_on: Any, summary_of_changes: str = ""
) -> NoticeVersion:
    access.require(Capability.EDIT_RECORDS)
    version = (version or "").strip()
    if not version:
        raise DomainError("Name the version, such as 2026-1.", field="version")
    effective = input_date(effective_on, "effective_on")
    if NoticeVersion.objects.filter(organization=access.organization, version=version).exists():
        raise DomainError(f"Version {version} exists already.", field="version")
    with transaction.atomic():
        notice = NoticeVersion.objects.create(
            organization=access.organization,
            version=version[:40],
            effective_on=effective,
            summary_of_changes=(summary_of_changes or "").strip(),
        )
        record_create(notice, actor=access.user, organization=access.organization)
    return notice


def record_posting(
    access: OrgAccess, notice: NoticeVersion, *, where: str, posted_on: Any
) -> NoticePosting:
    access.require(Capability.EDIT_RECORDS)
    if not (where or "").strip():
        raise DomainError("Say where the notice was posted or made available.", field="where")
    on = input_date(posted_on, "posted_on")
    _not_future(on, "posted_on")
    with transaction.atomic():
        posting = NoticePosting.objects.create(
            organization=access.organization,
            notice=notice,
            where=where.strip()[:200],
            posted_on=on,
            recorded_by=access.user,
        )
        record_create(posting, actor=access.user, organization=access.organization)
    return posting


def record_acknowledgement(
    access: OrgAccess,
    notice: NoticeVersion,
    *,
    name: str,
    identifier: str,
    first_service_on: Any,
    obtained: bool,
    reason_not_obtained: str = "",
) -> AcknowledgementEffort:
    """164.520(c)(2)(ii): make a good-faith effort to obtain the written acknowledgement at the
    first service delivery and, if it is not obtained, document the effort and why."""
    access.require(Capability.EDIT_RECORDS)
    if not (identifier or "").strip():
        raise DomainError("Give the patient's record identifier.", field="identifier")
    on = input_date(first_service_on, "first_service_on")
    _not_future(on, "first_service_on")
    if not obtained and not (reason_not_obtained or "").strip():
        raise DomainError(
            "Document the good-faith effort and why the acknowledgement was not obtained (45 CFR 164.520(c)(2)(ii)).",
            field="reason_not_obtained",
        )
    with transaction.atomic():
        effort = AcknowledgementEffort.objects.create(
            organization=access.organization,
            notice=notice,
            individual_key=individual_key(access.organization.pk, identifier),
            individual={"name": (name or "").strip(), "identifier": identifier.strip()},  # type: ignore[misc]
            first_service_on=on,
            obtained=obtained,
            reason_not_obtained=(reason_not_obtained or "").strip(),
            recorded_by=access.user,
        )
        record_create(effort, actor=access.user, organization=access.organization)
    return effort


def notice_in_force(org: Organization, on: date) -> NoticeVersion | None:
    return (
        NoticeVersion.objects.filter(organization=org, effective_on__lte=on)
        .order_by("-effective_on", "-pk")
        .first()
    )


# ---------------------------------------------------------------------------- intake


def settings_of(org: Organization) -> PrivacySettings:
    found, _ = PrivacySettings.objects.get_or_create(organization=org)
    return found


def set_intake(access: OrgAccess, *, enabled: bool, intro: str = "") -> PrivacySettings:
    access.require(Capability.MANAGE_ORGANIZATION)
    with transaction.atomic():
        settings = settings_of(access.organization)
        before = snapshot(settings)
        settings.intake_enabled, settings.intake_intro = bool(enabled), (intro or "").strip()
        settings.save()
        record(
            Action.UPDATE,
            actor=access.user,
            organization=access.organization,
            target=settings,
            changes={"intake_enabled": [before.get("intake_enabled"), settings.intake_enabled]},
        )
    return settings


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"


def intake_submit(
    org: Organization,
    *,
    address: str,
    right: str,
    requester: str,
    contact: str,
    individual: str = "",
    summary: str = "",
) -> PrivacyRequest:
    """A request from the public intake page: no account, rate limited per address, received
    now, in the register for the organization's staff (its clock starts today)."""
    if not settings_of(org).intake_enabled:
        raise DomainError("This organization does not take requests online.", field="organization")
    key = f"privacy-intake:{org.pk}:{address}"
    count = cache.get_or_set(key, 0, INTAKE_WINDOW_SECONDS) or 0
    if count >= INTAKE_LIMIT:
        raise RateLimited(
            "Too many requests from your network in the last hour; please try again later or call us.",
            field="address",
        )
    if right not in (
        RequestRight.ACCESS,
        RequestRight.AMENDMENT,
        RequestRight.ACCOUNTING,
        RequestRight.RESTRICTION,
        RequestRight.CONFIDENTIAL_COMMUNICATIONS,
    ):
        raise DomainError("Choose what you are asking for.", field="right")
    if not (requester or "").strip():
        raise DomainError("Give your name.", field="requester")
    if not (contact or "").strip():
        raise DomainError("Give a way to reach you (e-mail, phone or address).", field="contact")
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, INTAKE_WINDOW_SECONDS)
    with transaction.atomic():
        number = (
            PrivacyRequest.objects.filter(organization=org).aggregate(n=Max("number"))["n"] or 0
        ) + 1
        request = PrivacyRequest.objects.create(
            organization=org,
            number=number,
            right=right,
            received_on=timezone.localdate(),
            people={
                "requester": requester.strip(),
                "individual": (individual or "").strip() or requester.strip(),
                "contact": contact.strip(),
                "representative_basis": "stated on the intake page"
                if individual and individual.strip() != requester.strip()
                else "",
            },  # type: ignore[misc]
            channel="intake page",
            summary=(summary or "").strip()[:5000],
            identity_verification="",
        )
        record(
            Action.CREATE,
            actor=None,
            organization=org,
            target=request,
            changes={"channel": "intake page", "right": right},
        )
    return request
