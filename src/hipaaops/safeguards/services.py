"""All writes to the safeguard register. Each runs in one transaction with its audit entry, and
refuses bad input with a ``DomainError`` naming the field: nothing is half-saved."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from hipaaops.audit.models import Action
from hipaaops.audit.services import (
    PendingEntry,
    diff,
    record,
    record_create,
    record_many,
    record_update,
    snapshot,
)
from hipaaops.core.errors import ConflictError, DomainError
from hipaaops.core.roles import Capability, can
from hipaaops.organizations.access import OrgAccess
from hipaaops.organizations.models import Membership, Organization
from hipaaops.safeguards import evidence, reference, rules
from hipaaops.safeguards.models import (
    AddressableDecision,
    Document,
    KeyActivityAnswer,
    PostureSnapshot,
    SafeguardItem,
    SafeguardVersion,
    Status,
)

if TYPE_CHECKING:
    from hipaaops.accounts.models import User

ITEM_FIELDS = {
    "status",
    "not_applicable_reason",
    "owner",
    "target_date",
    "implementation",
    "last_reviewed_on",
    "next_review_on",
}


def _fail(problems: Sequence[rules.Problem]) -> None:
    if problems:
        raise DomainError(problems[0].message, field=problems[0].field)


def _today() -> date:
    return timezone.localdate()


# --- versions ---------------------------------------------------------------------------------


def _decision_state(decision: AddressableDecision | None) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {
        "id": decision.pk,
        "choice": decision.choice,
        "rationale": decision.rationale,
        "alternative": decision.alternative,
        "instead": decision.instead,
        "factors": list(decision.factors),
        "approver": decision.approver.email if decision.approver else None,
        "decided_on": decision.decided_on.isoformat(),
        "review_on": decision.review_on.isoformat(),
    }


def item_state(
    item: SafeguardItem,
    *,
    documents: Iterable[Document] | None = None,
    decision: AddressableDecision | None = None,
) -> dict[str, Any]:
    """The full state of an item, as kept in each version."""
    return {
        "citation": item.citation,
        "status": item.status,
        "not_applicable_reason": item.not_applicable_reason,
        "excluded_by_profile": item.excluded_by_profile,
        "owner": item.owner.email if item.owner_id and item.owner else None,
        "target_date": item.target_date.isoformat() if item.target_date else None,
        "implementation": item.implementation,
        "last_reviewed_on": item.last_reviewed_on.isoformat() if item.last_reviewed_on else None,
        "next_review_on": item.next_review_on.isoformat() if item.next_review_on else None,
        "documents": [
            {"id": d.pk, "title": d.title, "sha256": d.sha256} for d in (documents or [])
        ],
        "decision": _decision_state(decision),
    }


def _current_decision(item: SafeguardItem) -> AddressableDecision | None:
    return (
        AddressableDecision.objects.filter(item=item, superseded_by__isnull=True)
        .select_related("approver")
        .first()
    )


def _new_version(item: SafeguardItem, change: str, actor: User | None) -> SafeguardVersion:
    """Bump the item's version and keep its full state (call inside the writing transaction)."""
    now = timezone.now()
    item.version += 1
    item.updated_at = now
    item.updated_by = actor
    item.save(update_fields=["version", "updated_at", "updated_by"])
    return SafeguardVersion.objects.create(
        organization_id=item.organization_id,
        item=item,
        version=item.version,
        change=change,
        data=item_state(
            item, documents=item.documents.order_by("pk"), decision=_current_decision(item)
        ),
        changed_by=actor,
        changed_at=now,
    )


# --- the register -----------------------------------------------------------------------------


def _pending(action: Action, instance: Model, changes: dict[str, Any], **kw: Any) -> PendingEntry:
    return PendingEntry(
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance),
        changes=changes,
        **kw,
    )


def register_complete(org: Organization) -> bool:
    return SafeguardItem.objects.filter(organization=org).count() >= len(reference.entries())


