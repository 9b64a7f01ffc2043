"""The Security Risk Assessment's rules, in plain Python: rating scales with written definitions,
the threat and vulnerability libraries, the guided questionnaire and what its answers propose,
treatment decisions, and how two assessments compare.

45 CFR 164.308(a)(1)(ii)(A) requires "an accurate and thorough assessment of the potential risks
and vulnerabilities to the confidentiality, integrity, and availability of electronic protected
health information"; 164.308(a)(1)(ii)(B) requires security measures that reduce those risks "to a
reasonable and appropriate level" (risk management); 164.316(b)(1) requires it in writing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("data")

THREAT_SOURCES = {
    "natural": "Natural",
    "human_intentional": "Human, intentional",
    "human_unintentional": "Human, unintentional",
    "environmental": "Environmental",
    "technical": "Technical",
}
TREATMENTS = {
    "mitigate": "Mitigate",
    "accept": "Accept",
    "transfer": "Transfer",
    "avoid": "Avoid",
}


class RiskInputError(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


def _read(name: str) -> dict[str, Any]:
    with (DATA / name).open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


# ---------------------------------------------------------------------------- scales


@dataclass(frozen=True)
class Level:
    value: int
    label: str
    definition: str


@dataclass(frozen=True)
class Band:
    key: str
    label: str
    min: int
    max: int
    action: str


@dataclass(frozen=True)
class Scale:
    key: str
    label: str
    likelihood: tuple[Level, ...]
    impact: tuple[Level, ...]
    bands: tuple[Band, ...]

    @property
    def levels(self) -> int:
        return len(self.likelihood)

    def as_data(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "likelihood": [vars(x) for x in self.likelihood],
            "impact": [vars(x) for x in self.impact],
            "bands": [vars(b) for b in self.bands],
        }

    def band(self, likelihood: int, impact: int) -> Band:
        score = likelihood * impact
        for b in self.bands:
            if b.min <= score <= b.max:
                return b
        return self.bands[-1]

    def label_of(self, kind: str, value: int | None) -> str:
        for level in getattr(self, kind):
            if level.value == value:
                return str(level.label)
        return "not rated"

    def check(self, value: Any, field: str) -> int | None:
        """A rating on this scale, or None when not given. Outside the scale: refused."""
        if value in (None, ""):
            return None
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise RiskInputError(
                f"{field.replace('_', ' ')} is a whole number from 1 to {self.levels}.", field
            ) from None
        if not 1 <= number <= self.levels:
            raise RiskInputError(
                f"{field.replace('_', ' ')} is from 1 to {self.levels} on this scale "
                f"({self.label}); {number} is outside it.",
                field,
            )
        return number


def scale_keys() -> tuple[str, ...]:
    return tuple(_read("scales.json")["scales"])


def default_scale_key() -> str:
    return str(_read("scales.json")["default"])


def scale_from(data: Mapping[str, Any]) -> Scale:
    """A scale from its stored form (an assessment keeps its own copy, definitions included)."""
    return Scale(
        key=str(data["key"]),
        label=str(data["label"]),
        likelihood=tuple(
            Level(int(x["value"]), x["label"], x["definition"]) for x in data["likelihood"]
        ),
        impact=tuple(Level(int(x["value"]), x["label"], x["definition"]) for x in data["impact"]),
        bands=tuple(
            Band(b["key"], b["label"], int(b["min"]), int(b["max"]), b.get("action", ""))
            for b in data["bands"]
        ),
    )


@cache
def scale(key: str) -> Scale:
    scales = _read("scales.json")["scales"]
    if key not in scales:
        raise RiskInputError(f"scale must be one of {', '.join(scales)}.", "scale")
    return scale_from({"key": key, **scales[key]})


def edit_definitions(base: Scale, definitions: Mapping[str, Mapping[int, str]]) -> Scale:
    """The organization's own wording of the level definitions (same levels, same bands)."""

    def redo(kind: str) -> tuple[Level, ...]:
        given = definitions.get(kind, {})
        out = []
        for level in getattr(base, kind):
            text = str(given.get(level.value, level.definition)).strip()
            if not text:
                raise RiskInputError(
                    f"Define {kind} level {level.value} ({level.label}).", f"{kind}_{level.value}"
                )
            out.append(Level(level.value, level.label, text[:1000]))
        return tuple(out)

    return Scale(base.key, base.label, redo("likelihood"), redo("impact"), base.bands)


def from_five(level_of_5: int, target: Scale) -> int:
    """A level on a five-level basis (the public breach record's suggestion) on ``target``."""
    level_of_5 = min(5, max(1, int(level_of_5)))
    return max(1, math.ceil(level_of_5 * target.levels / 5))


# ---------------------------------------------------------------------------- libraries


