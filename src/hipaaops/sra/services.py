"""All writes of the risk assessment. Each runs in one transaction with its audit entry and
refuses bad input with a ``DomainError`` naming the field: nothing is half-saved. A completed
assessment is a record and no longer changes; the next one starts as its copy."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from hipaaops.audit.models import Action
from hipaaops.audit.services import diff, record, record_create, record_update, snapshot
from hipaaops.core.errors import ConflictError, DomainError
from hipaaops.core.inputs import input_date
from hipaaops.core.roles import Capability
from hipaaops.core.roles import can as role_can
from hipaaops.inventory.models import Asset
from hipaaops.organizations.access import OrgAccess, member_of
from hipaaops.organizations.models import Organization
from hipaaops.safeguards.models import SafeguardItem
from hipaaops.sra import rules, selectors
from hipaaops.sra.models import (
    Answer,
    Assessment,
    AssessmentStatus,
    LibraryEntry,
    Origin,
    PlanItem,
    PlanStatus,
    Scenario,
    ScenarioVersion,
    SectionReview,
)


def _fail(exc: rules.RiskInputError) -> DomainError:
    return DomainError(exc.message, field=exc.field)


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(f"Give the {field.replace('_', ' ')}.", field=field)
    if len(text) > limit:
        raise DomainError(
            f"The {field.replace('_', ' ')} is at most {limit} characters.", field=field
        )
    return text


def _editable(assessment: Assessment) -> None:
    if assessment.status == AssessmentStatus.COMPLETE:
        raise ConflictError(
            "This assessment is complete and kept as it was; start a new one as its copy.",
            field="assessment",
        )


def _participants(value: Any) -> list[dict[str, str]]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        # One per line: "Name, role".
        value = [
            dict(zip(("name", "role"), [p.strip() for p in line.split(",", 1)], strict=False))
            for line in value.splitlines()
            if line.strip()
        ]
    out = []
    for i, p in enumerate(value):
        if not isinstance(p, dict) or not str(p.get("name", "")).strip():
            raise DomainError(f"Participant {i + 1} needs a name.", field="participants")
        out.append(
            {"name": str(p["name"]).strip()[:200], "role": str(p.get("role", "")).strip()[:200]}
        )
    if len(out) > 100:
        raise DomainError("At most 100 participants.", field="participants")
    return out


# ---------------------------------------------------------------------------- assessments


def create_assessment(
    access: OrgAccess,
    *,
    title: str,
    assessed_on: Any,
    scope: str,
    method: str = "",
    participants: Any = None,
    scale: str | None = None,
    copy_from: Assessment | int | None = None,
) -> Assessment:
    """A new assessment; as a copy of an earlier one, it carries over the scale, the answers, the
    risks (with their assets, controls, ratings, owners and treatment) and the open plan items,
    each linked to what it was copied from so a comparison shows what changed."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    source = None
    if copy_from not in (None, ""):
        pk = getattr(copy_from, "pk", copy_from)
        try:
            source = Assessment.objects.filter(organization=org, pk=int(pk)).first()  # type: ignore[arg-type]
        except (TypeError, ValueError):
            source = None
        if source is None:
            raise DomainError("No such assessment to copy in this organization.", field="copy_from")
    clean = {
        "title": _text(title, "title", 200, required=True),
        "assessed_on": input_date(assessed_on, "assessed_on", required=True),
        "scope": _text(scope, "scope", 10000, required=True),
        "method": _text(method, "method", 10000),
        "participants": _participants(participants),
    }
    if source is not None and scale in (None, ""):
        scale_data = source.scale
    else:
        try:
            scale_data = rules.scale(scale or rules.default_scale_key()).as_data()
        except rules.RiskInputError as exc:
            raise _fail(exc) from None
        if source is not None and scale_data["key"] != source.scale.get("key"):
            raise DomainError(
                "A copy keeps the scale of the assessment it copies, so ratings compare.",
                field="scale",
            )
    with transaction.atomic():
        assessment = Assessment.objects.create(
            organization=org,
            scale=scale_data,
            previous=source,
            created_by=access.user,
            **clean,
        )
        record_create(assessment, actor=access.user, organization=org)
        if source is not None:
            _copy(access, source, assessment)
    return assessment