def ensure_register(org: Organization, *, actor: User | None = None) -> int:
    """Create the organization's item for every catalog entry, and follow its profile: an entry
    that does not apply is marked not applicable with the catalog's reason, and one that applies
    again is reopened. Bulk writes, audited with ``record_many``. Returns the items created."""
    applies = reference.applicability(org)
    with transaction.atomic():
        # One writer per organization at a time (PostgreSQL; SQLite already holds the lock).
        Organization.objects.select_for_update().filter(pk=org.pk).first()
        existing = {i.citation: i for i in SafeguardItem.objects.filter(organization=org)}
        now = timezone.now()
        created: list[SafeguardItem] = []
        for e in reference.entries():
            if e.citation in existing:
                continue
            ok, reason = applies[e.citation]
            created.append(
                SafeguardItem(
                    organization=org,
                    citation=e.citation,
                    status=Status.NOT_STARTED if ok else Status.NOT_APPLICABLE,
                    not_applicable_reason="" if ok else reason,
                    excluded_by_profile=not ok,
                    updated_at=now,
                    updated_by=actor,
                )
            )
        changed: list[tuple[SafeguardItem, dict[str, Any]]] = []
        for item in existing.values():
            ok, reason = applies.get(item.citation, (True, ""))
            if ok == (not item.excluded_by_profile):
                continue
            before = snapshot(item)
            if ok:
                item.status, item.not_applicable_reason = Status.NOT_STARTED, ""
            else:
                item.status, item.not_applicable_reason = Status.NOT_APPLICABLE, reason
            item.excluded_by_profile = not ok
            item.version += 1
            item.updated_at, item.updated_by = now, actor
            changed.append((item, before))
        SafeguardItem.objects.bulk_create(created)
        SafeguardItem.objects.bulk_update(
            [i for i, _ in changed],
            [
                "status",
                "not_applicable_reason",
                "excluded_by_profile",
                "version",
                "updated_at",
                "updated_by",
            ],
        )
        versions = [
            SafeguardVersion(
                organization=org,
                item=i,
                version=1,
                change="created",
                data=item_state(i),
                changed_by=actor,
                changed_at=now,
            )
            for i in created
        ]
        for i, _ in changed:
            versions.append(
                SafeguardVersion(
                    organization=org,
                    item=i,
                    version=i.version,
                    change="profile",
                    data=item_state(
                        i, documents=i.documents.order_by("pk"), decision=_current_decision(i)
                    ),
                    changed_by=actor,
                    changed_at=now,
                )
            )
        SafeguardVersion.objects.bulk_create(versions)
        entries = [
            _pending(Action.CREATE, i, {"after": snapshot(i)}, actor=actor, organization=org)
            for i in created
        ]
        entries += [
            _pending(Action.UPDATE, i, diff(before, snapshot(i)), actor=actor, organization=org)
            for i, before in changed
        ]
        record_many(entries)
    return len(created)


def ensure_register_exists(org: Organization, *, actor: User | None = None) -> None:
    """Create the register on first use (and any items a newer catalog adds)."""
    if not register_complete(org):
        ensure_register(org, actor=actor)


def _member(org: Organization, user: Any, field: str) -> Membership:
    user_id = getattr(user, "pk", user)
    membership = None
    if user_id not in (None, ""):
        try:
            membership = (
                Membership.objects.select_related("user")
                .filter(organization=org, user_id=int(user_id))
                .first()
            )
        except (TypeError, ValueError):
            membership = None
    if membership is None:
        raise DomainError(
            f"The {field.replace('_', ' ')} must be a member of {org.name}.", field=field
        )
    return membership