@dataclass(frozen=True)
class Threat:
    key: str
    name: str
    source: str
    description: str
    asset_types: tuple[str, ...] = ()
    custom: bool = False

    @property
    def source_label(self) -> str:
        return THREAT_SOURCES.get(self.source, self.source)


@dataclass(frozen=True)
class Vulnerability:
    key: str
    name: str
    description: str
    safeguards: tuple[str, ...] = ()
    threats: tuple[str, ...] = ()
    asset_types: tuple[str, ...] = ()
    custom: bool = False


@cache
def threats() -> tuple[Threat, ...]:
    return tuple(
        Threat(t["key"], t["name"], t["source"], t["description"], tuple(t.get("asset_types", ())))
        for t in _read("threats.json")["threats"]
    )


@cache
def vulnerabilities() -> tuple[Vulnerability, ...]:
    return tuple(
        Vulnerability(
            v["key"],
            v["name"],
            v["description"],
            tuple(v.get("safeguards", ())),
            tuple(v.get("threats", ())),
            tuple(v.get("asset_types", ())),
        )
        for v in _read("vulnerabilities.json")["vulnerabilities"]
    )


@cache
def threat_index() -> dict[str, Threat]:
    return {t.key: t for t in threats()}


@cache
def vulnerability_index() -> dict[str, Vulnerability]:
    return {v.key: v for v in vulnerabilities()}


def observation_vulnerability(key: str) -> str | None:
    """The vulnerability an inventory observation points to."""
    found = _read("scales.json")["observations"].get(key)
    return str(found) if found else None


def check_custom_key(key: str, kind: str, taken: set[str]) -> str:
    key = key.strip().lower().replace(" ", "_").replace("-", "_")
    if not key or not all(c.isalnum() or c == "_" for c in key) or len(key) > 60:
        raise RiskInputError("The key is 1 to 60 letters, digits or underscores.", "key")
    builtin = threat_index() if kind == "threat" else vulnerability_index()
    if key in builtin or key in taken:
        raise RiskInputError(f"There is already a {kind} with the key {key}.", "key")
    return key


# ---------------------------------------------------------------------------- questionnaire


@dataclass(frozen=True)
class Answer:
    key: str
    label: str
    best: bool
    proposes: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    key: str
    section: str
    text: str
    help: str
    citations: tuple[str, ...]
    key_activities: tuple[str, ...]
    answers: tuple[Answer, ...]
    asks_when: tuple[str, tuple[str, ...]] | None = None

    def answer(self, key: str) -> Answer | None:
        return next((a for a in self.answers if a.key == key), None)


@dataclass(frozen=True)
class Section:
    key: str
    number: int
    title: str
    intro: str
    questions: tuple[Question, ...]


@cache
def sections() -> tuple[Section, ...]:
    out = []
    for s in _read("questionnaire.json")["sections"]:
        questions = []
        for q in s["questions"]:
            when = q.get("asks_when")
            questions.append(
                Question(
                    key=q["key"],
                    section=s["key"],
                    text=q["text"],
                    help=q.get("help", ""),
                    citations=tuple(q.get("citations", ())),
                    key_activities=tuple(q.get("key_activities", ())),
                    answers=tuple(
                        Answer(
                            a["key"], a["label"], bool(a.get("best")), tuple(a.get("proposes", ()))
                        )
                        for a in q["answers"]
                    ),
                    asks_when=(when["question"], tuple(when["answers"])) if when else None,
                )
            )
        out.append(
            Section(s["key"], int(s["number"]), s["title"], s.get("intro", ""), tuple(questions))
        )
    return tuple(sorted(out, key=lambda s: s.number))


@cache
def question_index() -> dict[str, Question]:
    return {q.key: q for s in sections() for q in s.questions}


def section(key: str) -> Section:
    for s in sections():
        if s.key == key:
            return s
    raise RiskInputError(f"No questionnaire section {key!r}.", "section")


def applies(question: Question, answers: Mapping[str, str]) -> bool:
    """Whether a question is asked, given the answers so far (the questionnaire branches)."""
    if question.asks_when is None:
        return True
    parent, wanted = question.asks_when
    parent_q = question_index().get(parent)
    if parent_q is not None and not applies(parent_q, answers):
        return False
    return answers.get(parent) in wanted


def check_answer(question_key: str, answer_key: str, answers: Mapping[str, str]) -> Question:
    question = question_index().get(question_key)
    if question is None:
        raise RiskInputError(f"No question {question_key!r}.", "question")
    if question.answer(answer_key) is None:
        keys = ", ".join(a.key for a in question.answers)
        raise RiskInputError(f"The answer to {question_key} is one of {keys}.", "answer")
    if not applies(question, answers):
        raise RiskInputError(
            "This question is not asked given the earlier answers in its section.", "question"
        )
    return question


@dataclass(frozen=True)
class Progress:
    section: Section
    asked: int
    answered: int
    best: int

    @property
    def complete(self) -> bool:
        return self.answered >= self.asked


