"""All writes of audit readiness: mock audits, their responses and remediation items, and binder
records. Each runs in one transaction with its audit entry and refuses bad input with a
``DomainError`` naming the field: nothing is half-saved."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from hipaaops.audit.models import Action
from hipaaops.audit.services import PendingEntry, record, record_many, snapshot
from hipaaops.catalog.regulation import catalog
from hipaaops.core.errors import ConflictError, DomainError
from hipaaops.core.inputs import input_date
from hipaaops.core.roles import Capability
from hipaaops.organizations.access import OrgAccess, member_of
from hipaaops.readiness import proposals, rules
from hipaaops.readiness.models import (
    Binder,
    InquiryResponse,
    MockAudit,
    RemediationItem,
    ResponseStatus,
)

if TYPE_CHECKING:
    from hipaaops.accounts.models import User
    from hipaaops.organizations.models import Organization

RESPONSE_FIELDS = {
    "applicable",
    "not_applicable_reason",
    "narrative",
    "status",
    "reviewer",
    "notes",
}
EARLIEST_HELD_ON = date(2016, 1, 1)  # the protocol's Phase 2 edition was published in 2016


def _today() -> date:
    return timezone.localdate()


def _profile_exclusions(org: Organization) -> dict[str, str]:
    """Security inquiries whose catalog entries all do not apply to the organization's profile,
    with the catalog's reason (45 CFR 164.308(a)(4)(ii)(A), 164.314(b), ...)."""
    from hipaaops.safeguards.reference import profile_of

    profile = profile_of(org)
    excluded: dict[str, str] = {}
    for inquiry in catalog.protocol_inquiries("security"):
        reasons = []
        for citation in inquiry.catalog:
            item = catalog.linked_item(citation)
            if not isinstance(item, catalog.Entry):
                break
            applies, reason = catalog.applicable(item, profile)
            if applies:
                break
            reasons.append(reason)
        else:
            if reasons:
                excluded[inquiry.id] = reasons[0]
    return excluded