def update_item(
    access: OrgAccess,
    item: SafeguardItem,
    *,
    expected_version: int | None = None,
    **changes: Any,
) -> SafeguardItem:
    """Change an item's status, owner, dates or implementation; keeps a version."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    if item.organization_id != org.pk:
        raise DomainError("Not in this organization.", field="citation")
    unknown = set(changes) - ITEM_FIELDS
    if unknown:
        first = sorted(unknown)[0]
        raise DomainError(f"Cannot change {', '.join(sorted(unknown))}.", field=first)
    if "owner" in changes and changes["owner"] is not None:
        changes["owner"] = _member(org, changes["owner"], "owner").user
    with transaction.atomic():
        locked = SafeguardItem.objects.select_for_update().get(pk=item.pk, organization=org)
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError(
                f"Someone else changed this item (now version {locked.version}); reload it and "
                "make your change again.",
                field="version",
            )
        before = snapshot(locked)
        old_target = locked.target_date
        for key, value in changes.items():
            if key in {"implementation", "not_applicable_reason"}:
                value = (value or "").strip()
            setattr(locked, key, value)
        if locked.excluded_by_profile and locked.status != Status.NOT_APPLICABLE:
            raise DomainError(
                f"This does not apply to the organization's profile ({locked.not_applicable_reason})"
                " Change the profile in the organization settings.",
                field="status",
            )
        if locked.status != Status.NOT_APPLICABLE:
            locked.not_applicable_reason = ""
        _fail(
            rules.item_problems(
                status=locked.status,
                not_applicable_reason=locked.not_applicable_reason,
                target_date=locked.target_date,
                target_date_changed=locked.target_date != old_target,
                last_reviewed_on=locked.last_reviewed_on,
                next_review_on=locked.next_review_on,
                implementation=locked.implementation,
                today=_today(),
            )
        )
        if not diff(before, snapshot(locked)):
            return locked
        locked.save()
        _new_version(locked, "updated", access.user)
        record_update(locked, before, actor=access.user, organization=org)
    return locked


def record_decision(
    access: OrgAccess,
    item: SafeguardItem,
    *,
    choice: str,
    rationale: str,
    factors: Sequence[str],
    approver: Any,
    decided_on: date | None,
    review_on: date | None,
    alternative: str = "",
    instead: str = "",
) -> AddressableDecision:
    """Record the decision on an addressable specification (45 CFR 164.306(d)(3)); it
    supersedes the current one, which is kept."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    e = reference.entry(item.citation)
    if not reference.is_addressable(e):
        raise DomainError(
            f"{e.citation} is not an addressable implementation specification; only those take "
            "a decision under 45 CFR 164.306(d)(3).",
            field="citation",
        )
    factors = list(dict.fromkeys(factors or []))
    _fail(
        rules.decision_problems(
            choice=choice,
            rationale=rationale,
            factors=factors,
            decided_on=decided_on,
            review_on=review_on,
            today=_today(),
            alternative=alternative,
            instead=instead,
        )
    )
    membership = _member(org, approver, "approver")
    # The approver's own role counts, not an emergency grant: approval is not break-glass work.
    if not can(membership.role, Capability.APPROVE):
        raise DomainError(
            f"{membership.user.email} ({membership.role_label}) cannot approve decisions; choose "
            "an owner or compliance officer.",
            field="approver",
        )
    assert decided_on is not None and review_on is not None
    with transaction.atomic():
        locked = SafeguardItem.objects.select_for_update().get(pk=item.pk, organization=org)
        current = _current_decision(locked)
        decision = AddressableDecision.objects.create(
            organization=org,
            item=locked,
            choice=choice,
            rationale=rationale.strip(),
            alternative=(alternative or "").strip()
            if choice == rules.DecisionChoice.EQUIVALENT_ALTERNATIVE
            else "",
            instead=(instead or "").strip()
            if choice == rules.DecisionChoice.NOT_REASONABLE_AND_APPROPRIATE
            else "",
            factors=factors,
            approver=membership.user,
            decided_on=decided_on,
            review_on=review_on,
            recorded_by=access.user,
        )
        record_create(decision, actor=access.user, organization=org)
        if current is not None:
            before = snapshot(current)
            current.superseded_by = decision
            current.save(update_fields=["superseded_by"])
            record_update(current, before, actor=access.user, organization=org)
        _new_version(locked, "decision", access.user)
    item.version = locked.version
    return decision


