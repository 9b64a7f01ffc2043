"""The individual notification letter as plain data (45 CFR 164.404(c)), and how hard it is to read.

A letter holds, in plain language, the five elements of 164.404(c)(1):
(A) what happened, with the date of the breach and the date of its discovery, if known;
(B) the types of unsecured PHI involved;
(C) the steps individuals should take to protect themselves from potential harm;
(D) what the entity is doing to investigate, to mitigate harm and to protect against further breaches;
(E) contact procedures for questions: a toll-free telephone number, an e-mail address, a web site or a
    postal address.
The wording around those elements is ours. Pure Python, no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from hipaaops.incidents.rules.errors import RuleInputError

# 45 CFR 164.404(c)(2): written in plain language. We warn above this US school grade.
PLAIN_LANGUAGE_GRADE = 8.0

# Plain words for the kinds of information a determination names (164.404(c)(1)(B)).
INFORMATION_WORDS = {
    "name": "your name",
    "ssn": "your Social Security number",
    "financial": "financial account or payment card information",
    "clinical": "information about your care, such as visit reasons or test results",
    "diagnosis": "diagnoses",
    "medication": "medications",
    "address": "your address",
    "dob": "your date of birth",
    "mrn": "your medical record number",
    "health_plan_id": "your health insurance member number",
    "email": "your e-mail address",
    "phone": "your phone number",
    "other": "other information about you",
}

# Steps that fit the information involved (164.404(c)(1)(C)); always the first and the last.
STEPS = {
    "ssn": "Consider a free credit freeze with each of the three credit bureaus, and check your free credit reports at annualcreditreport.com.",
    "financial": "Watch your bank and card statements, and tell your bank right away about any charge you do not recognize.",
    "health_plan_id": "Read the benefit statements from your health plan, and call the plan about any visit or service you did not receive.",
    "email": "Be careful with e-mails that seem to come from us or your doctor and ask you to click a link or give information.",
}
FIRST_STEP = "Keep this letter for your records."
LAST_STEP = "If you think someone is using your information, tell us at the number below."


class Recipient:
    """Who a letter is addressed to (164.404(d)(1)): the individual, the next of kin or personal
    representative of a deceased individual, or the parent or guardian of a minor."""

    INDIVIDUAL = "individual"
    NEXT_OF_KIN = "next_of_kin"
    PARENT_OR_GUARDIAN = "parent_or_guardian"


@dataclass(frozen=True)
class NoticeContent:
    what_happened: str
    breach_date: date | None
    discovery_date: date
    information: tuple[str, ...]  # INFORMATION_WORDS keys
    steps: str  # extra steps in the entity's words; the standard ones are added
    what_we_are_doing: str
    phone: str
    email: str
    website: str
    postal_address: str
    organization: str
    signer: str


def missing_elements(content: NoticeContent) -> list[tuple[str, str]]:
    """The elements of 164.404(c)(1) the content lacks, as (field, message)."""
    missing = []
    if not content.what_happened.strip():
        missing.append(("what_happened", "Say what happened (45 CFR 164.404(c)(1)(A))."))
    if not content.information:
        missing.append(
            ("information", "Name the kinds of information involved (45 CFR 164.404(c)(1)(B)).")
        )
    if not content.what_we_are_doing.strip():
        missing.append(
            ("what_we_are_doing", "Say what you are doing about it (45 CFR 164.404(c)(1)(D)).")
        )
    if not content.phone.strip():
        missing.append(
            ("phone", "Give a toll-free number for questions (45 CFR 164.404(c)(1)(E)).")
        )
    if not (content.email.strip() or content.website.strip() or content.postal_address.strip()):
        missing.append(
            (
                "email",
                "Give an e-mail address, web site or postal address as well (45 CFR 164.404(c)(1)(E)).",
            )
        )
    unknown = [i for i in content.information if i not in INFORMATION_WORDS]
    if unknown:
        missing.append(("information", f"Unknown kind of information {unknown[0]!r}."))
    return missing


def _list(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _date(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def letter(
    content: NoticeContent, *, name: str, recipient: str = Recipient.INDIVIDUAL
) -> dict[str, object]:
    """The letter for one person: salutation and the five elements, each a paragraph."""
    problems = missing_elements(content)
    if problems:
        raise RuleInputError(problems[0][1], field=problems[0][0])
    if recipient == Recipient.NEXT_OF_KIN:
        salutation = f"To the family of {name}:"
        whose, you = f"{name}'s", "you, as a member of the family,"
    elif recipient == Recipient.PARENT_OR_GUARDIAN:
        salutation = f"To the parent or guardian of {name}:"
        whose, you = f"your child {name}'s", "you"
    else:
        salutation = f"Dear {name}:"
        whose, you = "your", "you"
    when = (
        f"It happened on {_date(content.breach_date)}, and we found out on {_date(content.discovery_date)}."
        if content.breach_date
        else f"We found out on {_date(content.discovery_date)}."
    )
    words = []
    for kind in content.information:
        text = INFORMATION_WORDS[kind]
        if whose != "your" and text.startswith("your "):
            text = whose + text[4:]
        words.append(text)
    steps = [FIRST_STEP, *[STEPS[i] for i in content.information if i in STEPS]]
    if content.steps.strip():
        steps.append(content.steps.strip())
    steps.append(LAST_STEP)
    contact = [f"call us toll-free at {content.phone}"]
    if content.email.strip():
        contact.append(f"write to {content.email}")
    if content.website.strip():
        contact.append(f"visit {content.website}")
    if content.postal_address.strip():
        contact.append(f"write to us at {content.postal_address}")
    return {
        "salutation": salutation,
        "opening": f"We are writing to tell {you} about a problem that may involve {whose} health information.",
        "what_happened": f"{content.what_happened.strip()} {when}",
        "what_involved": f"The information involved was {_list(words)}.",
        "steps": steps,
        "what_we_are_doing": content.what_we_are_doing.strip(),
        "contact": f"If you have questions, please {_list(contact)}.",
        "closing": "We are sorry this happened.",
        "signer": content.signer,
        "organization": content.organization,
    }


def letter_text(parts: dict[str, object]) -> str:
    steps = parts["steps"]
    assert isinstance(steps, list)
    return " ".join(
        str(p)
        for p in (
            parts["opening"],
            parts["what_happened"],
            parts["what_involved"],
            *steps,
            parts["what_we_are_doing"],
            parts["contact"],
            parts["closing"],
        )
    )


_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")


def syllables(word: str) -> int:
    """An estimate of a word's syllables: vowel groups, less a silent final e."""
    w = word.lower().strip("'-")
    if len(w) <= 3:
        return 1
    groups = re.findall(r"[aeiouy]+", w)
    count = len(groups)
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    return max(count, 1)


def grade_level(text: str) -> float:
    """The Flesch-Kincaid grade level of ``text`` (0.39 words per sentence + 11.8 syllables per
    word - 15.59), the US school grade a reader needs; 0 for empty text."""
    words = _WORD.findall(text)
    if not words:
        return 0.0
    sentences = max(len(_SENTENCE_END.findall(text)), 1)
    total = sum(syllables(w) for w in words)
    return round(0.39 * len(words) / sentences + 11.8 * total / len(words) - 15.59, 1)