def start_mock_audit(
    access: OrgAccess,
    *,
    title: str,
    held_on: Any,
    scope: str = "all",
) -> MockAudit:
    """A new mock audit over a preset's inquiries, each response seeded with the documents
    hipaaops proposes and, where the profile rules an inquiry out, marked not applicable."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    title = (title or "").strip()
    if not title:
        raise DomainError("Give the mock audit a title.", field="title")
    if len(title) > 200:
        raise DomainError("The title is longer than 200 characters.", field="title")
    held = input_date(held_on, "held_on")
    if held > _today():
        raise DomainError(
            "A mock audit is held today or earlier, not in the future.", field="held_on"
        )
    if held < EARLIEST_HELD_ON:
        raise DomainError(
            f"The audit protocol dates from 2016; a mock audit on {held.isoformat()} is too early.",
            field="held_on",
        )
    try:
        chosen = rules.preset(scope)
    except ValueError as exc:
        raise DomainError(str(exc), field="scope") from None
    inquiries = chosen.inquiries()
    excluded = _profile_exclusions(org)
    order = {i.id: n for n, i in enumerate(catalog.audit_protocol())}
    with transaction.atomic():
        previous = (
            MockAudit.objects.filter(organization=org, held_on__lte=held)
            .order_by("-held_on", "-pk")
            .first()
        )
        audit = MockAudit.objects.create(
            organization=org,
            title=title,
            held_on=held,
            scope=chosen.key,
            previous=previous,
            created_by=access.user,
        )
        responses = []
        for inquiry in inquiries:
            reason = excluded.get(inquiry.id, "")
            responses.append(
                InquiryResponse(
                    organization=org,
                    mock_audit=audit,
                    inquiry_id=inquiry.id,
                    position=order[inquiry.id],
                    applicable=not reason,
                    not_applicable_reason=reason,
                    status=ResponseStatus.NOT_APPLICABLE if reason else ResponseStatus.NOT_REVIEWED,
                    documents=[p.as_dict() for p in proposals.propose(org, inquiry)],
                    updated_by=access.user,
                )
            )
        InquiryResponse.objects.bulk_create(responses)
        record(
            Action.CREATE,
            actor=access.user,
            organization=org,
            target=audit,
            changes={
                "after": snapshot(audit),
                "inquiries": len(responses),
                "not_applicable_by_profile": len([r for r in responses if not r.applicable]),
            },
        )
    return audit


def _open(audit: MockAudit) -> None:
    if audit.state == MockAudit.State.CLOSED:
        raise ConflictError(
            "This mock audit is closed; start a new one to change answers.", field="state"
        )


def update_response(
    access: OrgAccess,
    response: InquiryResponse,
    *,
    expected_version: int | None = None,
    **changes: Any,
) -> InquiryResponse:
    """Record the answer to one inquiry: applicability, narrative, status, reviewer, notes."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    if response.organization_id != org.pk:
        raise DomainError("Not in this organization.", field="inquiry")
    unknown = set(changes) - RESPONSE_FIELDS
    if unknown:
        raise DomainError(f"Cannot change {', '.join(sorted(unknown))}.", field=sorted(unknown)[0])
    if "status" in changes and changes["status"] not in ResponseStatus.values:
        raise DomainError(
            f"Status must be one of {', '.join(ResponseStatus.values)}.", field="status"
        )
    if changes.get("reviewer") not in (None, ""):
        changes["reviewer"] = member_of(org, changes["reviewer"], "reviewer").user
    elif "reviewer" in changes:
        changes["reviewer"] = None
    with transaction.atomic():
        locked = (
            InquiryResponse.objects.select_for_update()
            .select_related("mock_audit")
            .get(pk=response.pk, organization=org)
        )
        _open(locked.mock_audit)
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError(
                f"Someone else changed this answer (now version {locked.version}); reload it.",
                field="version",
            )
        before = snapshot(locked)
        for key, value in changes.items():
            if key in {"narrative", "notes", "not_applicable_reason"}:
                value = (value or "").strip()
            setattr(locked, key, value)
        if "applicable" in changes and not locked.applicable:
            locked.status = ResponseStatus.NOT_APPLICABLE
        elif locked.status == ResponseStatus.NOT_APPLICABLE:
            locked.applicable = False
        elif "applicable" in changes and locked.applicable:
            locked.not_applicable_reason = ""
        if not locked.applicable and not locked.not_applicable_reason:
            raise DomainError(
                "Say why this inquiry does not apply to the organization.",
                field="not_applicable_reason",
            )
        if locked.status in (ResponseStatus.SATISFIED, ResponseStatus.PARTLY) and not (
            locked.narrative
        ):
            raise DomainError(
                "A satisfied or partly satisfied inquiry needs the response narrative.",
                field="narrative",
            )
        if locked.status != ResponseStatus.NOT_REVIEWED and locked.reviewer is None:
            locked.reviewer = access.user
        locked.version += 1
        locked.updated_by = access.user
        locked.updated_at = timezone.now()
        locked.save()
        after = snapshot(locked)
        record(
            Action.UPDATE,
            actor=access.user,
            organization=org,
            target=locked,
            changes={
                k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)
            },
        )
    return locked


def refresh_documents(access: OrgAccess, audit: MockAudit) -> int:
    """Propose the documents again (the register and the other modules may have changed)."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    protocol = {i.id: i for i in catalog.audit_protocol()}
    with transaction.atomic():
        _open(audit)
        responses = list(InquiryResponse.objects.filter(mock_audit=audit, organization=org))
        for response in responses:
            response.documents = [
                p.as_dict() for p in proposals.propose(org, protocol[response.inquiry_id])
            ]
        InquiryResponse.objects.bulk_update(responses, ["documents"])
        record(
            Action.UPDATE,
            actor=access.user,
            organization=org,
            target=audit,
            changes={"documents_refreshed": len(responses)},
        )
    return len(responses)


def close_mock_audit(access: OrgAccess, audit: MockAudit) -> MockAudit:
    access.require(Capability.APPROVE)
    with transaction.atomic():
        locked = MockAudit.objects.select_for_update().get(
            pk=audit.pk, organization=access.organization
        )
        _open(locked)
        locked.state = MockAudit.State.CLOSED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["state", "closed_at"])
        record(
            Action.UPDATE,
            actor=access.user,
            organization=access.organization,
            target=locked,
            changes={"state": ["open", "closed"]},
        )
    return locked


def add_remediation(
    access: OrgAccess,
    response: InquiryResponse,
    *,
    title: str,
    owner: Any,
    due_on: Any,
) -> RemediationItem:
    """A gap (partly or not satisfied) becomes a remediation item with an owner and a due date,
    and a step of the current risk assessment's remediation plan, linked to the register items of
    the inquiry's citations: gaps are managed with the risks (45 CFR 164.308(a)(1)(ii)(B))."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    if response.organization_id != org.pk:
        raise DomainError("Not in this organization.", field="inquiry")
    if response.status not in (ResponseStatus.PARTLY, ResponseStatus.NOT_SATISFIED):
        raise DomainError(
            "Only a partly or not satisfied inquiry is a gap to remediate.", field="status"
        )
    title = (title or "").strip()
    if not title:
        raise DomainError("Say what must be done.", field="title")
    owner_user = member_of(org, owner, "owner").user
    due = input_date(due_on, "due_on")
    if due < _today():
        raise DomainError("The due date is in the past.", field="due_on")
    with transaction.atomic():
        item = RemediationItem.objects.create(
            organization=org,
            mock_audit_id=response.mock_audit_id,
            response=response,
            title=title[:300],
            owner=owner_user,
            due_on=due,
        )
        item.plan_item = _plan_gap(access, response, item)
        if item.plan_item is not None:
            item.save(update_fields=["plan_item"])
        record(
            Action.CREATE,
            actor=access.user,
            organization=org,
            target=item,
            changes={"after": snapshot(item), "inquiry": response.inquiry_id},
        )
    return item


