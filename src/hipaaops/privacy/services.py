"""All writes of the request register. Each runs in one transaction with its audit entry and
refuses bad input with a ``DomainError`` naming the field: nothing is half-saved."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from hipaaops.audit.models import Action
from hipaaops.audit.services import record, record_create, record_update, snapshot
from hipaaops.core.errors import ConflictError, DomainError
from hipaaops.core.inputs import input_date
from hipaaops.core.roles import Capability
from hipaaops.organizations.access import OrgAccess, member_of
from hipaaops.privacy import rules
from hipaaops.privacy.models import PrivacyRequest, RequestRight, RequestStatus

CLOCKED = {
    RequestRight.ACCESS: rules.Right.ACCESS,
    RequestRight.AMENDMENT: rules.Right.AMENDMENT,
    RequestRight.ACCOUNTING: rules.Right.ACCOUNTING,
}
RESPONSES = (
    RequestStatus.GRANTED,
    RequestStatus.PARTLY_GRANTED,
    RequestStatus.DENIED,
    RequestStatus.WITHDRAWN,
)


def _today() -> date:
    return timezone.localdate()


def clock(request: PrivacyRequest) -> rules.Clock | None:
    """The request's clock (164.524(b)(2), 164.526(b)(2), 164.528(c)(1)); None for the rights
    without a time limit in the rule (restrictions, confidential communications)."""
    right = CLOCKED.get(RequestRight(request.right))
    if right is None:
        return None
    return rules.due_dates(
        right,
        request.received_on,
        request.extended_on,
        request.extension_reason or None if request.extended_on else None,
        request.expected_date if request.extended_on else None,
    )


def receive_request(
    access: OrgAccess,
    *,
    right: str,
    received_on: Any,
    requester: str,
    individual: str = "",
    contact: str = "",
    representative_basis: str = "",
    channel: str = "",
    identity_verification: str = "",
    form_and_format: str = "",
    summary: str = "",
    assignee: Any = None,
) -> PrivacyRequest:
    """Enter a request in the register; the clock starts on the day it was received."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    if right not in RequestRight.values:
        raise DomainError(f"Right must be one of {', '.join(RequestRight.values)}.", field="right")
    received = input_date(received_on, "received_on")
    if received > _today():
        raise DomainError("A request cannot be received in the future.", field="received_on")
    requester = (requester or "").strip()
    if not requester:
        raise DomainError("Name the person making the request.", field="requester")
    individual = (individual or "").strip() or requester
    if individual != requester and not (representative_basis or "").strip():
        raise DomainError(
            "Say on what basis the requester acts for the individual (a personal representative, "
            "45 CFR 164.502(g)).",
            field="representative_basis",
        )
    user = member_of(org, assignee, "assignee").user if assignee else None
    with transaction.atomic():
        number = (
            PrivacyRequest.objects.filter(organization=org).aggregate(n=Max("number"))["n"] or 0
        ) + 1
        request = PrivacyRequest.objects.create(
            organization=org,
            number=number,
            right=right,
            people={  # type: ignore[misc]  # an encrypted JSON document
                "requester": requester,
                "individual": individual,
                "contact": (contact or "").strip(),
                "representative_basis": (representative_basis or "").strip(),
            },
            received_on=received,
            channel=(channel or "").strip()[:40],
            identity_verification=(identity_verification or "").strip(),
            form_and_format=(form_and_format or "").strip()[:200],
            summary=(summary or "").strip(),
            assignee=user,
        )
        record_create(request, actor=access.user, organization=org)
    return request


def _locked(
    access: OrgAccess, request: PrivacyRequest, expected_version: int | None
) -> PrivacyRequest:
    locked = PrivacyRequest.objects.select_for_update().get(
        pk=request.pk, organization=access.organization
    )
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            f"Someone else changed this request (now version {locked.version}); reload it.",
            field="version",
        )
    if not locked.is_open:
        raise ConflictError("This request is closed.", field="status")
    return locked


def _save(access: OrgAccess, locked: PrivacyRequest, before: dict[str, Any]) -> PrivacyRequest:
    locked.version += 1
    locked.updated_at = timezone.now()
    locked.save()
    record_update(locked, before, actor=access.user, organization=access.organization)
    return locked


