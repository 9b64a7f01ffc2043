"""The Privacy Rule's rules for individuals' rights (45 CFR 164.520-164.528), in plain Python."""

from hipaaops.privacy.rules.accounting import (
    Accounting,
    AccountingCharge,
    Disclosure,
    Exclusion,
    Exemption,
    account_for,
    accounting_charge,
    accounting_period,
)
from hipaaops.privacy.rules.clocks import Clock, due_dates, extend, parse_right
from hipaaops.privacy.rules.errors import RuleInputError
from hipaaops.privacy.rules.facts import Right
from hipaaops.privacy.rules.fees import (
    CopyCosts,
    Fee,
    FeeLine,
    FeeMethod,
    cost_based_fee,
    hhs_flat_fee,
)
from hipaaops.privacy.rules.restrictions import (
    Decision,
    Purpose,
    RestrictionDecision,
    RestrictionRequest,
    decide,
    must_agree,
)

__all__ = [
    "Accounting",
    "AccountingCharge",
    "Clock",
    "CopyCosts",
    "Decision",
    "Disclosure",
    "Exclusion",
    "Exemption",
    "Fee",
    "FeeLine",
    "FeeMethod",
    "Purpose",
    "RestrictionDecision",
    "RestrictionRequest",
    "Right",
    "RuleInputError",
    "account_for",
    "accounting_charge",
    "accounting_period",
    "cost_based_fee",
    "decide",
    "due_dates",
    "extend",
    "hhs_flat_fee",
    "must_agree",
    "parse_right",
]
