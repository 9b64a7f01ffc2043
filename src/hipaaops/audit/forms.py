from __future__ import annotations

from django import forms

from hipaaops.audit.models import Action
from hipaaops.audit.selectors import AuditFilter


class AuditSearchForm(forms.Form):
    user = forms.CharField(label="User (e-mail contains)", required=False, max_length=254)
    action = forms.ChoiceField(
        label="Action", required=False, choices=[("", "Any action"), *Action.choices]
    )
    object_type = forms.CharField(label="Object type", required=False, max_length=100)
    object_id = forms.CharField(label="Object id", required=False, max_length=64)
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The end date is before the start date.")
        return data

    def to_filter(self) -> AuditFilter:
        d = self.cleaned_data
        return AuditFilter(
            user=d.get("user") or "",
            action=d.get("action") or "",
            object_type=d.get("object_type") or "",
            object_id=d.get("object_id") or "",
            since=d.get("since"),
            until=d.get("until"),
        )
