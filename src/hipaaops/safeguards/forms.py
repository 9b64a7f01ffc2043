from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from hipaaops.organizations.models import Membership
from hipaaops.safeguards import reference, rules
from hipaaops.safeguards.models import Status
from hipaaops.safeguards.selectors import REQUIREMENT_FILTERS, RegisterFilter

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def member_choices(members: list[Membership], blank: str) -> list[tuple[str, str]]:
    return [("", blank)] + [
        (str(m.user_id), f"{m.user.get_full_name() or m.user.email} ({m.role_label})")
        for m in members
    ]


class RegisterFilterForm(forms.Form):
    family = forms.ChoiceField(label="Family", required=False)
    requirement = forms.ChoiceField(
        label="Requirement",
        required=False,
        choices=[("", "Any"), *REQUIREMENT_FILTERS.items()],
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any"), *Status.choices]
    )
    owner = forms.ChoiceField(label="Owner", required=False)

    def __init__(self, *args: Any, members: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        family = self.fields["family"]
        assert isinstance(family, forms.ChoiceField)
        family.choices = [
            ("", "Any"),
            *((f, reference.family_label(f)) for f in reference.families()),
        ]
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = member_choices(members, "Anyone")

    def to_filter(self) -> RegisterFilter:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        owner = data.get("owner")
        return RegisterFilter(
            family=data.get("family", ""),
            requirement=data.get("requirement", ""),
            status=data.get("status", ""),
            owner=int(owner) if owner else None,
        )


class ItemForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=Status.choices)
    not_applicable_reason = forms.CharField(
        label="Why it does not apply",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when the status is Not applicable.",
    )
    owner = forms.ChoiceField(label="Owner", required=False)
    target_date = forms.DateField(label="Target date", required=False, widget=DATE)
    implementation = forms.CharField(
        label="How it is implemented",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=rules.MAX_TEXT,
        help_text="Markdown: **bold**, lists, links, tables.",
    )
    last_reviewed_on = forms.DateField(label="Last reviewed", required=False, widget=DATE)
    next_review_on = forms.DateField(label="Next review", required=False, widget=DATE)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, members: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = member_choices(members, "Nobody yet")

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["owner"] = int(data["owner"]) if data.get("owner") else None
        return data


class DecisionForm(forms.Form):
    choice = forms.ChoiceField(
        label="Decision", choices=[(c.value, c.label) for c in rules.DecisionChoice]
    )
    rationale = forms.CharField(
        label="Rationale",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=rules.MAX_TEXT,
        help_text="Why this decision is reasonable and appropriate for the organization "
        "(45 CFR 164.306(d)(3)). Always required.",
    )
    alternative = forms.CharField(
        label="The equivalent alternative measure",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required for an equivalent alternative.",
    )
    instead = forms.CharField(
        label="What is done instead",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when the specification is not reasonable and appropriate.",
    )
    factors = forms.MultipleChoiceField(
        label="Factors weighed (45 CFR 164.306(b)(2))",
        choices=[(f.value, f.label) for f in rules.Factor],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    approver = forms.ChoiceField(label="Approved by")
    decided_on = forms.DateField(label="Decided on", widget=DATE, required=False)
    review_on = forms.DateField(label="Review by", widget=DATE, required=False)

    def __init__(self, *args: Any, approvers: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        approver = self.fields["approver"]
        assert isinstance(approver, forms.ChoiceField)
        approver.choices = member_choices(approvers, "Choose an approver")


class AnswerForm(forms.Form):
    question = forms.CharField(widget=forms.HiddenInput, max_length=64)
    answer = forms.CharField(
        label="Answer", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class UploadForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200, required=False)
    file = forms.FileField(
        label="File",
        help_text=f"PDF, image, Office document or plain text; at most "
        f"{settings.EVIDENCE_MAX_BYTES // (1024 * 1024)} MB.",
    )
    question = forms.ChoiceField(label="Also evidence for the question", required=False)

    def __init__(self, *args: Any, questions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        question = self.fields["question"]
        assert isinstance(question, forms.ChoiceField)
        question.choices = [("", "None"), *questions]


class LinkForm(forms.Form):
    document = forms.IntegerField(required=False)