def answer_question(access: OrgAccess, *, question_id: str, answer: str) -> KeyActivityAnswer:
    """The organization's answer to a NIST SP 800-66r2 sample question (guidance, not law)."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    q = reference.question(question_id)
    answer = (answer or "").strip()
    if len(answer) > rules.MAX_TEXT:
        raise DomainError(f"At most {rules.MAX_TEXT} characters.", field="answer")
    with transaction.atomic():
        found = (
            KeyActivityAnswer.objects.select_for_update()
            .filter(organization=org, question=q.id)
            .first()
        )
        if found is None:
            found = KeyActivityAnswer.objects.create(
                organization=org,
                key_activity=q.key_activity_id,
                question=q.id,
                answer=answer,
                answered_by=access.user,
            )
            record_create(found, actor=access.user, organization=org)
        elif found.answer != answer:
            before = snapshot(found)
            found.answer = answer
            found.answered_by = access.user
            found.answered_at = timezone.now()
            found.save()
            record_update(found, before, actor=access.user, organization=org)
    return found


# --- evidence ---------------------------------------------------------------------------------


def store_document(
    org: Organization,
    upload: Any,
    *,
    title: str = "",
    user: User | None = None,
    accepted: tuple[evidence.Kind, ...] = evidence.ACCEPTED,
) -> Document:
    """Validate and keep one uploaded file for an organization, with its audit entry.

    The size is limited (``EVIDENCE_MAX_BYTES``), the kind is read from the first bytes and must
    be one of ``accepted``, the name is sanitized, and the SHA-256 and size are kept. The file is
    never unpacked or run. Callers check who may upload; this is the one place files are kept.
    A caller that does more in the same transaction removes the file if that later work fails
    (``attach_document`` shows how).
    """
    if upload is None:
        raise DomainError("Choose a file to upload.", field="file")
    content = upload if isinstance(upload, File) else File(upload, name=getattr(upload, "name", ""))
    size = content.size
    limit = settings.EVIDENCE_MAX_BYTES
    if size is None or size > limit:
        raise DomainError(
            f"The file is larger than the limit of {limit // (1024 * 1024)} MB.", field="file"
        )
    content.seek(0)
    head = content.read(evidence.HEAD_BYTES)
    try:
        kind = evidence.sniff(head)
    except evidence.Refused as exc:
        raise DomainError(str(exc), field="file") from None
    if kind not in accepted:
        names = " or ".join(k.label for k in accepted)
        raise DomainError(f"This file is a {kind.label}; upload a {names}.", field="file")
    name = evidence.safe_filename(content.name or "", kind.extension)
    digest = hashlib.sha256()
    for chunk in content.chunks():
        digest.update(chunk)
    document = Document(
        organization=org,
        title=(title or "").strip()[:200] or name,
        original_name=name,
        content_type=kind.content_type,
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by=user,
    )
    content.seek(0)
    document.file.save(name, content, save=False)
    try:
        document.save()
        record_create(document, actor=user, organization=org)
    except BaseException:
        discard_file(document)
        raise
    return document


def discard_file(document: Document) -> None:
    """Remove a kept file whose record was rolled back."""
    if document.file.name:
        default_storage.delete(document.file.name)


@contextmanager
def atomic_with_files() -> Iterator[list[Document]]:
    """A transaction in which documents are stored: append each to the list yielded; if the
    transaction rolls back, their files are removed too."""
    stored: list[Document] = []
    try:
        with transaction.atomic():
            yield stored
    except BaseException:
        for document in stored:
            discard_file(document)
        raise


def attach_document(
    access: OrgAccess,
    upload: Any,
    *,
    title: str = "",
    items: Iterable[SafeguardItem] = (),
    question_id: str = "",
) -> Document:
    """Store an evidence file (see ``store_document``) and link it to items (and to a question's
    answer)."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    items = list(items)
    for item in items:
        if item.organization_id != org.pk:
            raise DomainError("Not in this organization.", field="citation")
    q = reference.question(question_id) if question_id else None
    with atomic_with_files() as stored:
        document = store_document(org, upload, title=title, user=access.user)
        stored.append(document)
        for item in items:
            locked = SafeguardItem.objects.select_for_update().get(pk=item.pk)
            locked.documents.add(document)
            _new_version(locked, "evidence", access.user)
            item.version = locked.version
        if q is not None:
            answer = answer_question_if_missing(access, q)
            answer.documents.add(document)
    return document


