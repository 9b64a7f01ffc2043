from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator

from hipaaops.core.roles import Role
from hipaaops.organizations.models import EntityType

ROLE_FIELD_CHOICES = [(r.value, r.label) for r in Role]


class AddMemberForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    full_name = forms.CharField(label="Full name", max_length=150, required=False)
    title = forms.CharField(label="Job title", max_length=120, required=False)
    role = forms.ChoiceField(label="Role", choices=ROLE_FIELD_CHOICES, initial=Role.CONTRIBUTOR)


class ChangeRoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=ROLE_FIELD_CHOICES)


class OrganizationSettingsForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    entity_type = forms.ChoiceField(label="Entity type", choices=EntityType.choices)
    description = forms.CharField(label="Description", widget=forms.Textarea, required=False)
    require_mfa_for_all = forms.BooleanField(
        label="Require two-factor authentication of every member", required=False
    )
    idle_timeout_minutes = forms.IntegerField(
        label="Automatic logoff after (minutes)",
        required=False,
        min_value=1,
        help_text="Leave empty to use the installation's setting.",
    )
    emergency_access_enabled = forms.BooleanField(
        label="Allow the emergency access procedure", required=False
    )
    is_clearinghouse_in_larger_org = forms.BooleanField(
        label="We are a health care clearinghouse that is part of a larger organization",
        required=False,
        help_text="Makes 164.308(a)(4)(ii)(A), isolating clearinghouse functions, apply.",
    )
    is_group_health_plan = forms.BooleanField(
        label="We are a group health plan",
        required=False,
        help_text="Makes 164.314(b), requirements for group health plans, apply.",
    )
    has_business_associates = forms.BooleanField(
        label="We use business associates (or subcontractors) that handle ePHI",
        required=False,
        help_text="Makes the business associate contract requirements of 164.308(b) and "
        "164.314(a) apply.",
    )
    proposed_rule_overlay = forms.BooleanField(
        label="Show the proposed 2025 Security Rule update as an overlay",
        required=False,
        help_text="Not law: shows what would become required and where we fall short.",
    )

    def clean_idle_timeout_minutes(self) -> int | None:
        value: int | None = self.cleaned_data.get("idle_timeout_minutes")
        if value is not None and value > settings.IDLE_TIMEOUT_MINUTES:
            raise forms.ValidationError(
                f"At most {settings.IDLE_TIMEOUT_MINUTES} minutes (the installation's limit)."
            )
        return value


class EmergencyAccessForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need emergency access?",
        widget=forms.Textarea(attrs={"rows": 4}),
        min_length=20,
        help_text="Written reason, kept in the audit trail and sent to the owners.",
    )
    hours = forms.IntegerField(
        label="For how many hours",
        min_value=1,
        initial=4,
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        hours = self.fields["hours"]
        assert isinstance(hours, forms.IntegerField)
        hours.max_value = settings.EMERGENCY_ACCESS_MAX_HOURS
        hours.initial = settings.EMERGENCY_ACCESS_DEFAULT_HOURS
        hours.validators.append(MaxValueValidator(settings.EMERGENCY_ACCESS_MAX_HOURS))
        hours.widget.attrs["max"] = settings.EMERGENCY_ACCESS_MAX_HOURS
