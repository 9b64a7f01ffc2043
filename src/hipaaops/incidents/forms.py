from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from hipaaops.incidents import rules
from hipaaops.incidents.models import Category, Severity, Status


def _choices(enum: Any, blank: str | None = None) -> list[tuple[str, str]]:
    items = [(m.value, m.value.replace("_", " ").capitalize()) for m in enum]
    return ([("", blank)] if blank is not None else []) + items


class DateInput(forms.DateInput):
    input_type = "date"


class IncidentForm(forms.Form):
    title = forms.CharField(max_length=200)
    category = forms.ChoiceField(choices=Category.choices)
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.MODERATE)
    occurred_on = forms.DateField(required=False, widget=DateInput)
    discovered_on = forms.DateField(widget=DateInput)
    discovered_by = forms.CharField(required=False, max_length=200)
    reported_on = forms.DateField(widget=DateInput)
    handler = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=20_000
    )
    affected_systems = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5_000
    )
    affected_vendors = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5_000
    )

    def __init__(self, *args: Any, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["handler"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Nobody yet")] + [(m.user_id, m.user.email) for m in members]
        self.fields["reported_on"].initial = timezone.localdate()


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    note = forms.CharField(required=False, max_length=2000)


class TimelineForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("note", "Note"), ("action", "Action taken"), ("notice", "Notice sent")]
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000)


class TaskForm(forms.Form):
    title = forms.CharField(max_length=300)
    assignee = forms.TypedChoiceField(coerce=int)
    due_on = forms.DateField(required=False, widget=DateInput)

    def __init__(self, *args: Any, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(m.user_id, m.user.email) for m in members]


class DeterminationForm(forms.Form):
    """The 164.402 questions in order, then the four factors of 164.402(2), each with its
    rationale. Turned into the rules' JSON input by ``to_inputs``."""

    phi_involved = forms.TypedChoiceField(
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        label="Was protected health information involved?",
    )
    secured_method = forms.ChoiceField(
        required=False,
        choices=_choices(rules.SecuringMethod, "No: the PHI was unsecured"),
        label="Was the PHI secured per HHS guidance?",
    )
    secured_evidence = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Evidence of encryption or destruction",
    )
    key_compromised = forms.BooleanField(
        required=False, label="The key or decryption process was compromised"
    )
    exception_kind = forms.ChoiceField(
        required=False,
        choices=_choices(rules.BreachException, "None applies"),
        label="Does an exception of 164.402(1) apply?",
    )
    exception_reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Why the exception applies"
    )
    identifiers = forms.MultipleChoiceField(
        required=False,
        choices=_choices(rules.Identifier),
        widget=forms.CheckboxSelectMultiple,
        label="(i) Identifiers and information involved",
    )
    sensitivity = forms.ChoiceField(
        required=False, choices=_choices(rules.Level, "Not assessed"), label="(i) Sensitivity"
    )
    reidentification = forms.ChoiceField(
        required=False,
        choices=_choices(rules.Level, "Not assessed"),
        label="(i) Likelihood of re-identification",
    )
    nature_rationale = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="(i) Rationale"
    )
    recipient = forms.ChoiceField(
        required=False,
        choices=_choices(rules.Recipient, "Not assessed"),
        label="(ii) The unauthorized person",
    )
    recipient_rationale = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="(ii) Rationale"
    )
    acquired = forms.ChoiceField(
        required=False,
        choices=_choices(rules.Acquisition, "Not assessed"),
        label="(iii) Was the PHI actually acquired or viewed?",
    )
    acquired_rationale = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="(iii) Rationale"
    )
    forensic_evidence = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="(iii) Forensic evidence"
    )
    mitigation = forms.ChoiceField(
        required=False,
        choices=_choices(rules.MitigationExtent, "Not assessed"),
        label="(iv) Extent of mitigation",
    )
    mitigation_rationale = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="(iv) Rationale"
    )
    attestation = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="(iv) Attestation of return or destruction",
    )
    summary = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Overall rationale"
    )

    def to_inputs(self) -> dict[str, Any]:
        d = self.cleaned_data
        data: dict[str, Any] = {"phi_involved": d["phi_involved"]}
        if d.get("secured_method"):
            data["secured"] = {
                "method": d["secured_method"],
                "evidence": d.get("secured_evidence", ""),
                "key_compromised": d.get("key_compromised", False),
            }
        if d.get("exception_kind"):
            data["exception"] = {
                "kind": d["exception_kind"],
                "reason": d.get("exception_reason", ""),
            }
        assessment: dict[str, Any] = {}
        if d.get("sensitivity") and d.get("reidentification"):
            assessment["nature"] = {
                "identifiers": d.get("identifiers", []),
                "sensitivity": d["sensitivity"],
                "reidentification": d["reidentification"],
                "rationale": d.get("nature_rationale", ""),
            }
        if d.get("recipient"):
            assessment["unauthorized_person"] = {
                "recipient": d["recipient"],
                "rationale": d.get("recipient_rationale", ""),
            }
        if d.get("acquired"):
            assessment["acquired_or_viewed"] = {
                "answer": d["acquired"],
                "rationale": d.get("acquired_rationale", ""),
                "forensic_evidence": d.get("forensic_evidence", ""),
            }
        if d.get("mitigation"):
            assessment["mitigation"] = {
                "extent": d["mitigation"],
                "rationale": d.get("mitigation_rationale", ""),
                "attestation": d.get("attestation", ""),
            }
        if assessment:
            data["assessment"] = assessment
        return data

    @classmethod
    def initial_from(cls, inputs: dict[str, Any] | None, summary: str = "") -> dict[str, Any]:
        if not inputs:
            return {"phi_involved": "yes"}
        a = inputs.get("assessment") or {}
        n, p, v, m = (
            a.get("nature") or {},
            a.get("unauthorized_person") or {},
            a.get("acquired_or_viewed") or {},
            a.get("mitigation") or {},
        )
        s, e = inputs.get("secured") or {}, inputs.get("exception") or {}
        return {
            "phi_involved": "yes" if inputs.get("phi_involved") else "no",
            "secured_method": s.get("method", ""),
            "secured_evidence": s.get("evidence", ""),
            "key_compromised": s.get("key_compromised", False),
            "exception_kind": e.get("kind", ""),
            "exception_reason": e.get("reason", ""),
            "identifiers": n.get("identifiers", []),
            "sensitivity": n.get("sensitivity", ""),
            "reidentification": n.get("reidentification", ""),
            "nature_rationale": n.get("rationale", ""),
            "recipient": p.get("recipient", ""),
            "recipient_rationale": p.get("rationale", ""),
            "acquired": v.get("answer", ""),
            "acquired_rationale": v.get("rationale", ""),
            "forensic_evidence": v.get("forensic_evidence", ""),
            "mitigation": m.get("extent", ""),
            "mitigation_rationale": m.get("rationale", ""),
            "attestation": m.get("attestation", ""),
            "summary": summary,
        }