def progress(sec: Section, answers: Mapping[str, str]) -> Progress:
    asked = [q for q in sec.questions if applies(q, answers)]
    answered = [q for q in asked if q.key in answers]
    best = [q for q in answered if (a := q.answer(answers[q.key])) is not None and a.best]
    return Progress(sec, len(asked), len(answered), len(best))


@dataclass(frozen=True)
class AnswerProposal:
    """A vulnerability the answers point to, with the questions that raised it."""

    vulnerability: str
    questions: tuple[str, ...]
    citations: tuple[str, ...]


def proposals_from_answers(answers: Mapping[str, str]) -> list[AnswerProposal]:
    raised: dict[str, list[Question]] = {}
    for question in question_index().values():
        chosen = answers.get(question.key)
        if chosen is None or not applies(question, answers):
            continue
        answer = question.answer(chosen)
        if answer is None:
            continue
        for vuln in answer.proposes:
            raised.setdefault(vuln, []).append(question)
    out = []
    for vuln, questions in raised.items():
        citations: list[str] = []
        for q in questions:
            citations.extend(c for c in q.citations if c not in citations)
        out.append(AnswerProposal(vuln, tuple(q.key for q in questions), tuple(citations)))
    return sorted(out, key=lambda p: p.vulnerability)


# ---------------------------------------------------------------------------- treatment


def check_treatment(
    treatment: str, *, justification: str, approver_can_approve: bool | None, transfer_to: str
) -> None:
    """45 CFR 164.308(a)(1)(ii)(B): each risk is reduced to a reasonable and appropriate level;
    accepting a risk instead is a decision someone with authority makes, in writing, with
    reasons (164.316(b)(1))."""
    if treatment not in TREATMENTS:
        raise RiskInputError(f"treatment must be one of {', '.join(TREATMENTS)}.", "treatment")
    if treatment == "accept":
        if len(justification.strip()) < 20:
            raise RiskInputError(
                "Accepting a risk needs a justification (why this level is reasonable and "
                "appropriate), at least 20 characters.",
                "justification",
            )
        if approver_can_approve is None:
            raise RiskInputError("Accepting a risk needs an approver.", "approver")
        if not approver_can_approve:
            raise RiskInputError(
                "The approver of an accepted risk is an owner or compliance officer.", "approver"
            )
    if treatment == "transfer" and not transfer_to.strip():
        raise RiskInputError(
            "Say to whom the risk is transferred (an insurer, a vendor under contract).",
            "transfer_to",
        )
    if treatment in ("avoid", "transfer") and len(justification.strip()) < 10:
        raise RiskInputError("Explain the decision in a sentence.", "justification")


# ---------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class RiskPoint:
    ref: str  # stable across copies: the first scenario's id
    title: str
    score: int | None
    band: str


@dataclass
class Comparison:
    new_assets: list[str] = field(default_factory=list)
    retired_assets: list[str] = field(default_factory=list)
    new_risks: list[RiskPoint] = field(default_factory=list)
    gone_risks: list[RiskPoint] = field(default_factory=list)
    rose: list[tuple[RiskPoint, RiskPoint]] = field(default_factory=list)
    fell: list[tuple[RiskPoint, RiskPoint]] = field(default_factory=list)
    plan_closed: list[str] = field(default_factory=list)


def compare(
    *,
    assets_before: Mapping[str, str],
    assets_after: Mapping[str, str],
    risks_before: list[RiskPoint],
    risks_after: list[RiskPoint],
    plan_before: Mapping[str, tuple[str, str]],
    plan_after: Mapping[str, tuple[str, str]],
) -> Comparison:
    """What changed between two assessments. Assets are {id: name} of the assets in use; risks
    and plan items carry a ref that stays the same across copies; plan items are
    {ref: (title, status)}."""
    c = Comparison()
    c.new_assets = sorted(assets_after[k] for k in assets_after.keys() - assets_before.keys())
    c.retired_assets = sorted(assets_before[k] for k in assets_before.keys() - assets_after.keys())
    before = {r.ref: r for r in risks_before}
    after = {r.ref: r for r in risks_after}
    c.new_risks = [after[k] for k in after.keys() - before.keys()]
    c.gone_risks = [before[k] for k in before.keys() - after.keys()]
    for ref in before.keys() & after.keys():
        b, a = before[ref], after[ref]
        if b.score is None or a.score is None or a.score == b.score:
            continue
        (c.rose if a.score > b.score else c.fell).append((b, a))
    c.rose.sort(key=lambda p: -(p[1].score or 0))
    c.fell.sort(key=lambda p: p[1].score or 0)
    c.plan_closed = sorted(
        title
        for ref, (title, status) in plan_after.items()
        if status == "done" and (ref not in plan_before or plan_before[ref][1] != "done")
    )
    return c
