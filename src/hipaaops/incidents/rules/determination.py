"""Is it a breach? The determination of 45 CFR 164.402, with its presumption of breach.

The questions are asked in the regulation's order, and the first that settles the matter wins:

1. No protected health information involved: ``not_a_breach_no_phi`` (164.402, a breach is of PHI).
2. The PHI was secured, made unusable, unreadable or indecipherable to unauthorized persons by
   encryption or destruction as HHS guidance specifies: ``secured_no_notification`` (164.402,
   "unsecured protected health information"; 164.404(a)(1) and 164.410(a)(1) reach only unsecured
   PHI). The evidence is required. Encryption whose key or process was compromised secures nothing.
3. One of the three exceptions of 164.402(1)(i)-(iii) applies, with its written reason:
   ``exception_applies``.
4. Otherwise the use or disclosure is presumed a breach (164.402(2)) unless the four-factor risk
   assessment demonstrates a low probability that the PHI has been compromised, and the burden of
   proof is the entity's (164.414(b)). So anything the record does not show counts against it:
   a factor not assessed, a factor without its rationale, an "unknown" answer, a "no" without the
   forensic evidence, a return or destruction without the attestation.

The conservative rule for ``low_probability_of_compromise``
------------------------------------------------------------
Each factor of 164.402(2) is rated low, moderate or high risk, or undocumented:

(i) Nature and extent of the PHI. High whenever SSN or financial identifiers are involved
    (identity theft and financial fraud). Otherwise sensitivity (raised to at least moderate when
    clinical, diagnosis, medication or unclassified "other" identifiers are involved) is crossed
    with the likelihood of re-identification::

        sensitivity \\ re-identification   low       moderate   high
        low                               low       low        moderate
        moderate                          low       moderate   moderate
        high                              moderate  high       high

(ii) The unauthorized person. Low: the entity's own workforce, or another covered entity or
     business associate bound by HIPAA to protect the PHI. Moderate: a known person not bound by
     HIPAA. High: a malicious actor, or the public. "Unknown" is undocumented.
(iii) Actually acquired or viewed. Low: "no", shown by forensic evidence. Moderate: "yes".
      "Unknown", or "no" without evidence, is undocumented.
(iv) Mitigation. Low: the PHI returned or destroyed, with an attestation. Moderate: satisfactory
     assurances obtained. High: none.

A low probability of compromise is concluded only when all of these hold; otherwise ``breach``:

R1. Every factor is documented.
R2. No factor is rated high.
R3. The PHI stayed within HIPAA's protection or was never taken: (ii) is low or (iii) is low.
R4. PHI that was acquired or viewed was taken back: when (iii) is "yes", (iv) is low (returned or
    destroyed with an attestation), or moderate (assurances) only if (i) is low.

The rule is stricter than some of HHS's own examples (a stolen, recovered laptop whose forensic
analysis shows no access is a breach here, because the thief rates (ii) high). That is deliberate:
a tool should not talk an entity out of notifying. An entity that can show more may still decide
otherwise, on its own documented analysis.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from hipaaops.incidents.rules.errors import RuleInputError

PRESUMPTION = "45 CFR 164.402(2)"
BURDEN_OF_PROOF = "45 CFR 164.414(b)"


class Conclusion(StrEnum):
    NOT_A_BREACH_NO_PHI = "not_a_breach_no_phi"
    SECURED_NO_NOTIFICATION = "secured_no_notification"
    EXCEPTION_APPLIES = "exception_applies"
    LOW_PROBABILITY_OF_COMPROMISE = "low_probability_of_compromise"
    BREACH = "breach"


class SecuringMethod(StrEnum):
    """The two ways HHS guidance recognises to make PHI unusable, unreadable or indecipherable."""

    ENCRYPTION = "encryption"
    DESTRUCTION = "destruction"


class BreachException(StrEnum):
    # 45 CFR 164.402(1)(i): unintentional, good-faith acquisition, access or use by a workforce
    # member or person acting under the entity's authority, within scope, no further impermissible
    # use or disclosure.
    UNINTENTIONAL_WORKFORCE_ACCESS = "unintentional_workforce_access"
    # 45 CFR 164.402(1)(ii): inadvertent disclosure between persons authorized to access PHI at the
    # same covered entity, business associate or organized health care arrangement.
    INADVERTENT_AUTHORIZED_DISCLOSURE = "inadvertent_authorized_disclosure"
    # 45 CFR 164.402(1)(iii): good-faith belief that the unauthorized recipient could not
    # reasonably have retained the information.
    RECIPIENT_COULD_NOT_RETAIN = "recipient_could_not_retain"


EXCEPTION_CITATIONS: dict[BreachException, str] = {
    BreachException.UNINTENTIONAL_WORKFORCE_ACCESS: "45 CFR 164.402(1)(i)",
    BreachException.INADVERTENT_AUTHORIZED_DISCLOSURE: "45 CFR 164.402(1)(ii)",
    BreachException.RECIPIENT_COULD_NOT_RETAIN: "45 CFR 164.402(1)(iii)",
}


class Identifier(StrEnum):
    """Types of identifiers and information involved, for factor (i) of 164.402(2)."""

    NAME = "name"
    SSN = "ssn"
    FINANCIAL = "financial"
    CLINICAL = "clinical"
    DIAGNOSIS = "diagnosis"
    MEDICATION = "medication"
    ADDRESS = "address"
    DOB = "dob"
    MRN = "mrn"
    HEALTH_PLAN_ID = "health_plan_id"
    EMAIL = "email"
    PHONE = "phone"
    OTHER = "other"


class Level(StrEnum):
    """A low / moderate / high judgement: sensitivity, likelihood of re-identification."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class Recipient(StrEnum):
    """Who used the PHI or to whom it was disclosed, for factor (ii) of 164.402(2)."""

    COVERED_ENTITY_WORKFORCE = "covered_entity_workforce"
    HIPAA_BOUND_ENTITY = "hipaa_bound_entity"  # another covered entity or business associate
    KNOWN_PERSON_NOT_BOUND = "known_person_not_bound"
    UNKNOWN = "unknown"
    MALICIOUS_ACTOR = "malicious_actor"
    PUBLIC = "public"