def _copy(access: OrgAccess, source: Assessment, target: Assessment) -> None:
    org = access.organization
    Answer.objects.bulk_create(
        Answer(
            organization=org,
            assessment=target,
            question=a.question,
            answer=a.answer,
            note=a.note,
            answered_by=a.answered_by,
            answered_at=a.answered_at,
        )
        for a in source.answers.all()
    )
    old_scenarios = list(
        source.scenarios.prefetch_related("assets", "controls", "plan_items__safeguards")
    )
    for old in old_scenarios:
        new = Scenario.objects.create(
            organization=org,
            assessment=target,
            number=old.number,
            title=old.title,
            threat=old.threat,
            vulnerability=old.vulnerability,
            description=old.description,
            controls_note=old.controls_note,
            likelihood=old.likelihood,
            impact=old.impact,
            likelihood_basis=old.likelihood_basis,
            residual_likelihood=old.residual_likelihood,
            residual_impact=old.residual_impact,
            inherent_score=old.inherent_score,
            inherent_level=old.inherent_level,
            residual_score=old.residual_score,
            residual_level=old.residual_level,
            owner=old.owner,
            treatment=old.treatment,
            justification=old.justification,
            transfer_to=old.transfer_to,
            approver=old.approver,
            decided_on=old.decided_on,
            origin=Origin.COPIED,
            origin_ref=old.code,
            copied_from=old,
            ref=old.ref or str(old.pk),
            updated_by=access.user,
        )
        new.assets.set([a for a in old.assets.all() if a.lifecycle != "disposed"])
        new.controls.set(old.controls.all())
        _version(new, "copied", access)
        for item in old.plan_items.all():
            if item.status in (PlanStatus.DONE, PlanStatus.CANCELLED):
                continue
            copy = PlanItem.objects.create(
                organization=org,
                scenario=new,
                assessment=target,
                title=item.title,
                owner=item.owner,
                due_on=item.due_on,
                status=item.status,
                notes=item.notes,
                ref=item.ref or str(item.pk),
            )
            copy.safeguards.set(item.safeguards.all())
    # Gaps from mock audits treat no single risk; the open ones carry over like the others.
    for item in source.plan_items.filter(scenario__isnull=True).prefetch_related("safeguards"):
        if item.status in (PlanStatus.DONE, PlanStatus.CANCELLED):
            continue
        copy = PlanItem.objects.create(
            organization=org,
            assessment=target,
            source=item.source,
            title=item.title,
            owner=item.owner,
            due_on=item.due_on,
            status=item.status,
            notes=item.notes,
            ref=item.ref or str(item.pk),
        )
        copy.safeguards.set(item.safeguards.all())
    record(
        Action.CREATE,
        actor=access.user,
        organization=org,
        target=target,
        changes={"copied_from": source.pk, "scenarios": len(old_scenarios)},
    )


ASSESSMENT_FIELDS = ("title", "assessed_on", "scope", "method", "participants", "status")


