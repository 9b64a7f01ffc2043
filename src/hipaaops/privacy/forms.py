from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from hipaaops.privacy.models import RequestRight, RequestStatus


class DateInput(forms.DateInput):
    input_type = "date"


class RequestForm(forms.Form):
    right = forms.ChoiceField(choices=RequestRight.choices)
    received_on = forms.DateField(widget=DateInput)
    requester = forms.CharField(max_length=200, label="Requester's name")
    individual = forms.CharField(
        max_length=200, required=False, label="The individual, if someone else"
    )
    representative_basis = forms.CharField(
        max_length=500, required=False, label="Basis of a personal representative"
    )
    contact = forms.CharField(max_length=500, required=False, label="How to reach the requester")
    channel = forms.CharField(
        max_length=40, required=False, label="Received by (mail, portal, in person...)"
    )
    identity_verification = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="How identity and authority were verified (164.514(h))",
    )
    form_and_format = forms.CharField(
        max_length=200, required=False, label="Form and format asked for"
    )
    summary = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )
    assignee = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Nobody yet")] + [(m.user_id, m.user.email) for m in members]
        self.fields["received_on"].initial = timezone.localdate()


class ExtendForm(forms.Form):
    extended_on = forms.DateField(widget=DateInput, label="Written statement given on")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=5000, label="Reasons for the delay"
    )
    expected_date = forms.DateField(
        widget=DateInput, required=False, label="Date by which we will act"
    )


class FeeForm(forms.Form):
    labor_hours = forms.DecimalField(min_value=0, max_digits=6, decimal_places=2, required=False)
    labor_rate_per_hour = forms.DecimalField(
        min_value=0, max_digits=8, decimal_places=2, required=False
    )
    supplies = forms.DecimalField(min_value=0, max_digits=8, decimal_places=2, required=False)
    postage = forms.DecimalField(min_value=0, max_digits=8, decimal_places=2, required=False)
    mailed = forms.BooleanField(required=False, label="The individual asked for it to be mailed")
    summary_preparation = forms.DecimalField(
        min_value=0, max_digits=8, decimal_places=2, required=False
    )
    summary_agreed = forms.BooleanField(
        required=False, label="The individual agreed to a summary and its fee"
    )


class RespondForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (s.value, s.label)
            for s in (
                RequestStatus.GRANTED,
                RequestStatus.PARTLY_GRANTED,
                RequestStatus.DENIED,
                RequestStatus.WITHDRAWN,
            )
        ]
    )
    sent_on = forms.DateField(widget=DateInput, label="Response sent on")
    summary = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )
    denial_ground = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )
    denial_reviewable = forms.TypedChoiceField(
        required=False,
        choices=[
            ("", "Not a denial of access"),
            ("yes", "Reviewable ground"),
            ("no", "Unreviewable ground"),
        ],
        coerce=lambda v: v == "yes",
        empty_value=None,
    )


class DisclosureForm(forms.Form):
    individual_name = forms.CharField(max_length=200)
    individual_id = forms.CharField(max_length=100, label="Record identifier (MRN)")
    disclosed_on = forms.DateField(widget=DateInput)
    recipient = forms.CharField(max_length=300, label="Shared with (name, and address if known)")
    description = forms.CharField(max_length=2000, label="What was shared")
    purpose = forms.CharField(max_length=2000, label="Why (a brief statement)")
    exemption = forms.ChoiceField(required=False, label="Left out of accountings because")
    suspended_until = forms.DateField(
        widget=DateInput, required=False, label="Suspended until (164.528(a)(2))"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from hipaaops.privacy.rules.accounting import EXEMPTIONS

        field = self.fields["exemption"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "It must be listed")] + [
            (k.value, f"{v.citation}: {v.reason}") for k, v in EXEMPTIONS.items()
        ]


class DisclosureImportForm(forms.Form):
    file = forms.FileField(label="Disclosures (CSV)")
    dry_run = forms.BooleanField(required=False, initial=True, label="Check only (dry run)")


class AccountingForm(forms.Form):
    individual_name = forms.CharField(max_length=200)
    individual_id = forms.CharField(max_length=100, label="Record identifier (MRN)")
    requested_on = forms.DateField(widget=DateInput)
    period_start = forms.DateField(
        widget=DateInput, required=False, label="Shorter period from (optional)"
    )
    period_end = forms.DateField(widget=DateInput, required=False, label="to")


class RestrictionForm(forms.Form):
    to_health_plan = forms.BooleanField(
        required=False, label="It restricts disclosures to a health plan"
    )
    purpose = forms.ChoiceField(
        choices=[
            ("treatment", "Treatment"),
            ("payment", "Payment"),
            ("health_care_operations", "Health care operations"),
            ("other", "Other"),
        ]
    )
    required_by_law = forms.BooleanField(
        required=False, label="The disclosure is otherwise required by law"
    )
    paid_in_full_out_of_pocket = forms.BooleanField(
        required=False, label="The item or service was paid in full out of pocket"
    )


class ComplaintForm(forms.Form):
    received_on = forms.DateField(widget=DateInput)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)
    name = forms.CharField(max_length=200, required=False, label="Complainant (optional)")
    contact = forms.CharField(max_length=500, required=False)


class DisposeForm(forms.Form):
    disposition = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000)
    disposed_on = forms.DateField(widget=DateInput)
    sanction_reference = forms.CharField(
        max_length=200, required=False, label="Sanction applied (reference)"
    )


class NoticeVersionForm(forms.Form):
    version = forms.CharField(max_length=40)
    effective_on = forms.DateField(widget=DateInput)
    summary_of_changes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000
    )


class PostingForm(forms.Form):
    where = forms.CharField(max_length=200, label="Posted or made available where")
    posted_on = forms.DateField(widget=DateInput)


class AcknowledgementForm(forms.Form):
    name = forms.CharField(max_length=200, required=False)
    identifier = forms.CharField(max_length=100, label="Record identifier (MRN)")
    first_service_on = forms.DateField(widget=DateInput)
    obtained = forms.BooleanField(required=False, label="Written acknowledgement obtained")
    reason_not_obtained = forms.CharField(
        required=False, max_length=2000, label="If not, the effort made and why"
    )


class IntakeSettingsForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="Open the public intake page")
    intro = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class IntakeForm(forms.Form):
    right = forms.ChoiceField(
        choices=[
            ("access", "A copy of my health information"),
            ("amendment", "A correction to my records"),
            ("accounting", "A list of disclosures"),
            ("restriction", "A restriction on uses or disclosures"),
            ("confidential_communications", "Contact by another means or at another address"),
        ],
        label="What are you asking for?",
    )
    requester = forms.CharField(max_length=200, label="Your name")
    contact = forms.CharField(max_length=500, label="How can we reach you?")
    individual = forms.CharField(
        max_length=200, required=False, label="If you ask for someone else, their name"
    )
    summary = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, label="Details"
    )


class DisagreementForm(forms.Form):
    disagreement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,
        label="The individual's statement of disagreement",
    )
    rebuttal = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=10_000,
        required=False,
        label="Our rebuttal (optional)",
    )


class ReviewForm(forms.Form):
    reviewer_name = forms.CharField(
        max_length=200, label="Reviewing licensed health care professional"
    )
    license = forms.CharField(max_length=100, label="Licence")
    took_part_in_denial = forms.BooleanField(
        required=False, label="The reviewer took part in the original decision"
    )
    outcome = forms.ChoiceField(
        choices=[("upheld", "Denial upheld"), ("reversed", "Denial reversed: give access")]
    )
    reviewed_on = forms.DateField(widget=DateInput)
