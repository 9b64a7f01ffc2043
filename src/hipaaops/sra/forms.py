"""Page input for the risk assessment. Forms parse; services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from hipaaops.organizations.models import Membership
from hipaaops.safeguards.forms import member_choices
from hipaaops.sra import rules
from hipaaops.sra.models import PlanStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AssessmentForm(forms.Form):
    title = forms.CharField(max_length=200)
    assessed_on = forms.DateField(widget=DATE, label="Date of the assessment")
    scope = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Which organization, sites, systems and ePHI it covers (all ePHI, 164.308(a)(1)(ii)(A)).",
    )
    method = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="How it was done: interviews, inventory review, questionnaire, scans, NIST SP 800-30 style rating.",
    )
    participants = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="One per line: name, role.",
    )


class NewAssessmentForm(AssessmentForm):
    scale = forms.ChoiceField(required=False, label="Rating scale")
    copy_from = forms.ChoiceField(required=False, label="Start as a copy of")

    def __init__(self, *args: Any, earlier: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scale = self.fields["scale"]
        assert isinstance(scale, forms.ChoiceField)
        scale.choices = [("", "Default (or the copied assessment's)")] + [
            (k, rules.scale(k).label) for k in rules.scale_keys()
        ]
        copy = self.fields["copy_from"]
        assert isinstance(copy, forms.ChoiceField)
        copy.choices = [("", "Start empty")] + [(str(pk), t) for pk, t in earlier]


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    f = form.fields[name]
    assert isinstance(f, forms.ChoiceField)
    return f


class ScenarioForm(forms.Form):
    title = forms.CharField(max_length=300)
    threat = forms.ChoiceField()
    vulnerability = forms.ChoiceField()
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    assets = forms.MultipleChoiceField(
        required=False, widget=forms.SelectMultiple(attrs={"size": 6}), label="Assets"
    )
    controls = forms.MultipleChoiceField(
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        label="Existing controls (safeguard register)",
    )
    controls_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Controls in place"
    )
    likelihood = forms.ChoiceField(required=False)
    impact = forms.ChoiceField(required=False)
    likelihood_basis = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Why this likelihood"
    )
    residual_likelihood = forms.ChoiceField(required=False)
    residual_impact = forms.ChoiceField(required=False)
    owner = forms.ChoiceField(required=False, label="Risk owner")

    def __init__(
        self,
        *args: Any,
        scale: rules.Scale,
        threats: dict[str, rules.Threat],
        vulnerabilities: dict[str, rules.Vulnerability],
        assets: list[tuple[int, str]],
        controls: list[tuple[int, str]],
        members: list[Membership],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "threat").choices = [
            ("", "—"),
            *sorted(
                ((k, f"{t.name} ({t.source_label.lower()})") for k, t in threats.items()),
                key=lambda c: c[1],
            ),
        ]
        _choice(self, "vulnerability").choices = [
            ("", "—"),
            *sorted(((k, v.name) for k, v in vulnerabilities.items()), key=lambda c: c[1]),
        ]
        _choice(self, "assets").choices = [(str(pk), n) for pk, n in assets]
        _choice(self, "controls").choices = [(str(pk), n) for pk, n in controls]
        for name, kind in (
            ("likelihood", "likelihood"),
            ("impact", "impact"),
            ("residual_likelihood", "likelihood"),
            ("residual_impact", "impact"),
        ):
            _choice(self, name).choices = [("", "not rated")] + [
                (str(level.value), f"{level.value} {level.label}") for level in getattr(scale, kind)
            ]
        _choice(self, "owner").choices = member_choices(members, "Nobody yet")

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for k in ("likelihood", "impact", "residual_likelihood", "residual_impact", "owner"):
            data[k] = data.get(k) or None
        return data


class TreatmentForm(forms.Form):
    treatment = forms.ChoiceField(choices=list(rules.TREATMENTS.items()), widget=forms.RadioSelect)
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Why this decision; for an acceptance, why the remaining risk is reasonable and appropriate.",
    )
    approver = forms.ChoiceField(
        required=False, help_text="Needed to accept a risk: an owner or compliance officer."
    )
    transfer_to = forms.CharField(max_length=200, required=False, label="Transferred to")

    def __init__(self, *args: Any, members: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "approver").choices = member_choices(members, "—")


class PlanItemForm(forms.Form):
    title = forms.CharField(max_length=300, label="Step")
    owner = forms.ChoiceField()
    due_on = forms.DateField(widget=DATE, label="Due on")
    status = forms.ChoiceField(choices=PlanStatus.choices, initial="open")
    safeguards = forms.MultipleChoiceField(
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        label="Safeguards it implements",
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(
        self, *args: Any, members: list[Membership], controls: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "owner").choices = member_choices(members, "—")
        _choice(self, "safeguards").choices = [(str(pk), n) for pk, n in controls]


class LibraryForm(forms.Form):
    kind = forms.ChoiceField(choices=[("threat", "Threat"), ("vulnerability", "Vulnerability")])
    key = forms.CharField(
        max_length=60,
        required=False,
        help_text="Letters, digits, underscores; from the name if empty.",
    )
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    source = forms.ChoiceField(
        required=False, choices=[("", "—"), *rules.THREAT_SOURCES.items()], label="Threat source"
    )
    safeguards = forms.CharField(
        required=False,
        help_text="Vulnerabilities: the Security Rule paragraphs that address it, comma separated.",
    )
    threats = forms.CharField(
        required=False,
        help_text="Vulnerabilities: keys of the threats that exploit it, comma separated.",
    )
