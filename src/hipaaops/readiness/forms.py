from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from hipaaops.readiness import rules
from hipaaops.readiness.models import ResponseStatus


class _ChoicesMixin(forms.Form):
    def _choices(self, name: str, choices: list[tuple[Any, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class MockAuditForm(_ChoicesMixin):
    title = forms.CharField(max_length=200, initial="Mock audit")
    held_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    scope = forms.ChoiceField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("scope", [(p.key, p.label) for p in rules.presets()])
        self.fields["held_on"].initial = timezone.localdate()


class ResponseForm(_ChoicesMixin):
    applicable = forms.BooleanField(required=False)
    not_applicable_reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=20_000
    )
    narrative = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000
    )
    status = forms.ChoiceField(choices=ResponseStatus.choices)
    reviewer = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("reviewer", [("", "Me")] + [(m.user_id, m.user.email) for m in members])


class RemediationForm(_ChoicesMixin):
    title = forms.CharField(max_length=300)
    owner = forms.TypedChoiceField(coerce=int)
    due_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("owner", [(m.user_id, m.user.email) for m in members])


class FilterForm(forms.Form):
    audit_type = forms.ChoiceField(
        required=False, choices=[("", "Any rule"), *rules.RULE_LABELS.items()]
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *ResponseStatus.choices]
    )
    q = forms.CharField(required=False, max_length=100, label="Search")


class PenaltyForm(forms.Form):
    tier = forms.TypedChoiceField(
        coerce=int,
        choices=[
            (1, "Tier 1: did not know"),
            (2, "Tier 2: reasonable cause"),
            (3, "Tier 3: willful neglect, corrected within 30 days"),
            (4, "Tier 4: willful neglect, not corrected"),
        ],
    )
    violations = forms.IntegerField(min_value=1, max_value=10_000_000, initial=1)
    on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), label="Amounts in force on"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class BinderForm(forms.Form):
    as_of = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="As of")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["as_of"].initial = timezone.localdate()

    def clean_as_of(self) -> Any:
        value = self.cleaned_data["as_of"]
        if value > timezone.localdate():
            raise forms.ValidationError(
                "A binder shows what was on file; the date cannot be in the future."
            )
        return value