def extend_request(
    access: OrgAccess,
    request: PrivacyRequest,
    *,
    extended_on: Any,
    reason: str,
    expected_date: Any = None,
    expected_version: int | None = None,
) -> PrivacyRequest:
    """Take the one extension: a written statement of the reasons and of the date action will be
    taken, given within the first period (164.524(b)(2)(ii), 164.526(b)(2)(ii), 164.528(c)(1)(ii))."""
    access.require(Capability.EDIT_RECORDS)
    on = input_date(extended_on, "extended_on")
    expected = input_date(expected_date, "expected_date", required=False)
    if not (reason or "").strip():
        raise DomainError(
            "The written statement must give the reasons for the delay.", field="extension_reason"
        )
    with transaction.atomic():
        locked = _locked(access, request, expected_version)
        current = clock(locked)
        if current is None:
            raise DomainError("This right has no time limit to extend.", field="right")
        try:
            rules.extend(current, on, reason, expected)
        except rules.RuleInputError as exc:
            raise DomainError(exc.message, field=exc.field) from None
        before = snapshot(locked)
        locked.extended_on, locked.extension_reason, locked.expected_date = (
            on,
            reason.strip(),
            expected,
        )
        locked.status = RequestStatus.EXTENDED
        return _save(access, locked, before)


def set_fee(access: OrgAccess, request: PrivacyRequest, **costs: Any) -> PrivacyRequest:
    """The reasonable, cost-based fee for an access copy, itemized (45 CFR 164.524(c)(4))."""
    access.require(Capability.EDIT_RECORDS)
    if request.right != RequestRight.ACCESS:
        raise DomainError("A fee applies to copies under the right of access.", field="right")
    values: dict[str, Any] = {}
    for key in ("labor_hours", "labor_rate_per_hour", "supplies", "postage", "summary_preparation"):
        try:
            values[key] = Decimal(str(costs.get(key) or 0))
        except InvalidOperation:
            raise DomainError("Give an amount such as 12.50.", field=key) from None
    try:
        fee = rules.cost_based_fee(
            rules.CopyCosts(
                **values,
                mailed=bool(costs.get("mailed")),
                summary_agreed=bool(costs.get("summary_agreed")),
            )
        )
    except rules.RuleInputError as exc:
        raise DomainError(exc.message, field=exc.field) from None
    with transaction.atomic():
        locked = _locked(access, request, None)
        before = snapshot(locked)
        locked.fee = {
            "total": str(fee.total),
            "basis": fee.basis,
            "lines": [
                {
                    "item": line.item,
                    "description": line.description,
                    "citation": line.citation,
                    "amount": str(line.amount),
                }
                for line in fee.lines
            ],
        }
        return _save(access, locked, before)


def respond(
    access: OrgAccess,
    request: PrivacyRequest,
    *,
    status: str,
    sent_on: Any,
    summary: str = "",
    denial_ground: str = "",
    denial_reviewable: bool | None = None,
    expected_version: int | None = None,
) -> PrivacyRequest:
    """Record the response sent. A denial states its ground (164.524(a)(2)-(3), 164.526(a)(2)) and
    whether it may be reviewed; granting access needs the identity verified first (164.514(h))."""
    access.require(Capability.EDIT_RECORDS)
    if status not in RESPONSES:
        raise DomainError(f"Status must be one of {', '.join(RESPONSES)}.", field="status")
    sent = input_date(sent_on, "sent_on")
    if sent > _today():
        raise DomainError("A response cannot be sent in the future.", field="sent_on")
    if sent < request.received_on:
        raise DomainError(
            "A response is sent on or after the request was received.", field="sent_on"
        )
    if status in (RequestStatus.DENIED, RequestStatus.PARTLY_GRANTED) and not denial_ground.strip():
        raise DomainError(
            "A denial states its ground in plain language (45 CFR 164.524(d)(2), 164.526(d)(1)).",
            field="denial_ground",
        )
    if (
        status == RequestStatus.DENIED
        and request.right == RequestRight.ACCESS
        and denial_reviewable is None
    ):
        raise DomainError(
            "Say whether the ground of the denial is reviewable (45 CFR 164.524(a)(2)-(3)).",
            field="denial_reviewable",
        )
    with transaction.atomic():
        locked = _locked(access, request, expected_version)
        refused = status in (RequestStatus.DENIED, RequestStatus.PARTLY_GRANTED)
        if locked.right == RequestRight.RESTRICTION and refused:
            if locked.restriction is None:
                raise DomainError(
                    "Record the restriction's facts first: whether it may be refused depends on "
                    "them (45 CFR 164.522(a)(1)(vi)).",
                    field="restriction",
                )
            try:
                rules.decide(_restriction(locked.restriction), rules.Decision.REFUSE)
            except rules.RuleInputError as exc:
                raise DomainError(exc.message, field="status") from None
        if (
            status in (RequestStatus.GRANTED, RequestStatus.PARTLY_GRANTED)
            and locked.right == RequestRight.ACCESS
            and not locked.identity_verification.strip()
        ):
            raise DomainError(
                "Record how the requester's identity and authority were verified before granting access (45 CFR 164.514(h)).",
                field="identity_verification",
            )
        before = snapshot(locked)
        locked.status = status
        locked.response_sent_on = sent
        locked.response_summary = summary.strip()
        locked.denial_ground = denial_ground.strip()
        locked.denial_reviewable = denial_reviewable
        return _save(access, locked, before)