class Acquisition(StrEnum):
    """Whether the PHI was actually acquired or viewed, for factor (iii) of 164.402(2)."""

    YES = "yes"
    NO = "no"  # only with forensic evidence
    UNKNOWN = "unknown"


class MitigationExtent(StrEnum):
    """How far the risk to the PHI has been mitigated, for factor (iv) of 164.402(2)."""

    NONE = "none"
    ASSURANCES_OBTAINED = "assurances_obtained"
    RETURNED_OR_DESTROYED = "returned_or_destroyed"  # only with an attestation


class Risk(StrEnum):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    UNDOCUMENTED = "undocumented"


@dataclass(frozen=True)
class SecuredPHI:
    """A claim that the PHI was secured; ``evidence`` says how it met the HHS guidance."""

    method: SecuringMethod
    evidence: str
    key_compromised: bool = False  # for encryption: the key or decryption process was breached


@dataclass(frozen=True)
class ExceptionClaim:
    """A claim that one exception of 164.402(1) applies, with the written reason."""

    kind: BreachException
    reason: str


@dataclass(frozen=True)
class NatureAndExtent:
    """45 CFR 164.402(2)(i): the types of identifiers and the likelihood of re-identification."""

    identifiers: frozenset[Identifier]
    sensitivity: Level
    reidentification: Level
    rationale: str


@dataclass(frozen=True)
class UnauthorizedPerson:
    """45 CFR 164.402(2)(ii): the unauthorized person who used the PHI or received it."""

    recipient: Recipient
    rationale: str


@dataclass(frozen=True)
class AcquiredOrViewed:
    """45 CFR 164.402(2)(iii): whether the PHI was actually acquired or viewed."""

    answer: Acquisition
    rationale: str
    forensic_evidence: str = ""


@dataclass(frozen=True)
class Mitigation:
    """45 CFR 164.402(2)(iv): the extent to which the risk to the PHI has been mitigated."""

    extent: MitigationExtent
    rationale: str
    attestation: str = ""