def update_assessment(
    access: OrgAccess, assessment: Assessment, *, expected_version: int | None = None, **values: Any
) -> Assessment:
    access.require(Capability.EDIT_RECORDS)
    unknown = set(values) - set(ASSESSMENT_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise DomainError(f"Unknown field {field}.", field=field)
    clean: dict[str, Any] = {}
    if "title" in values:
        clean["title"] = _text(values["title"], "title", 200, required=True)
    if "assessed_on" in values:
        clean["assessed_on"] = input_date(values["assessed_on"], "assessed_on", required=True)
    if "scope" in values:
        clean["scope"] = _text(values["scope"], "scope", 10000, required=True)
    if "method" in values:
        clean["method"] = _text(values["method"], "method", 10000)
    if "participants" in values:
        clean["participants"] = _participants(values["participants"])
    if "status" in values:
        if values["status"] not in (AssessmentStatus.DRAFT, AssessmentStatus.IN_PROGRESS):
            raise DomainError(
                "Status is draft or in_progress; completing an assessment is its own step.",
                field="status",
            )
        clean["status"] = values["status"]
    with transaction.atomic():
        locked = _locked(access, assessment, expected_version)
        before = snapshot(locked)
        for k, v in clean.items():
            setattr(locked, k, v)
        _saved(access, locked, before)
    return locked


def _locked(access: OrgAccess, assessment: Assessment, expected: int | None) -> Assessment:
    locked = Assessment.objects.select_for_update().get(
        pk=assessment.pk, organization=access.organization
    )
    _editable(locked)
    if expected is not None and locked.version != expected:
        raise ConflictError(
            f"Someone else changed this assessment (now version {locked.version}); reload it.",
            field="version",
        )
    return locked


def _saved(access: OrgAccess, obj: Any, before: dict[str, Any]) -> None:
    obj.version += 1
    obj.save()
    record_update(obj, before, actor=access.user, organization=access.organization)


def set_definitions(
    access: OrgAccess, assessment: Assessment, definitions: dict[str, dict[int, str]]
) -> Assessment:
    """The organization's own wording of the scale's level definitions (same levels)."""
    access.require(Capability.APPROVE)
    try:
        new = rules.edit_definitions(assessment.risk_scale, definitions)
    except rules.RiskInputError as exc:
        raise _fail(exc) from None
    with transaction.atomic():
        locked = _locked(access, assessment, None)
        before = snapshot(locked)
        locked.scale = new.as_data()
        _saved(access, locked, before)
    return locked


def completion_problems(assessment: Assessment) -> list[str]:
    """What stands between an assessment and its completion (45 CFR 164.308(a)(1)(ii)(A)-(B)):
    every section reviewed, every risk rated, owned and decided, every mitigation planned."""
    problems = []
    reviewed = set(assessment.reviews.values_list("section", flat=True))
    for sec in rules.sections():
        if sec.key not in reviewed:
            problems.append(f"Section {sec.number} ({sec.title}) has no reviewer sign-off.")
    rows = list(
        assessment.scenarios.values_list(
            "number", "inherent_score", "owner_id", "treatment", "approver_id"
        )
    )
    planned = set(assessment.plan_items.values_list("scenario__number", flat=True))
    if not rows:
        problems.append("The assessment has no risk scenario.")
    for number, score, owner, treatment, approver in rows:
        if score is None:
            problems.append(f"R-{number} is not rated (likelihood and impact).")
        if owner is None:
            problems.append(f"R-{number} has no risk owner.")
        if not treatment:
            problems.append(f"R-{number} has no treatment decision.")
        elif treatment == "mitigate" and number not in planned:
            problems.append(f"R-{number} is to be mitigated but has no plan item.")
        elif treatment == "accept" and approver is None:
            problems.append(f"R-{number} is accepted without an approver.")
    return problems


def complete_assessment(access: OrgAccess, assessment: Assessment) -> Assessment:
    access.require(Capability.APPROVE)
    problems = completion_problems(assessment)
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise DomainError("Not ready to complete: " + " ".join(problems[:5]) + more, field="status")
    with transaction.atomic():
        locked = _locked(access, assessment, None)
        before = snapshot(locked)
        locked.status = AssessmentStatus.COMPLETE
        locked.completed_at = timezone.now()
        locked.completed_by = access.user
        locked.inventory_snapshot = selectors.inventory_snapshot(access.organization)
        _saved(access, locked, before)
    return locked


# ---------------------------------------------------------------------------- questionnaire


def record_answer(
    access: OrgAccess, assessment: Assessment, *, question: str, answer: str, note: str = ""
) -> Answer:
    access.require(Capability.EDIT_RECORDS)
    _editable(assessment)
    given = dict(assessment.answers.values_list("question", "answer"))
    try:
        q = rules.check_answer(question, answer, given)
    except rules.RiskInputError as exc:
        raise _fail(exc) from None
    note = _text(note, "note", 5000)
    with transaction.atomic():
        found = (
            Answer.objects.select_for_update().filter(assessment=assessment, question=q.key).first()
        )
        if found is not None and found.answer == answer and found.note == note:
            return found
        before = found.answer if found else None
        if found is None:
            found = Answer(organization=access.organization, assessment=assessment, question=q.key)
        found.answer = answer
        found.note = note
        found.answered_by = access.user
        found.answered_at = timezone.now()
        found.save()
        # A changed answer reopens its section's sign-off.
        dropped = SectionReview.objects.filter(assessment=assessment, section=q.section).delete()[0]
        record(
            Action.UPDATE if before else Action.CREATE,
            actor=access.user,
            organization=access.organization,
            target=found,
            changes={
                "question": q.key,
                "answer": [before, answer],
                "sign_off_reopened": bool(dropped),
            },
        )
    return found


def sign_off_section(
    access: OrgAccess, assessment: Assessment, *, section: str, note: str = ""
) -> SectionReview:
    """The reviewer's confirmation of a section, with name and time, once every question asked
    in it is answered."""
    access.require(Capability.APPROVE)
    _editable(assessment)
    try:
        sec = rules.section(section)
    except rules.RiskInputError as exc:
        raise _fail(exc) from None
    given = dict(assessment.answers.values_list("question", "answer"))
    prog = rules.progress(sec, given)
    if not prog.complete:
        raise DomainError(
            f"{prog.asked - prog.answered} question(s) of section {sec.number} are unanswered.",
            field="section",
        )
    user = access.user
    with transaction.atomic():
        review, _ = SectionReview.objects.update_or_create(
            assessment=assessment,
            section=sec.key,
            defaults={
                "organization": access.organization,
                "reviewer": user,
                "reviewer_name": user.get_full_name() or user.email,
                "reviewed_at": timezone.now(),
                "note": _text(note, "note", 2000),
            },
        )
        record(
            Action.UPDATE,
            actor=user,
            organization=access.organization,
            target=review,
            changes={"section": sec.key, "signed_off": True},
        )
    return review


# ---------------------------------------------------------------------------- library


def add_library_entry(
    access: OrgAccess,
    *,
    kind: str,
    key: str,
    name: str,
    description: str,
    source: str = "",
    safeguards: Any = (),
    threats: Any = (),
) -> LibraryEntry:
    """A threat or vulnerability of the organization's own, beside the built-in libraries."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    if kind not in ("threat", "vulnerability"):
        raise DomainError("kind is threat or vulnerability.", field="kind")
    taken = set(
        LibraryEntry.objects.filter(organization=org, kind=kind).values_list("key", flat=True)
    )
    try:
        key = rules.check_custom_key(str(key or name), kind, taken)
    except rules.RiskInputError as exc:
        raise _fail(exc) from None
    clean: dict[str, Any] = {
        "name": _text(name, "name", 200, required=True),
        "description": _text(description, "description", 5000, required=True),
    }
    if kind == "threat":
        if source not in rules.THREAT_SOURCES:
            raise DomainError(
                f"source must be one of {', '.join(rules.THREAT_SOURCES)}.", field="source"
            )
        clean["source"] = source
    else:
        from hipaaops.catalog.regulation import UnknownCitation, entry

        cites = [
            s.strip()
            for s in (safeguards.split(",") if isinstance(safeguards, str) else safeguards)
            if str(s).strip()
        ]
        for c in cites:
            try:
                entry(c)
            except UnknownCitation:
                raise DomainError(
                    f"{c} is not a Security Rule paragraph.", field="safeguards"
                ) from None
        known = selectors.threat_library(org)
        keys = [
            t.strip()
            for t in (threats.split(",") if isinstance(threats, str) else threats)
            if str(t).strip()
        ]
        for t in keys:
            if t not in known:
                raise DomainError(f"No threat {t!r} in the library.", field="threats")
        clean["safeguards"] = cites
        clean["threats"] = keys
    with transaction.atomic():
        found = LibraryEntry.objects.create(
            organization=org, kind=kind, key=key, created_by=access.user, **clean
        )
        record_create(found, actor=access.user, organization=org)
    return found


# ---------------------------------------------------------------------------- scenarios

RATINGS = ("likelihood", "impact", "residual_likelihood", "residual_impact")
SCENARIO_FIELDS = (
    "title",
    "threat",
    "vulnerability",
    "description",
    "assets",
    "controls",
    "controls_note",
    "likelihood",
    "impact",
    "likelihood_basis",
    "residual_likelihood",
    "residual_impact",
    "owner",
)


def _ids(value: Any, field: str) -> list[int]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    try:
        return sorted({int(getattr(v, "pk", v)) for v in value})
    except (TypeError, ValueError):
        raise DomainError(f"{field} is a list of ids.", field=field) from None


def _clean_scenario(
    org: Organization, assessment: Assessment, values: dict[str, Any], current: Scenario | None
) -> dict[str, Any]:
    unknown = set(values) - set(SCENARIO_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise DomainError(f"Unknown field {field}.", field=field)
    clean: dict[str, Any] = {}
    fresh = current is None
    if "title" in values or fresh:
        clean["title"] = _text(values.get("title"), "title", 300, required=True)
    if "threat" in values or fresh:
        threat = str(values.get("threat") or "").strip()
        if threat not in selectors.threat_library(org):
            raise DomainError("Choose a threat from the library.", field="threat")
        clean["threat"] = threat
    if "vulnerability" in values or fresh:
        vuln = str(values.get("vulnerability") or "").strip()
        if vuln not in selectors.vulnerability_library(org):
            raise DomainError("Choose a vulnerability from the library.", field="vulnerability")
        clean["vulnerability"] = vuln
    for field, limit in (
        ("description", 10000),
        ("controls_note", 5000),
        ("likelihood_basis", 2000),
    ):
        if field in values:
            clean[field] = _text(values[field], field, limit)
    scale = assessment.risk_scale
    for field in RATINGS:
        if field in values:
            try:
                clean[field] = scale.check(values[field], field)
            except rules.RiskInputError as exc:
                raise _fail(exc) from None
    if "owner" in values:
        owner = values["owner"]
        clean["owner"] = None if owner in (None, "") else member_of(org, owner, "owner").user
    if "assets" in values:
        ids = _ids(values["assets"], "assets")
        found = list(Asset.objects.filter(organization=org, pk__in=ids))
        if len(found) != len(ids):
            raise DomainError(f"Every asset must be in {org.name}'s inventory.", field="assets")
        clean["assets"] = found
    if "controls" in values:
        ids = _ids(values["controls"], "controls")
        items = list(SafeguardItem.objects.filter(organization=org, pk__in=ids))
        if len(items) != len(ids):
            raise DomainError(
                f"Every control must be in {org.name}'s safeguard register.", field="controls"
            )
        clean["controls"] = items
    return clean


def _apply_scores(s: Scenario, scale: rules.Scale) -> None:
    if s.likelihood and s.impact:
        band = scale.band(s.likelihood, s.impact)
        s.inherent_score, s.inherent_level = s.likelihood * s.impact, band.key
    else:
        s.inherent_score, s.inherent_level = None, ""
    if s.residual_likelihood and s.residual_impact:
        band = scale.band(s.residual_likelihood, s.residual_impact)
        s.residual_score, s.residual_level = s.residual_likelihood * s.residual_impact, band.key
    else:
        s.residual_score, s.residual_level = None, ""
    if (
        s.inherent_score is not None
        and s.residual_score is not None
        and s.residual_score > s.inherent_score
    ):
        raise DomainError(
            "Residual risk cannot exceed inherent risk: controls do not add risk.",
            field="residual_likelihood",
        )


def _state(s: Scenario) -> dict[str, Any]:
    data = snapshot(s)
    data["assets"] = sorted(s.assets.values_list("pk", flat=True)) if s.pk else []
    data["controls"] = sorted(s.controls.values_list("citation", flat=True)) if s.pk else []
    return data


def _version(s: Scenario, change: str, access: OrgAccess) -> None:
    ScenarioVersion.objects.create(
        organization=s.organization,
        scenario=s,
        version=s.version,
        change=change,
        data=_state(s),
        changed_by=access.user,
    )


def create_scenario(
    access: OrgAccess,
    assessment: Assessment,
    *,
    origin: str = Origin.MANUAL,
    origin_ref: str = "",
    **values: Any,
) -> Scenario:
    access.require(Capability.EDIT_RECORDS)
    _editable(assessment)
    org = access.organization
    clean = _clean_scenario(org, assessment, values, None)
    assets = clean.pop("assets", [])
    controls = clean.pop("controls", [])
    with transaction.atomic():
        number = (
            Scenario.objects.filter(assessment=assessment).aggregate(n=Max("number"))["n"] or 0
        ) + 1
        s = Scenario(
            organization=org,
            assessment=assessment,
            number=number,
            origin=origin,
            origin_ref=origin_ref[:200],
            updated_by=access.user,
            **clean,
        )
        _apply_scores(s, assessment.risk_scale)
        s.save()
        s.ref = str(s.pk)
        s.save(update_fields=["ref"])
        s.assets.set(assets)
        s.controls.set(controls)
        if assessment.status == AssessmentStatus.DRAFT:
            Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.IN_PROGRESS)
        _version(s, "created", access)
        record_create(s, actor=access.user, organization=org)
    return s


def _locked_scenario(access: OrgAccess, s: Scenario, expected: int | None) -> Scenario:
    locked = (
        Scenario.objects.select_for_update()
        .select_related("assessment")
        .get(pk=s.pk, organization=access.organization)
    )
    _editable(locked.assessment)
    if expected is not None and locked.version != expected:
        raise ConflictError(
            f"Someone else changed this risk (now version {locked.version}); reload it.",
            field="version",
        )
    return locked


def update_scenario(
    access: OrgAccess, scenario: Scenario, *, expected_version: int | None = None, **values: Any
) -> Scenario:
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    clean = _clean_scenario(org, scenario.assessment, values, scenario)
    assets = clean.pop("assets", None)
    controls = clean.pop("controls", None)
    with transaction.atomic():
        s = _locked_scenario(access, scenario, expected_version)
        before = _state(s)
        for k, v in clean.items():
            setattr(s, k, v)
        _apply_scores(s, s.assessment.risk_scale)
        s.version += 1
        s.updated_at = timezone.now()
        s.updated_by = access.user
        s.save()
        if assets is not None:
            s.assets.set(assets)
        if controls is not None:
            s.controls.set(controls)
        changed = diff(before, _state(s))
        for bookkeeping in ("version", "updated_at"):
            changed.pop(bookkeeping, None)
        kind = "rated" if set(RATINGS) & set(changed) else "updated"
        _version(s, kind, access)
        record(Action.UPDATE, actor=access.user, organization=org, target=s, changes=changed)
    return s


def decide_treatment(
    access: OrgAccess,
    scenario: Scenario,
    *,
    treatment: str,
    justification: str = "",
    approver: Any = None,
    transfer_to: str = "",
    expected_version: int | None = None,
) -> Scenario:
    """Mitigate, accept, transfer or avoid (45 CFR 164.308(a)(1)(ii)(B)). Accepting needs a
    justification and an approver with the authority to accept risk; each decision is kept as a
    version."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    approver_user = None
    can_approve: bool | None = None
    if approver not in (None, ""):
        membership = member_of(org, approver, "approver")
        approver_user = membership.user
        can_approve = role_can(membership.role, Capability.APPROVE)
    try:
        rules.check_treatment(
            treatment,
            justification=str(justification or ""),
            approver_can_approve=can_approve,
            transfer_to=str(transfer_to or ""),
        )
    except rules.RiskInputError as exc:
        raise _fail(exc) from None
    with transaction.atomic():
        s = _locked_scenario(access, scenario, expected_version)
        before = _state(s)
        s.treatment = treatment
        s.justification = _text(justification, "justification", 5000)
        s.transfer_to = _text(transfer_to, "transfer_to", 200) if treatment == "transfer" else ""
        s.approver = approver_user if treatment == "accept" else None
        s.decided_on = timezone.localdate()
        s.version += 1
        s.updated_at = timezone.now()
        s.updated_by = access.user
        s.save()
        after = _state(s)
        _version(s, "treatment", access)
        record(
            Action.UPDATE,
            actor=access.user,
            organization=org,
            target=s,
            changes={
                k: [before.get(k), after.get(k)]
                for k in ("treatment", "justification", "approver", "transfer_to")
            },
        )
    return s


def adopt_proposals(access: OrgAccess, assessment: Assessment, keys: list[str]) -> list[Scenario]:
    """Turn proposals (from the answers, the inventory and the public breach record) into risk
    scenarios of this assessment, with their assets and any suggested likelihood."""
    access.require(Capability.EDIT_RECORDS)
    _editable(assessment)
    wanted = [str(k) for k in keys]
    if not wanted:
        raise DomainError("Choose at least one proposal.", field="keys")
    found = {p.key: p for p in selectors.proposals(assessment)}
    missing = [k for k in wanted if k not in found]
    if missing:
        raise DomainError(f"No open proposal {missing[0]}.", field="keys")
    created = []
    with transaction.atomic():
        for key in wanted:
            p = found[key]
            created.append(
                create_scenario(
                    access,
                    assessment,
                    origin=p.origin,
                    origin_ref=p.reason[:200],
                    title=p.title,
                    threat=p.threat.key,
                    vulnerability=p.vulnerability.key,
                    description=p.reason,
                    assets=[a.pk for a in p.assets],
                    likelihood=p.suggested_likelihood,
                    likelihood_basis=p.likelihood_basis,
                )
            )
    return created


# ---------------------------------------------------------------------------- plan

PLAN_FIELDS = ("title", "owner", "due_on", "status", "safeguards", "notes")


def _clean_plan(org: Organization, values: dict[str, Any], fresh: bool) -> dict[str, Any]:
    unknown = set(values) - set(PLAN_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise DomainError(f"Unknown field {field}.", field=field)
    clean: dict[str, Any] = {}
    if "title" in values or fresh:
        clean["title"] = _text(values.get("title"), "title", 300, required=True)
    if "owner" in values or fresh:
        if values.get("owner") in (None, ""):
            raise DomainError("Every plan item has an owner.", field="owner")
        clean["owner"] = member_of(org, values["owner"], "owner").user
    if "due_on" in values or fresh:
        clean["due_on"] = input_date(values.get("due_on"), "due_on", required=True)
    if "status" in values:
        if values["status"] not in PlanStatus.values:
            raise DomainError(
                f"status must be one of {', '.join(PlanStatus.values)}.", field="status"
            )
        clean["status"] = values["status"]
    if "notes" in values:
        clean["notes"] = _text(values["notes"], "notes", 5000)
    if "safeguards" in values:
        ids = _ids(values["safeguards"], "safeguards")
        items = list(SafeguardItem.objects.filter(organization=org, pk__in=ids))
        if len(items) != len(ids):
            raise DomainError(
                f"Every safeguard must be in {org.name}'s safeguard register.", field="safeguards"
            )
        clean["safeguards"] = items
    return clean


def add_plan_item(access: OrgAccess, scenario: Scenario, **values: Any) -> PlanItem:
    access.require(Capability.EDIT_RECORDS)
    _editable(scenario.assessment)
    org = access.organization
    clean = _clean_plan(org, values, True)
    safeguards = clean.pop("safeguards", [])
    with transaction.atomic():
        item = PlanItem.objects.create(
            organization=org, scenario=scenario, assessment=scenario.assessment, **clean
        )
        item.ref = str(item.pk)
        if item.status == PlanStatus.DONE:
            item.done_on = timezone.localdate()
        item.save()
        item.safeguards.set(safeguards)
        record_create(item, actor=access.user, organization=org)
    return item


def add_gap_item(
    access: OrgAccess, assessment: Assessment, *, source: str, **values: Any
) -> PlanItem:
    """A gap found outside the risk analysis (a mock audit's partly or not satisfied inquiry)
    becomes a step of the assessment's remediation plan, with no risk scenario. A finished
    assessment's plan takes it too: the plan outlives the analysis (45 CFR 164.308(a)(1)(ii)(B))."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    if assessment.organization_id != org.pk:
        raise DomainError("Not in this organization.", field="assessment")
    clean = _clean_plan(org, values, True)
    safeguards = clean.pop("safeguards", [])
    with transaction.atomic():
        item = PlanItem.objects.create(
            organization=org,
            assessment=assessment,
            source=_text(source, "source", 300, required=True),
            **clean,
        )
        item.ref = str(item.pk)
        item.save(update_fields=["ref"])
        item.safeguards.set(safeguards)
        record_create(item, actor=access.user, organization=org)
    return item


def update_plan_item(
    access: OrgAccess, item: PlanItem, *, expected_version: int | None = None, **values: Any
) -> PlanItem:
    """A plan item moves on (status, owner, due date). A finished assessment's plan still moves:
    the plan outlives the analysis that produced it (45 CFR 164.308(a)(1)(ii)(B))."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    clean = _clean_plan(org, values, False)
    safeguards = clean.pop("safeguards", None)
    with transaction.atomic():
        locked = PlanItem.objects.select_for_update().get(pk=item.pk, organization=org)
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError(
                f"Someone else changed this plan item (now version {locked.version}); reload it.",
                field="version",
            )
        before = {**snapshot(locked), "safeguards": _citations(locked)}
        for k, v in clean.items():
            setattr(locked, k, v)
        if locked.status == PlanStatus.DONE and locked.done_on is None:
            locked.done_on = timezone.localdate()
        elif locked.status != PlanStatus.DONE:
            locked.done_on = None
        locked.version += 1
        locked.updated_at = timezone.now()
        locked.save()
        if safeguards is not None:
            locked.safeguards.set(safeguards)
        changes = diff(before, {**snapshot(locked), "safeguards": _citations(locked)})
        record(Action.UPDATE, actor=access.user, organization=org, target=locked, changes=changes)
    return locked


def _citations(item: PlanItem) -> list[str]:
    return sorted(item.safeguards.values_list("citation", flat=True))
