"""Reads of audit readiness, always within one organization."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hipaaops.catalog.regulation import catalog
from hipaaops.catalog.regulation.catalog import ProtocolInquiry
from hipaaops.readiness import rules
from hipaaops.readiness.models import InquiryResponse, MockAudit, RemediationItem

if TYPE_CHECKING:
    from hipaaops.organizations.models import Organization


def mock_audits(org: Organization) -> list[MockAudit]:
    return list(MockAudit.objects.filter(organization=org).select_related("created_by"))


@dataclass
class ResponseRow:
    response: InquiryResponse
    inquiry: ProtocolInquiry

    @property
    def section(self) -> str:
        return rules.section_of(self.inquiry)


def protocol_index() -> dict[str, ProtocolInquiry]:
    return {i.id: i for i in catalog.audit_protocol()}


def response_rows(
    audit: MockAudit, *, audit_type: str = "", status: str = "", query: str = ""
) -> list[ResponseRow]:
    protocol = protocol_index()
    qs = InquiryResponse.objects.filter(
        organization_id=audit.organization_id, mock_audit=audit
    ).select_related("reviewer")
    if status:
        qs = qs.filter(status=status)
    rows = [ResponseRow(r, protocol[r.inquiry_id]) for r in qs]
    if audit_type:
        rows = [r for r in rows if r.inquiry.audit_type == audit_type]
    if query:
        needle = query.lower()
        rows = [
            r
            for r in rows
            if needle in r.inquiry.key_activity.lower()
            or needle in r.inquiry.section.lower()
            or needle in r.inquiry.id.lower()
        ]
    return rows


def answers(audit: MockAudit) -> list[rules.Answer]:
    return [
        rules.Answer(inquiry_id, rules.ResponseStatus(status))
        for inquiry_id, status in InquiryResponse.objects.filter(
            organization_id=audit.organization_id, mock_audit=audit
        ).values_list("inquiry_id", "status")
    ]


def readiness(audit: MockAudit) -> rules.Readiness:
    return rules.score(answers(audit))


def statuses(audit: MockAudit) -> dict[str, rules.ResponseStatus]:
    return {a.inquiry_id: a.status for a in answers(audit)}


def comparison(audit: MockAudit) -> dict[str, Any] | None:
    """What changed since the previous mock audit: scores and the inquiries whose status moved."""
    if audit.previous_id is None:
        return None
    previous = MockAudit.objects.filter(
        organization_id=audit.organization_id, pk=audit.previous_id
    ).first()
    if previous is None:
        return None
    protocol = protocol_index()
    changes = rules.compare(statuses(previous), statuses(audit))
    return {
        "previous": previous,
        "before": readiness(previous),
        "after": readiness(audit),
        "changes": [(c, protocol[c.inquiry_id]) for c in changes],
    }


def remediation_items(org: Organization, audit: MockAudit | None = None) -> list[RemediationItem]:
    qs = RemediationItem.objects.filter(organization=org).select_related(
        "owner", "response", "plan_item"
    )
    if audit is not None:
        qs = qs.filter(mock_audit=audit)
    return list(qs)


def latest_audit(org: Organization) -> MockAudit | None:
    return MockAudit.objects.filter(organization=org).order_by("-held_on", "-pk").first()