def _plan_gap(access: OrgAccess, response: InquiryResponse, item: RemediationItem) -> Any:
    """The remediation item as a step of the current assessment's plan, or None when the
    organization has no risk assessment yet."""
    from hipaaops.safeguards.models import SafeguardItem
    from hipaaops.sra import selectors as sra_selectors
    from hipaaops.sra import services as sra_services

    org = access.organization
    assessment = sra_selectors.current_assessment(org)
    if assessment is None:
        return None
    audit = response.mock_audit
    inquiry = catalog.protocol_inquiry(response.inquiry_id)
    safeguards = list(
        SafeguardItem.objects.filter(organization=org, citation__in=inquiry.catalog).values_list(
            "pk", flat=True
        )
    )
    return sra_services.add_gap_item(
        access,
        assessment,
        source=f"{audit.title} ({audit.held_on.isoformat()}), inquiry {response.inquiry_id} "
        f"({inquiry.citation})",
        title=item.title,
        owner=item.owner_id,
        due_on=item.due_on,
        safeguards=safeguards,
    )


def complete_remediation(access: OrgAccess, item: RemediationItem) -> RemediationItem:
    access.require(Capability.EDIT_RECORDS)
    with transaction.atomic():
        locked = RemediationItem.objects.select_for_update().get(
            pk=item.pk, organization=access.organization
        )
        if locked.state == RemediationItem.State.DONE:
            raise ConflictError("This item is already done.", field="state")
        locked.state = RemediationItem.State.DONE
        locked.done_at = timezone.now()
        locked.save(update_fields=["state", "done_at"])
        _close_plan_steps(access, locked)
        record(
            Action.UPDATE,
            actor=access.user,
            organization=access.organization,
            target=locked,
            changes={"state": ["open", "done"]},
        )
    return locked


def _close_plan_steps(access: OrgAccess, item: RemediationItem) -> None:
    """The gap's plan steps (the first and its copies in later assessments) are done with it."""
    from hipaaops.sra.models import PlanItem, PlanStatus
    from hipaaops.sra.services import update_plan_item

    if item.plan_item_id is None:
        return
    ref = PlanItem.objects.filter(pk=item.plan_item_id).values_list("ref", flat=True).first()
    steps = PlanItem.objects.filter(
        organization=access.organization,
        ref=ref,
        scenario__isnull=True,
        status__in=(PlanStatus.OPEN, PlanStatus.IN_PROGRESS),
    )
    for step in steps:
        update_plan_item(access, step, status=PlanStatus.DONE)


def record_binder(
    org: Organization,
    *,
    actor: User | None,
    as_of: date,
    file_name: str,
    manifest_sha256: str,
    files: int,
    total_bytes: int,
) -> Binder:
    """Keep the binder's manifest hash, in the table and in the audit trail (45 CFR 164.312(c)),
    so ``hipaaops binder verify`` can later prove the binder unaltered."""
    with transaction.atomic():
        binder = Binder.objects.create(
            organization=org,
            as_of=as_of,
            file_name=file_name,
            manifest_sha256=manifest_sha256,
            files=files,
            total_bytes=total_bytes,
            created_by=actor,
        )
        record_many(
            [
                PendingEntry(
                    action=Action.EXPORT,
                    actor=actor,
                    organization=org,
                    object_type=binder._meta.label_lower,
                    object_id=str(binder.pk),
                    object_repr=f"Audit binder {file_name}",
                    changes={
                        "as_of": as_of.isoformat(),
                        "manifest_sha256": manifest_sha256,
                        "files": files,
                        "bytes": total_bytes,
                    },
                )
            ]
        )
    return binder