@dataclass(frozen=True)
class RiskAssessment:
    """The four factors of 164.402(2); a factor left out counts as undocumented."""

    nature: NatureAndExtent | None = None
    unauthorized_person: UnauthorizedPerson | None = None
    acquired_or_viewed: AcquiredOrViewed | None = None
    mitigation: Mitigation | None = None


@dataclass(frozen=True)
class Incident:
    """What is known of an impermissible acquisition, access, use or disclosure."""

    phi_involved: bool
    secured: SecuredPHI | None = None  # None: the PHI was unsecured
    exception: ExceptionClaim | None = None
    assessment: RiskAssessment | None = None


@dataclass(frozen=True)
class Reason:
    text: str
    citation: str


@dataclass(frozen=True)
class FactorRating:
    factor: str  # "i", "ii", "iii" or "iv"
    risk: Risk
    reason: Reason


@dataclass(frozen=True)
class Determination:
    conclusion: Conclusion
    reasons: list[Reason]
    factors: list[FactorRating] = field(default_factory=list)

    @property
    def notification_required(self) -> bool:
        """Whether the notices of 164.404-164.410 are owed."""
        return self.conclusion is Conclusion.BREACH


# Factor (i): identifiers that make the PHI high risk on their own, and those that make it at
# least moderately sensitive.
HIGH_RISK_IDENTIFIERS = frozenset({Identifier.SSN, Identifier.FINANCIAL})
SENSITIVE_IDENTIFIERS = frozenset(
    {Identifier.CLINICAL, Identifier.DIAGNOSIS, Identifier.MEDICATION, Identifier.OTHER}
)
NATURE_MATRIX: dict[tuple[Level, Level], Risk] = {
    (Level.LOW, Level.LOW): Risk.LOW,
    (Level.LOW, Level.MODERATE): Risk.LOW,
    (Level.LOW, Level.HIGH): Risk.MODERATE,
    (Level.MODERATE, Level.LOW): Risk.LOW,
    (Level.MODERATE, Level.MODERATE): Risk.MODERATE,
    (Level.MODERATE, Level.HIGH): Risk.MODERATE,
    (Level.HIGH, Level.LOW): Risk.MODERATE,
    (Level.HIGH, Level.MODERATE): Risk.HIGH,
    (Level.HIGH, Level.HIGH): Risk.HIGH,
}
RECIPIENT_RISK: dict[Recipient, Risk] = {
    Recipient.COVERED_ENTITY_WORKFORCE: Risk.LOW,
    Recipient.HIPAA_BOUND_ENTITY: Risk.LOW,
    Recipient.KNOWN_PERSON_NOT_BOUND: Risk.MODERATE,
    Recipient.UNKNOWN: Risk.UNDOCUMENTED,
    Recipient.MALICIOUS_ACTOR: Risk.HIGH,
    Recipient.PUBLIC: Risk.HIGH,
}
MITIGATION_RISK: dict[MitigationExtent, Risk] = {
    MitigationExtent.RETURNED_OR_DESTROYED: Risk.LOW,
    MitigationExtent.ASSURANCES_OBTAINED: Risk.MODERATE,
    MitigationExtent.NONE: Risk.HIGH,
}


