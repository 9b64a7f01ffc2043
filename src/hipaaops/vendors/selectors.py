"""Reads of the business associate program, always within one organization."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from django.utils import timezone

from hipaaops.catalog.regulation import catalog
from hipaaops.vendors import rules
from hipaaops.vendors.models import (
    Agreement,
    Relationship,
    ReviewStatus,
    SecurityReview,
    Vendor,
    VendorStatus,
)
from hipaaops.vendors.services import settings_of

if TYPE_CHECKING:
    from hipaaops.organizations.models import Organization


@dataclass
class AgreementRow:
    agreement: Agreement
    status: rules.AgreementStatus
    term_end: date | None
    gaps: list[rules.Provision]
    verification_due: date | None = None

    @property
    def status_label(self) -> str:
        return rules.STATUS_LABELS[self.status]

    @property
    def in_force(self) -> bool:
        return rules.in_force(self.status)

    @property
    def days_to_end(self) -> int | None:
        if self.term_end is None:
            return None
        return (self.term_end - timezone.localdate()).days

    @property
    def disposition_open(self) -> bool:
        """Terminated, and the return or destruction of PHI not yet confirmed."""
        return self.status == rules.AgreementStatus.TERMINATED and not (
            (self.agreement.disposition or {}).get("confirmed_on")
        )


def verification_months() -> int:
    """The proposed rule's cadence for written verifications, from the catalog's overlay data."""
    requirement = next(
        r for r in catalog.proposed_requirements() if r.id == "nprm-2025-ba-verification"
    )
    return next(p.value for p in requirement.periods if p.unit == "months")


def agreement_row(agreement: Agreement, today: date, window: int, overlay: bool) -> AgreementRow:
    status = rules.status_on(agreement.terms, today, window)
    row = AgreementRow(
        agreement,
        status,
        rules.term_end(agreement.terms, today),
        rules.checklist_gaps(agreement.provisions or {}),
    )
    if overlay and rules.in_force(status) and agreement.effective_on:
        last = max((v.received_on for v in agreement.verifications.all()), default=None)
        row.verification_due = rules.verification_due(
            last, agreement.effective_on, today, verification_months()
        )
    return row


def agreement_rows(
    org: Organization, *, vendor: Vendor | None = None, today: date | None = None
) -> list[AgreementRow]:
    today = today or timezone.localdate()
    window = settings_of(org).expiring_window_days
    qs = (
        Agreement.objects.filter(organization=org)
        .select_related("vendor")
        .prefetch_related("verifications")
    )
    if vendor is not None:
        qs = qs.filter(vendor=vendor)
    return [agreement_row(a, today, window, org.proposed_rule_overlay) for a in qs]


@dataclass
class VendorRow:
    vendor: Vendor
    agreements: list[AgreementRow] = field(default_factory=list)

    @property
    def in_force(self) -> AgreementRow | None:
        return next((a for a in self.agreements if a.in_force), None)

    @property
    def needs_agreement(self) -> bool:
        """A business associate (or a covered entity we serve) without an agreement in force:
        45 CFR 164.502(e)(1), 164.308(b)(1)."""
        if self.vendor.status != VendorStatus.ACTIVE or self.vendor.parent_id is not None:
            return False  # a subcontractor's agreement is with the vendor it works for
        wanted = self.vendor.relationship == Relationship.UPSTREAM or bool(
            self.vendor.is_business_associate
        )
        return wanted and self.in_force is None

    @property
    def review_overdue(self) -> bool:
        due = self.vendor.review_due_on
        return due is not None and due < timezone.localdate()


def vendor_rows(org: Organization, *, today: date | None = None) -> list[VendorRow]:
    by_vendor: dict[int, VendorRow] = {
        v.pk: VendorRow(v) for v in Vendor.objects.filter(organization=org).select_related("parent")
    }
    for row in agreement_rows(org, today=today):
        by_vendor[row.agreement.vendor_id].agreements.append(row)
    return list(by_vendor.values())


@dataclass
class Gap:
    kind: str
    vendor: Vendor
    text: str
    agreement: Agreement | None = None


def gaps(
    org: Organization, *, today: date | None = None, rows: list[VendorRow] | None = None
) -> list[Gap]:
    """What the dashboard and the gaps view list: undetermined vendors with PHI, business
    associates without an agreement in force, missing provisions, open dispositions, overdue
    reviews, expired audit reports, and (overlay on) missing written verifications."""
    today = today or timezone.localdate()
    found: list[Gap] = []
    for row in rows if rows is not None else vendor_rows(org, today=today):
        v = row.vendor
        if v.status != VendorStatus.ACTIVE:
            continue
        direct = v.relationship == Relationship.VENDOR and v.parent_id is None
        if direct and not v.outcome and v.phi_access != "none":
            found.append(
                Gap(
                    "undetermined",
                    v,
                    "Touches PHI; business associate status not determined (45 CFR 160.103).",
                )
            )
        if row.needs_agreement:
            found.append(
                Gap("no_agreement", v, "No agreement in force (45 CFR 164.502(e), 164.308(b)).")
            )
        for a in row.agreements:
            if a.status == rules.AgreementStatus.TERMINATED:
                if a.disposition_open:
                    found.append(
                        Gap(
                            "disposition",
                            v,
                            "Return or destruction of PHI not confirmed (164.504(e)(2)(ii)(J)).",
                            a.agreement,
                        )
                    )
                continue
            if a.in_force and a.gaps:
                names = ", ".join(p.title.lower() for p in a.gaps[:3])
                more = f" and {len(a.gaps) - 3} more" if len(a.gaps) > 3 else ""
                found.append(
                    Gap(
                        "provisions",
                        v,
                        f"{len(a.gaps)} provision(s) missing or unchecked: {names}{more}.",
                        a.agreement,
                    )
                )
            if a.verification_due and a.verification_due < today:
                found.append(
                    Gap(
                        "verification",
                        v,
                        f"Written verification of technical safeguards due since {a.verification_due} (proposed 164.308(b)(1)).",
                        a.agreement,
                    )
                )
        if row.review_overdue:
            found.append(Gap("review", v, f"Security review due since {v.review_due_on}."))
    for review in latest_accepted_reviews(org).values():
        for report in review.reports:
            if report.get("expires_on") and date.fromisoformat(report["expires_on"]) < today:
                label = rules.questionnaire().report_types.get(report["kind"], report["kind"])
                found.append(
                    Gap(
                        "report_expired",
                        review.vendor,
                        f"{label} expired on {report['expires_on']}.",
                    )
                )
    return found


def latest_accepted_reviews(org: Organization) -> dict[int, SecurityReview]:
    latest: dict[int, SecurityReview] = {}
    for review in (
        SecurityReview.objects.filter(organization=org, status=ReviewStatus.ACCEPTED)
        .select_related("vendor")
        .order_by("decided_at")
    ):
        latest[review.vendor_id] = review
    return latest


@dataclass
class ChainNode:
    name: str
    kind: str  # us, upstream, vendor
    url_id: int | None
    status: str
    children: list[ChainNode] = field(default_factory=list)


def chain(org: Organization) -> list[ChainNode]:
    """The chain from covered entity to business associate to subcontractor: for a business
    associate, the covered entities it serves above it; below it, its vendors and theirs."""
    rows = {r.vendor.pk: r for r in vendor_rows(org) if r.vendor.status == VendorStatus.ACTIVE}

    def label(row: VendorRow) -> str:
        if (
            row.vendor.relationship == Relationship.VENDOR
            and row.vendor.outcome == rules.Outcome.NOT_BUSINESS_ASSOCIATE
        ):
            return "not a business associate"
        agreement = row.in_force
        if agreement is not None:
            return agreement.status_label.lower()
        return "no agreement" if row.needs_agreement else "not determined"

    def node(row: VendorRow) -> ChainNode:
        kids = [node(r) for r in rows.values() if r.vendor.parent_id == row.vendor.pk]
        return ChainNode(row.vendor.name, row.vendor.relationship, row.vendor.pk, label(row), kids)

    us = ChainNode(
        org.name,
        "us",
        None,
        "business associate" if org.entity_type == "business_associate" else "covered entity",
        [
            node(r)
            for r in rows.values()
            if r.vendor.relationship == Relationship.VENDOR and r.vendor.parent_id is None
        ],
    )
    upstream = [node(r) for r in rows.values() if r.vendor.relationship == Relationship.UPSTREAM]
    for top in upstream:
        top.children = [us]
    return upstream or [us]


def breach_reporting_days(org: Organization, today: date | None = None) -> int | None:
    """For a business associate: the shortest breach-reporting limit its agreements in force
    with covered entities set, in calendar days (164.410(b) allows at most 60). The incident
    module uses it for the notice to the covered entity."""
    today = today or timezone.localdate()
    window = settings_of(org).expiring_window_days
    limits = []
    for a in Agreement.objects.filter(
        organization=org,
        vendor__relationship=Relationship.UPSTREAM,
        breach_report_days__isnull=False,
    ):
        if rules.in_force(rules.status_on(a.terms, today, window)):
            days = rules.reporting_calendar_days(a.breach_report_days, a.breach_report_day_kind)
            if days is not None:
                limits.append(days)
    return min(limits) if limits else None