def update_request(
    access: OrgAccess,
    request: PrivacyRequest,
    *,
    expected_version: int | None = None,
    **changes: Any,
) -> PrivacyRequest:
    access.require(Capability.EDIT_RECORDS)
    allowed = {"identity_verification", "form_and_format", "summary", "assignee", "status"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(f"Cannot change {sorted(unknown)[0]}.", field=sorted(unknown)[0])
    if "status" in changes and changes["status"] not in (
        RequestStatus.RECEIVED,
        RequestStatus.IN_PROGRESS,
    ):
        raise DomainError(
            "Use the extension or the response to move a request further.", field="status"
        )
    with transaction.atomic():
        locked = _locked(access, request, expected_version)
        before = snapshot(locked)
        for key, value in changes.items():
            if key == "assignee":
                value = member_of(access.organization, value, "assignee").user if value else None
            elif isinstance(value, str):
                value = value.strip()
            setattr(locked, key, value)
        return _save(access, locked, before)


def read_people(access: OrgAccess, request: PrivacyRequest) -> dict[str, str]:
    """Who asked and for whom, decrypted, for a role with the right; the read is recorded."""
    access.require(Capability.VIEW_SENSITIVE)
    record(
        Action.READ_SENSITIVE,
        actor=access.user,
        organization=access.organization,
        target=request,
        changes={"viewed": "requester and individual"},
    )
    people: Any = request.people
    return {k: str(v) for k, v in (people or {}).items()}


RESTRICTION_FACTS = ("to_health_plan", "purpose", "required_by_law", "paid_in_full_out_of_pocket")


def _restriction(facts: dict[str, Any]) -> rules.RestrictionRequest:
    return rules.RestrictionRequest(
        to_health_plan=bool(facts.get("to_health_plan")),
        purpose=rules.Purpose(facts.get("purpose", "other")),
        required_by_law=bool(facts.get("required_by_law")),
        paid_in_full_out_of_pocket=bool(facts.get("paid_in_full_out_of_pocket")),
    )


def set_restriction_facts(
    access: OrgAccess, request: PrivacyRequest, **facts: Any
) -> PrivacyRequest:
    """The facts of a restriction request; one that 164.522(a)(1)(vi) obliges the entity to grant
    (to a health plan, for payment or operations, not required by law, paid in full out of
    pocket) can then not be refused."""
    access.require(Capability.EDIT_RECORDS)
    if request.right != RequestRight.RESTRICTION:
        raise DomainError("These facts belong to a restriction request.", field="right")
    unknown = set(facts) - set(RESTRICTION_FACTS)
    if unknown:
        raise DomainError(f"Unknown fact {sorted(unknown)[0]}.", field=sorted(unknown)[0])
    if facts.get("purpose") not in {p.value for p in rules.Purpose}:
        raise DomainError(
            f"Purpose must be one of {', '.join(p.value for p in rules.Purpose)}.", field="purpose"
        )
    with transaction.atomic():
        locked = _locked(access, request, None)
        before = snapshot(locked)
        locked.restriction = {k: facts.get(k) for k in RESTRICTION_FACTS}
        return _save(access, locked, before)


def must_agree(request: PrivacyRequest) -> bool:
    return bool(request.restriction) and rules.must_agree(_restriction(request.restriction or {}))


def record_disagreement(
    access: OrgAccess, request: PrivacyRequest, *, disagreement: str, rebuttal: str = ""
) -> PrivacyRequest:
    """Keep the individual's statement of disagreement with a denied amendment, and any rebuttal,
    with the record (45 CFR 164.526(d)(2)-(4))."""
    access.require(Capability.EDIT_RECORDS)
    if request.right != RequestRight.AMENDMENT or request.status not in (
        RequestStatus.DENIED,
        RequestStatus.PARTLY_GRANTED,
    ):
        raise DomainError("A statement of disagreement follows a denied amendment.", field="status")
    if not (disagreement or "").strip():
        raise DomainError("Give the statement of disagreement.", field="disagreement")
    with transaction.atomic():
        locked = PrivacyRequest.objects.select_for_update().get(
            pk=request.pk, organization=access.organization
        )
        before = snapshot(locked)
        locked.disagreement, locked.rebuttal = disagreement.strip(), (rebuttal or "").strip()
        return _save(access, locked, before)


def record_review(
    access: OrgAccess,
    request: PrivacyRequest,
    *,
    reviewer_name: str,
    license: str,
    took_part_in_denial: bool,
    outcome: str,
    reviewed_on: Any,
) -> PrivacyRequest:
    """The review of an access denial on a reviewable ground, by a licensed health care
    professional designated by the entity who did not take part in the original decision
    (45 CFR 164.524(a)(4), (d)(4)); the entity must act on the reviewer's determination."""
    access.require(Capability.EDIT_RECORDS)
    if (
        request.right != RequestRight.ACCESS
        or request.status != RequestStatus.DENIED
        or request.denial_reviewable is not True
    ):
        raise DomainError(
            "A review follows a denial of access on a reviewable ground.", field="status"
        )
    if took_part_in_denial:
        raise DomainError(
            "The reviewer must not have taken part in the original decision (45 CFR 164.524(a)(4)).",
            field="took_part_in_denial",
        )
    if not (reviewer_name or "").strip() or not (license or "").strip():
        raise DomainError(
            "Name the reviewing licensed health care professional and their licence.",
            field="reviewer_name",
        )
    if outcome not in ("upheld", "reversed"):
        raise DomainError("The outcome is upheld or reversed.", field="outcome")
    on = input_date(reviewed_on, "reviewed_on")
    with transaction.atomic():
        locked = PrivacyRequest.objects.select_for_update().get(
            pk=request.pk, organization=access.organization
        )
        before = snapshot(locked)
        locked.review = {
            "reviewer_name": reviewer_name.strip(),
            "license": license.strip(),
            "outcome": outcome,
            "reviewed_on": on.isoformat() if on else None,
        }
        return _save(access, locked, before)


def amendment_denial_letter(request: PrivacyRequest, organization_name: str, contact: str) -> bytes:
    """The written denial of an amendment with the elements of 45 CFR 164.526(d)(1): the basis
    for the denial; the right to submit a statement of disagreement and how; that, without one,
    the individual may ask that the request and the denial go with future disclosures; and how to
    complain to the entity and to the Secretary."""
    import json
    from pathlib import Path

    import typst

    if request.right != RequestRight.AMENDMENT or not request.denial_ground:
        raise DomainError("The letter is for a denied amendment with its ground.", field="status")
    people: Any = request.people or {}
    data = {
        "organization": organization_name,
        "name": str(people.get("requester", "")),
        "reference": request.reference,
        "received_on": request.received_on.isoformat(),
        "ground": request.denial_ground,
        "contact": contact,
        "sent_on": (request.response_sent_on or timezone.localdate()).isoformat(),
    }
    template = Path(__file__).resolve().parent / "templates" / "privacy" / "amendment_denial.typ"
    pdf = typst.compile(
        template.read_bytes(),
        format="pdf",
        sys_inputs={"data": json.dumps(data)},
        ignore_system_fonts=True,
    )
    assert isinstance(pdf, bytes)
    return pdf


def attach_file(access: OrgAccess, request: PrivacyRequest, upload: Any, *, title: str = "") -> Any:
    """Keep a file with the request (the written request, the response, the statement of
    disagreement): its kind is read from its first bytes, it is hashed and never changes."""
    from hipaaops.safeguards.services import attach_document

    access.require(Capability.EDIT_RECORDS)
    with transaction.atomic():
        document = attach_document(access, upload, title=title)
        request.documents.add(document)
        record(
            Action.UPDATE,
            actor=access.user,
            organization=access.organization,
            target=request,
            changes={"attached": document.pk, "sha256": document.sha256},
        )
    return document