def determine(incident: Incident) -> Determination:
    """The breach determination of 164.402 for ``incident``; raises ``RuleInputError``."""
    _instance(incident, Incident, "incident")
    if not isinstance(incident.phi_involved, bool):
        raise RuleInputError("must be true or false", field="phi_involved")
    if not incident.phi_involved:
        # 45 CFR 164.402: a breach is the acquisition, access, use or disclosure of PHI.
        return Determination(
            Conclusion.NOT_A_BREACH_NO_PHI,
            [Reason("No protected health information was involved.", "45 CFR 164.402")],
        )

    reasons: list[Reason] = []
    if incident.secured is not None:
        secured = _secured(incident.secured)
        if secured is not None:
            return Determination(Conclusion.SECURED_NO_NOTIFICATION, [secured, _privacy_rule()])
        reasons.append(
            Reason(
                "The encryption key or decryption process was compromised, so the PHI was not "
                "secured: encryption protects only while the key is safe.",
                "45 CFR 164.402 (unsecured protected health information)",
            )
        )

    if incident.exception is not None:
        claim = _instance(incident.exception, ExceptionClaim, "exception")
        kind = _member(BreachException, claim.kind, "exception.kind")
        reason = _text(claim.reason, "exception.reason")
        if not reason:
            raise RuleInputError("an exception needs its written reason", field="exception.reason")
        return Determination(
            Conclusion.EXCEPTION_APPLIES,
            [
                Reason(f"Exception {kind.value}: {reason}", EXCEPTION_CITATIONS[kind]),
                _keep_record(),
            ],
        )

    if incident.assessment is None:
        return Determination(
            Conclusion.BREACH,
            [
                *reasons,
                Reason(
                    "No risk assessment is recorded, so the breach is presumed.",
                    PRESUMPTION,
                ),
                Reason("The entity bears the burden of proof.", BURDEN_OF_PROOF),
            ],
        )
    assessment = _instance(incident.assessment, RiskAssessment, "assessment")
    factors = rate_factors(assessment)
    failures = _failures(assessment, factors)
    factor_reasons = [f.reason for f in factors]
    if failures:
        return Determination(
            Conclusion.BREACH,
            [
                *reasons,
                *failures,
                *factor_reasons,
                Reason(
                    "The risk assessment does not demonstrate a low probability that the PHI has "
                    "been compromised, so the breach is presumed.",
                    PRESUMPTION,
                ),
            ],
            factors,
        )
    return Determination(
        Conclusion.LOW_PROBABILITY_OF_COMPROMISE,
        [
            *reasons,
            *factor_reasons,
            Reason(
                "Every factor is documented and supports a low probability that the PHI has "
                "been compromised.",
                PRESUMPTION,
            ),
            _keep_record(),
        ],
        factors,
    )


def rate_factors(assessment: RiskAssessment) -> list[FactorRating]:
    """The rating of each factor of 164.402(2)(i)-(iv), in order."""
    return [
        _rate_nature(assessment.nature),
        _rate_person(assessment.unauthorized_person),
        _rate_acquired(assessment.acquired_or_viewed),
        _rate_mitigation(assessment.mitigation),
    ]


def _secured(claim: SecuredPHI) -> Reason | None:
    """The reason the PHI was secured, or None when a compromised key undoes the encryption."""
    _instance(claim, SecuredPHI, "secured")
    method = _member(SecuringMethod, claim.method, "secured.method")
    evidence = _text(claim.evidence, "secured.evidence")
    if not evidence:
        raise RuleInputError(
            "secured PHI needs the evidence that it met the HHS guidance", field="secured.evidence"
        )
    if not isinstance(claim.key_compromised, bool):
        raise RuleInputError("must be true or false", field="secured.key_compromised")
    if claim.key_compromised:
        if method is SecuringMethod.DESTRUCTION:
            raise RuleInputError(
                "a key can be compromised only for encryption", field="secured.key_compromised"
            )
        return None
    # 45 CFR 164.402 (unsecured protected health information); 164.404(a)(1), 164.410(a)(1).
    return Reason(
        f"The PHI was secured by {method.value} as HHS guidance specifies: {evidence}. "
        "Notification is owed only for unsecured PHI.",
        "45 CFR 164.402 (unsecured protected health information)",
    )


def _privacy_rule() -> Reason:
    # 45 CFR 164.530(f): mitigate harmful effects of a use or disclosure that violated policies.
    return Reason(
        "The impermissible use or disclosure is still mitigated and documented under the Privacy "
        "Rule.",
        "45 CFR 164.530(f)",
    )


def _keep_record() -> Reason:
    # 45 CFR 164.414(b), 164.530(j): the entity must be able to show the determination.
    return Reason(
        "Keep this determination and its documentation: the entity must be able to show that "
        "the use or disclosure was not a breach.",
        BURDEN_OF_PROOF,
    )