class FactsForm(forms.Form):
    affected_by_state = forms.CharField(
        required=False,
        max_length=2000,
        label="Affected per State (when no list is loaded)",
        help_text="For example: CA=540, NV=72",
    )
    insufficient_contact_info = forms.IntegerField(
        min_value=0, required=False, label="How many cannot be reached (when no list is loaded)"
    )
    delay_kind = forms.ChoiceField(
        required=False,
        choices=[
            ("", "No law-enforcement delay"),
            ("written", "Written statement"),
            ("oral", "Oral statement"),
        ],
        label="Law-enforcement delay (164.412)",
    )
    delay_stated_on = forms.DateField(required=False, widget=DateInput, label="Statement given on")
    delay_until = forms.DateField(
        required=False, widget=DateInput, label="Written statement's end date"
    )
    ba_discovered_on = forms.DateField(
        required=False,
        widget=DateInput,
        label="Breach at a business associate: discovered there on",
    )
    ba_notified_on = forms.DateField(
        required=False, widget=DateInput, label="The business associate told us on"
    )
    ba_is_agent = forms.BooleanField(
        required=False, label="The business associate acts as our agent"
    )
    baa_reporting_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=60,
        label="Our BAA's reporting limit in days (when we are the business associate)",
    )

    def clean_affected_by_state(self) -> dict[str, int]:
        text = self.cleaned_data.get("affected_by_state") or ""
        counts: dict[str, int] = {}
        for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
            state, _, number = part.partition("=")
            if not number.strip().isdigit() or len(state.strip()) != 2:
                raise forms.ValidationError(f"{part!r} is not STATE=COUNT, such as CA=540.")
            counts[state.strip().upper()] = int(number)
        return counts

    def to_facts(self) -> dict[str, Any]:
        d = self.cleaned_data
        delay = None
        if d.get("delay_kind") == "written":
            delay = {
                "kind": "written",
                "stated_on": _iso(d.get("delay_stated_on")),
                "until": _iso(d.get("delay_until")),
            }
        elif d.get("delay_kind") == "oral":
            delay = {"kind": "oral", "stated_on": _iso(d.get("delay_stated_on"))}
        ba = None
        if d.get("ba_discovered_on"):
            ba = {
                "discovered_on": _iso(d["ba_discovered_on"]),
                "notified_covered_entity_on": _iso(d.get("ba_notified_on")),
                "is_agent": bool(d.get("ba_is_agent")),
            }
        return {
            "affected_by_state": d.get("affected_by_state") or {},
            "insufficient_contact_info": d.get("insufficient_contact_info") or 0,
            "law_enforcement_delay": delay,
            "business_associate": ba,
            "baa_reporting_days": d.get("baa_reporting_days"),
        }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


class ImportForm(forms.Form):
    file = forms.FileField(label="Affected individuals (CSV)")
    dry_run = forms.BooleanField(required=False, initial=True, label="Check only (dry run)")


class NoticeForm(forms.Form):
    what_happened = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        label="(A) What happened",
    )
    information = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="(B) What information was involved",
    )
    steps = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
        label="(C) Steps to add to the standard ones",
    )
    what_we_are_doing = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        label="(D) What we are doing",
    )
    phone = forms.CharField(required=False, max_length=40, label="(E) Toll-free number")
    email = forms.CharField(required=False, max_length=254, label="(E) E-mail address")
    website = forms.CharField(required=False, max_length=200, label="(E) Web site")
    postal_address = forms.CharField(required=False, max_length=500, label="(E) Postal address")
    signer = forms.CharField(required=False, max_length=200, label="Signed by")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from hipaaops.incidents.rules.letters import INFORMATION_WORDS

        field = self.fields["information"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (k, v.replace("your ", "").capitalize()) for k, v in INFORMATION_WORDS.items()
        ]


class AttachForm(forms.Form):
    title = forms.CharField(max_length=200, required=False)
    file = forms.FileField(help_text="PDF, image, Office document or plain text.")


class VendorsForm(forms.Form):
    vendors = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label="Vendors involved",
        help_text="From the vendor registry; hold Ctrl or Cmd to choose several.",
    )

    def __init__(self, *args: Any, vendors: list[tuple[int, str]] = (), **kwargs: Any):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["vendors"].choices = list(vendors)  # type: ignore[attr-defined]