def answer_question_if_missing(access: OrgAccess, q: reference.Question) -> KeyActivityAnswer:
    found = KeyActivityAnswer.objects.filter(
        organization=access.organization, question=q.id
    ).first()
    return found or answer_question(access, question_id=q.id, answer="")


def link_document(access: OrgAccess, item: SafeguardItem, document: Document) -> None:
    """Link an existing evidence document to another item."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    if item.organization_id != org.pk or document.organization_id != org.pk:
        raise DomainError("Not in this organization.", field="document")
    with transaction.atomic():
        locked = SafeguardItem.objects.select_for_update().get(pk=item.pk)
        if locked.documents.filter(pk=document.pk).exists():
            return
        locked.documents.add(document)
        _new_version(locked, "evidence", access.user)
        record(
            Action.UPDATE,
            actor=access.user,
            organization=org,
            target=locked,
            changes={"documents": {"linked": document.pk, "title": document.title}},
        )


def unlink_document(access: OrgAccess, item: SafeguardItem, document: Document) -> None:
    """Remove an evidence link from an item (the document itself is kept)."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    if item.organization_id != org.pk or document.organization_id != org.pk:
        raise DomainError("Not in this organization.", field="document")
    with transaction.atomic():
        locked = SafeguardItem.objects.select_for_update().get(pk=item.pk)
        if not locked.documents.filter(pk=document.pk).exists():
            return
        locked.documents.remove(document)
        _new_version(locked, "evidence", access.user)
        record(
            Action.UPDATE,
            actor=access.user,
            organization=org,
            target=locked,
            changes={"documents": {"unlinked": document.pk, "title": document.title}},
        )


# --- posture ----------------------------------------------------------------------------------


def take_snapshot(
    org: Organization,
    *,
    actor: User | None = None,
    trigger: str = "on_demand",
    on: date | None = None,
) -> PostureSnapshot:
    """Keep today's posture counts (one snapshot a day: a later one replaces the day's)."""
    from hipaaops.safeguards.selectors import posture_counts

    ensure_register_exists(org, actor=actor)
    on = on or _today()
    counts = posture_counts(org, today=on)
    with transaction.atomic():
        found = (
            PostureSnapshot.objects.select_for_update()
            .filter(organization=org, taken_on=on)
            .first()
        )
        if found is None:
            found = PostureSnapshot.objects.create(
                organization=org, taken_on=on, counts=counts, trigger=trigger
            )
            record_create(found, actor=actor, organization=org)
        else:
            before = snapshot(found)
            found.counts, found.trigger, found.taken_at = counts, trigger, timezone.now()
            found.save()
            record_update(found, before, actor=actor, organization=org)
    return found


def take_snapshot_for(access: OrgAccess) -> PostureSnapshot:
    access.require(Capability.EDIT_RECORDS)
    return take_snapshot(access.organization, actor=access.user)


def record_export(access: OrgAccess, *, what: str, fmt: str, count: int | None = None) -> None:
    """Every export is an event in the audit trail (45 CFR 164.312(b))."""
    access.require(Capability.EXPORT)
    changes: dict[str, Any] = {"what": what, "format": fmt}
    if count is not None:
        changes["items"] = count
    record(
        Action.EXPORT,
        actor=access.user,
        organization=access.organization,
        object_type="safeguards.safeguarditem",
        object_repr=f"{what} ({fmt})",
        changes=changes,
    )