def _rate_nature(factor: NatureAndExtent | None) -> FactorRating:
    # 45 CFR 164.402(2)(i)
    citation = "45 CFR 164.402(2)(i)"
    if factor is None:
        return _undocumented(
            "i", "Factor (i), the nature and extent of the PHI, is not assessed.", citation
        )
    _instance(factor, NatureAndExtent, "assessment.nature")
    identifiers = _identifiers(factor.identifiers)
    sensitivity = _member(Level, factor.sensitivity, "assessment.nature.sensitivity")
    reidentification = _member(Level, factor.reidentification, "assessment.nature.reidentification")
    rationale = _text(factor.rationale, "assessment.nature.rationale")
    if not rationale:
        return _undocumented("i", "Factor (i) has no written rationale.", citation)
    if not identifiers:
        return _undocumented("i", "Factor (i) does not record the types of identifiers.", citation)
    names = ", ".join(sorted(i.value for i in identifiers))
    high = identifiers & HIGH_RISK_IDENTIFIERS
    if high:
        risk = Risk.HIGH
        why = f"identifiers include {', '.join(sorted(i.value for i in high))}"
    else:
        if identifiers & SENSITIVE_IDENTIFIERS and sensitivity is Level.LOW:
            sensitivity = Level.MODERATE
        risk = NATURE_MATRIX[(sensitivity, reidentification)]
        why = (
            f"sensitivity {sensitivity.value}, likelihood of re-identification "
            f"{reidentification.value}"
        )
    return FactorRating(
        "i",
        risk,
        Reason(
            f"Factor (i), nature and extent ({names}): {risk.value} risk, {why}. {rationale}",
            citation,
        ),
    )


def _rate_person(factor: UnauthorizedPerson | None) -> FactorRating:
    # 45 CFR 164.402(2)(ii)
    citation = "45 CFR 164.402(2)(ii)"
    if factor is None:
        return _undocumented(
            "ii", "Factor (ii), the unauthorized person, is not assessed.", citation
        )
    _instance(factor, UnauthorizedPerson, "assessment.unauthorized_person")
    recipient = _member(Recipient, factor.recipient, "assessment.unauthorized_person.recipient")
    rationale = _text(factor.rationale, "assessment.unauthorized_person.rationale")
    if not rationale:
        return _undocumented("ii", "Factor (ii) has no written rationale.", citation)
    risk = RECIPIENT_RISK[recipient]
    if risk is Risk.UNDOCUMENTED:
        return _undocumented("ii", "Factor (ii): the unauthorized person is unknown.", citation)
    return FactorRating(
        "ii",
        risk,
        Reason(
            f"Factor (ii), unauthorized person ({recipient.value}): {risk.value} risk. {rationale}",
            citation,
        ),
    )


def _rate_acquired(factor: AcquiredOrViewed | None) -> FactorRating:
    # 45 CFR 164.402(2)(iii)
    citation = "45 CFR 164.402(2)(iii)"
    if factor is None:
        return _undocumented(
            "iii",
            "Factor (iii), whether the PHI was acquired or viewed, is not assessed.",
            citation,
        )
    _instance(factor, AcquiredOrViewed, "assessment.acquired_or_viewed")
    answer = _member(Acquisition, factor.answer, "assessment.acquired_or_viewed.answer")
    rationale = _text(factor.rationale, "assessment.acquired_or_viewed.rationale")
    evidence = _text(factor.forensic_evidence, "assessment.acquired_or_viewed.forensic_evidence")
    if not rationale:
        return _undocumented("iii", "Factor (iii) has no written rationale.", citation)
    if answer is Acquisition.UNKNOWN:
        return _undocumented(
            "iii", "Factor (iii): whether the PHI was acquired or viewed is unknown.", citation
        )
    if answer is Acquisition.NO:
        if not evidence:
            return _undocumented(
                "iii",
                "Factor (iii): 'not acquired or viewed' is not shown by forensic evidence.",
                citation,
            )
        return FactorRating(
            "iii",
            Risk.LOW,
            Reason(
                f"Factor (iii), not acquired or viewed: low risk, forensic evidence: {evidence}. "
                f"{rationale}",
                citation,
            ),
        )
    return FactorRating(
        "iii",
        Risk.MODERATE,
        Reason(f"Factor (iii), acquired or viewed: moderate risk. {rationale}", citation),
    )


