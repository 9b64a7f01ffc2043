"""The determination's input as plain JSON, and back: what a form, the API and the stored
record hold. Pure Python; refuses unknown keys and wrong values with ``RuleInputError`` naming the
field (``assessment.nature.sensitivity``)."""

from __future__ import annotations

from typing import Any

from hipaaops.incidents.rules.determination import (
    AcquiredOrViewed,
    Acquisition,
    BreachException,
    ExceptionClaim,
    Identifier,
    Incident,
    Level,
    Mitigation,
    MitigationExtent,
    NatureAndExtent,
    Recipient,
    RiskAssessment,
    SecuredPHI,
    SecuringMethod,
    UnauthorizedPerson,
)
from hipaaops.incidents.rules.errors import RuleInputError


def _object(value: Any, path: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RuleInputError("must be an object", field=path)
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise RuleInputError(
            "is not a known field", field=f"{path}.{unknown[0]}" if path else unknown[0]
        )
    return value


def _enum[E](enum: type[E], value: Any, path: str) -> E:
    try:
        return enum(value)  # type: ignore[call-arg]
    except ValueError:
        choices = ", ".join(str(m.value) for m in enum)  # type: ignore[attr-defined]
        raise RuleInputError(f"must be one of {choices}", field=path) from None


def _text(value: Any, path: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RuleInputError("must be text", field=path)
    return value.strip()


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def incident_from_json(data: Any) -> Incident:
    """An ``Incident`` (the determination's input) from its JSON form."""
    obj = _object(data, "", {"phi_involved", "secured", "exception", "assessment"})
    phi = obj.get("phi_involved")
    if not isinstance(phi, bool):
        raise RuleInputError("must be true or false", field="phi_involved")
    secured = None
    if obj.get("secured") is not None:
        s = _object(obj["secured"], "secured", {"method", "evidence", "key_compromised"})
        secured = SecuredPHI(
            method=_enum(SecuringMethod, s.get("method"), "secured.method"),
            evidence=_text(s.get("evidence"), "secured.evidence"),
            key_compromised=bool(s.get("key_compromised", False)),
        )
    exception = None
    if obj.get("exception") is not None:
        e = _object(obj["exception"], "exception", {"kind", "reason"})
        exception = ExceptionClaim(
            kind=_enum(BreachException, e.get("kind"), "exception.kind"),
            reason=_text(e.get("reason"), "exception.reason"),
        )
    assessment = None
    if obj.get("assessment") is not None:
        assessment = _assessment(obj["assessment"])
    return Incident(phi_involved=phi, secured=secured, exception=exception, assessment=assessment)


def _assessment(value: Any) -> RiskAssessment:
    path = "assessment"
    a = _object(value, path, {"nature", "unauthorized_person", "acquired_or_viewed", "mitigation"})
    nature = person = acquired = mitigation = None
    if a.get("nature") is not None:
        p = _join(path, "nature")
        n = _object(a["nature"], p, {"identifiers", "sensitivity", "reidentification", "rationale"})
        identifiers = n.get("identifiers") or []
        if not isinstance(identifiers, list):
            raise RuleInputError("must be a list", field=f"{p}.identifiers")
        nature = NatureAndExtent(
            identifiers=frozenset(_enum(Identifier, i, f"{p}.identifiers") for i in identifiers),
            sensitivity=_enum(Level, n.get("sensitivity"), f"{p}.sensitivity"),
            reidentification=_enum(Level, n.get("reidentification"), f"{p}.reidentification"),
            rationale=_text(n.get("rationale"), f"{p}.rationale"),
        )
    if a.get("unauthorized_person") is not None:
        p = _join(path, "unauthorized_person")
        u = _object(a["unauthorized_person"], p, {"recipient", "rationale"})
        person = UnauthorizedPerson(
            recipient=_enum(Recipient, u.get("recipient"), f"{p}.recipient"),
            rationale=_text(u.get("rationale"), f"{p}.rationale"),
        )
    if a.get("acquired_or_viewed") is not None:
        p = _join(path, "acquired_or_viewed")
        v = _object(a["acquired_or_viewed"], p, {"answer", "rationale", "forensic_evidence"})
        acquired = AcquiredOrViewed(
            answer=_enum(Acquisition, v.get("answer"), f"{p}.answer"),
            rationale=_text(v.get("rationale"), f"{p}.rationale"),
            forensic_evidence=_text(v.get("forensic_evidence"), f"{p}.forensic_evidence"),
        )
    if a.get("mitigation") is not None:
        p = _join(path, "mitigation")
        m = _object(a["mitigation"], p, {"extent", "rationale", "attestation"})
        mitigation = Mitigation(
            extent=_enum(MitigationExtent, m.get("extent"), f"{p}.extent"),
            rationale=_text(m.get("rationale"), f"{p}.rationale"),
            attestation=_text(m.get("attestation"), f"{p}.attestation"),
        )
    return RiskAssessment(
        nature=nature,
        unauthorized_person=person,
        acquired_or_viewed=acquired,
        mitigation=mitigation,
    )


def incident_to_json(incident: Incident) -> dict[str, Any]:
    """The JSON form of an ``Incident``; ``incident_from_json`` reads it back unchanged."""
    out: dict[str, Any] = {"phi_involved": incident.phi_involved}
    if incident.secured is not None:
        s = incident.secured
        out["secured"] = {
            "method": s.method.value,
            "evidence": s.evidence,
            "key_compromised": s.key_compromised,
        }
    if incident.exception is not None:
        out["exception"] = {
            "kind": incident.exception.kind.value,
            "reason": incident.exception.reason,
        }
    a = incident.assessment
    if a is not None:
        assessment: dict[str, Any] = {}
        if a.nature is not None:
            assessment["nature"] = {
                "identifiers": sorted(i.value for i in a.nature.identifiers),
                "sensitivity": a.nature.sensitivity.value,
                "reidentification": a.nature.reidentification.value,
                "rationale": a.nature.rationale,
            }
        if a.unauthorized_person is not None:
            assessment["unauthorized_person"] = {
                "recipient": a.unauthorized_person.recipient.value,
                "rationale": a.unauthorized_person.rationale,
            }
        if a.acquired_or_viewed is not None:
            assessment["acquired_or_viewed"] = {
                "answer": a.acquired_or_viewed.answer.value,
                "rationale": a.acquired_or_viewed.rationale,
                "forensic_evidence": a.acquired_or_viewed.forensic_evidence,
            }
        if a.mitigation is not None:
            assessment["mitigation"] = {
                "extent": a.mitigation.extent.value,
                "rationale": a.mitigation.rationale,
                "attestation": a.mitigation.attestation,
            }
        out["assessment"] = assessment
    return out
