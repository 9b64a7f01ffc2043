"""Restriction requests: the one a covered entity must grant, and the others it may refuse."""

from __future__ import annotations

import pytest

from hipaaops.privacy.rules import (
    Decision,
    Purpose,
    RestrictionRequest,
    RuleInputError,
    decide,
    must_agree,
)

PAID_OUT_OF_POCKET = RestrictionRequest(
    to_health_plan=True,
    purpose=Purpose.PAYMENT,
    required_by_law=False,
    paid_in_full_out_of_pocket=True,
)


@pytest.mark.parametrize("purpose", [Purpose.PAYMENT, Purpose.HEALTH_CARE_OPERATIONS])
def test_the_restriction_that_cannot_be_refused(purpose: Purpose) -> None:
    request = RestrictionRequest(
        to_health_plan=True, purpose=purpose, required_by_law=False, paid_in_full_out_of_pocket=True
    )
    assert must_agree(request)
    with pytest.raises(RuleInputError) as error:
        decide(request, Decision.REFUSE)
    assert error.value.field == "decision"
    assert "164.522(a)(1)(vi)" in str(error.value)
    with pytest.raises(RuleInputError):
        decide(request, "refuse")


def test_the_required_restriction_is_agreed() -> None:
    decision = decide(PAID_OUT_OF_POCKET, Decision.AGREE)
    assert decision.agreed
    assert decision.required
    assert decision.citation == "45 CFR 164.522(a)(1)(vi)"


@pytest.mark.parametrize(
    "request_",
    [
        RestrictionRequest(False, Purpose.PAYMENT, False, True),  # not to a health plan
        RestrictionRequest(True, Purpose.TREATMENT, False, True),  # for treatment
        RestrictionRequest(True, Purpose.OTHER, False, True),
        RestrictionRequest(True, Purpose.PAYMENT, True, True),  # required by law
        RestrictionRequest(True, Purpose.PAYMENT, False, False),  # the health plan paid
    ],
    ids=["not a health plan", "treatment", "other purpose", "required by law", "not paid in full"],
)
def test_other_requests_may_be_agreed_or_refused(request_: RestrictionRequest) -> None:
    assert not must_agree(request_)
    refused = decide(request_, Decision.REFUSE)
    assert not refused.agreed
    assert not refused.required
    assert refused.citation == "45 CFR 164.522(a)(1)(ii)"
    agreed = decide(request_, "agree")
    assert agreed.agreed


def test_unknown_decision_is_refused() -> None:
    with pytest.raises(RuleInputError) as error:
        decide(PAID_OUT_OF_POCKET, "maybe")
    assert error.value.field == "decision"


def test_the_rules_import_no_django() -> None:
    import ast
    from pathlib import Path

    import hipaaops.privacy.rules as rules

    for path in Path(rules.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "django" for n in names), path.name