def _rate_mitigation(factor: Mitigation | None) -> FactorRating:
    # 45 CFR 164.402(2)(iv)
    citation = "45 CFR 164.402(2)(iv)"
    if factor is None:
        return _undocumented(
            "iv", "Factor (iv), the extent of mitigation, is not assessed.", citation
        )
    _instance(factor, Mitigation, "assessment.mitigation")
    extent = _member(MitigationExtent, factor.extent, "assessment.mitigation.extent")
    rationale = _text(factor.rationale, "assessment.mitigation.rationale")
    attestation = _text(factor.attestation, "assessment.mitigation.attestation")
    if not rationale:
        return _undocumented("iv", "Factor (iv) has no written rationale.", citation)
    if extent is MitigationExtent.RETURNED_OR_DESTROYED and not attestation:
        return _undocumented(
            "iv", "Factor (iv): the return or destruction has no attestation.", citation
        )
    risk = MITIGATION_RISK[extent]
    detail = f", attestation: {attestation}" if attestation else ""
    return FactorRating(
        "iv",
        risk,
        Reason(
            f"Factor (iv), mitigation ({extent.value}): {risk.value} risk{detail}. {rationale}",
            citation,
        ),
    )


def _failures(assessment: RiskAssessment, factors: list[FactorRating]) -> list[Reason]:
    """The rules R1-R4 of the module docstring that the assessment fails, each as a reason."""
    by_factor = {f.factor: f.risk for f in factors}
    failures: list[Reason] = []
    undocumented = [f.factor for f in factors if f.risk is Risk.UNDOCUMENTED]
    if undocumented:  # R1
        failures.append(
            Reason(
                f"Factor(s) {', '.join(undocumented)} are not documented; what the record does not "
                "show cannot rebut the presumption.",
                BURDEN_OF_PROOF,
            )
        )
    high = [f.factor for f in factors if f.risk is Risk.HIGH]
    if high:  # R2
        failures.append(Reason(f"Factor(s) {', '.join(high)} are rated high risk.", PRESUMPTION))
    if by_factor["ii"] is not Risk.LOW and by_factor["iii"] is not Risk.LOW:  # R3
        failures.append(
            Reason(
                "The PHI was not shown to be unviewed, and the person who received it is not "
                "bound by HIPAA to protect it.",
                PRESUMPTION,
            )
        )
    acquired = assessment.acquired_or_viewed
    if acquired is not None and acquired.answer == Acquisition.YES:  # R4
        mitigation, nature = by_factor["iv"], by_factor["i"]
        if not (mitigation is Risk.LOW or (mitigation is Risk.MODERATE and nature is Risk.LOW)):
            failures.append(
                Reason(
                    "The PHI was acquired or viewed and was not returned or destroyed with an "
                    "attestation (assurances suffice only for low-risk information).",
                    PRESUMPTION,
                )
            )
    return failures


def _undocumented(factor: str, text: str, citation: str) -> FactorRating:
    return FactorRating(factor, Risk.UNDOCUMENTED, Reason(text, citation))


def _instance[T](value: object, cls: type[T], path: str) -> T:
    if not isinstance(value, cls):
        raise RuleInputError(f"must be a {cls.__name__}", field=path)
    return value


def _member[E: StrEnum](enum: type[E], value: object, path: str) -> E:
    if isinstance(value, str) and value in enum:
        return enum(value)
    names = ", ".join(m.value for m in enum)
    raise RuleInputError(f"unknown value {value!r} (one of {names})", field=path)


def _text(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise RuleInputError("must be text", field=path)
    return value.strip()


def _identifiers(values: Iterable[object]) -> frozenset[Identifier]:
    path = "assessment.nature.identifiers"
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise RuleInputError("must be a set of identifier types", field=path)
    return frozenset(_member(Identifier, value, path) for value in values)
