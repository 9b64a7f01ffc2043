"""Page input for the business associate program. Forms parse; services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from hipaaops.vendors import rules
from hipaaops.vendors.models import PhiAccess, Relationship
from hipaaops.vendors.services import DISPOSITION_METHODS

DATE = forms.DateInput(attrs={"type": "date"})


class VendorForm(forms.Form):
    name = forms.CharField(max_length=200)
    relationship = forms.ChoiceField(choices=Relationship.choices, initial="vendor")
    parent = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label="Subcontractor of",
        help_text="The vendor this one works for, when it is a subcontractor in a chain.",
    )
    services = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    phi_access = forms.ChoiceField(choices=PhiAccess.choices, label="PHI it touches")
    phi_kinds = forms.CharField(
        required=False, label="Kinds of PHI", help_text="Comma separated: demographics, claims…"
    )
    locations = forms.CharField(max_length=300, required=False, label="Where it processes PHI")
    offshore = forms.BooleanField(required=False, label="Processes PHI outside the United States")
    operates = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Assets and data flows it operates for us",
    )
    contact_name = forms.CharField(max_length=200, required=False)
    contact_email = forms.EmailField(required=False)
    review_months = forms.IntegerField(min_value=1, max_value=36, initial=12)

    def __init__(self, *args: Any, parents: list[tuple[int, str]] = (), **kwargs: Any):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", "—"), *parents]  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        name, email = data.pop("contact_name"), data.pop("contact_email")
        data["contacts"] = [{"name": name, "email": email}] if name or email else []
        return data


class DeterminationForm(forms.Form):
    handles_phi = forms.BooleanField(
        required=False,
        label="It creates, receives, maintains or transmits PHI for a function or activity on "
        "our behalf",
    )
    only_transmits = forms.BooleanField(
        required=False,
        label="It only carries data from place to place and keeps none beyond transmission",
    )
    routine_access = forms.BooleanField(
        required=False, label="It needs access to the PHI on a routine basis"
    )
    workforce_member = forms.BooleanField(
        required=False, label="It is a member of our workforce (under our direct control)"
    )
    treatment_provider = forms.BooleanField(
        required=False, label="It is a health care provider receiving PHI to treat the individual"
    )
    own_capacity = forms.BooleanField(
        required=False, label="It is a covered entity acting in its own right in this relationship"
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV or XLSX with a header line; see the README for columns.")
    dry_run = forms.BooleanField(required=False, initial=True, label="Dry run: check only")


class AgreementForm(forms.Form):
    title = forms.CharField(max_length=200)
    stage = forms.ChoiceField(
        choices=[(s.value, rules.STATUS_LABELS[s]) for s in rules.STAGES[:4]], initial="needed"
    )
    parties = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    signatory_name = forms.CharField(max_length=200, required=False)
    signatory_title = forms.CharField(max_length=200, required=False)
    signed_on = forms.DateField(required=False, widget=DATE)
    effective_on = forms.DateField(required=False, widget=DATE)
    expires_on = forms.DateField(required=False, widget=DATE, label="End of term")
    auto_renews = forms.BooleanField(required=False, label="Renews by itself")
    renewal_months = forms.IntegerField(required=False, min_value=1, max_value=120)
    breach_report_days = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=rules.RULE_BREACH_NOTICE_DAYS,
        label="Days to report a breach",
        help_text=(
            "As the agreement says; the rule's outer limit is "
            f"{rules.RULE_BREACH_NOTICE_DAYS} calendar days (164.410(b))."
        ),
    )
    breach_report_day_kind = forms.ChoiceField(
        choices=[("calendar", "calendar days"), ("business", "business days")], initial="calendar"
    )

    def values(self, *, with_stage: bool = True) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        name, title, signed = (
            data.pop("signatory_name"),
            data.pop("signatory_title"),
            data.pop("signed_on"),
        )
        data["signatories"] = (
            [{"name": name, "title": title, "party": "", "signed_on": signed}] if name else []
        )
        if not with_stage:
            data.pop("stage")
        return data


class StageForm(forms.Form):
    stage = forms.ChoiceField(choices=[(s.value, rules.STATUS_LABELS[s]) for s in rules.STAGES])


class ProvisionsForm(forms.Form):
    """One state, place and note per required provision."""

    STATES = [
        ("unchecked", "not checked"),
        ("present", "present"),
        ("missing", "missing"),
        ("not_applicable", "not applicable"),
    ]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for p in rules.provisions():
            self.fields[f"{p.key}__state"] = forms.ChoiceField(
                choices=self.STATES, label=p.title, help_text=f"{', '.join(p.citations)}. {p.hint}"
            )
            self.fields[f"{p.key}__where"] = forms.CharField(
                max_length=200, required=False, label="Page or section"
            )
            self.fields[f"{p.key}__note"] = forms.CharField(
                max_length=1000, required=False, label="Note"
            )

    def rows(self) -> list[tuple[rules.Provision, Any, Any, Any]]:
        return [
            (p, self[f"{p.key}__state"], self[f"{p.key}__where"], self[f"{p.key}__note"])
            for p in rules.provisions()
        ]

    def checklist(self) -> dict[str, dict[str, str]]:
        return {
            p.key: {
                "state": self.cleaned_data[f"{p.key}__state"],
                "where": self.cleaned_data[f"{p.key}__where"],
                "note": self.cleaned_data[f"{p.key}__note"],
            }
            for p in rules.provisions()
        }

    @classmethod
    def initial_from(cls, provisions: dict[str, Any]) -> dict[str, str]:
        initial = {}
        for key, value in (provisions or {}).items():
            for part in ("state", "where", "note"):
                initial[f"{key}__{part}"] = value.get(part, "")
        return initial


class DocumentForm(forms.Form):
    file = forms.FileField(help_text="PDF or DOCX. Earlier versions are kept.")
    note = forms.CharField(max_length=300, required=False)


class TerminateForm(forms.Form):
    terminated_on = forms.DateField(widget=DATE)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class DispositionForm(forms.Form):
    method = forms.ChoiceField(choices=list(DISPOSITION_METHODS.items()))
    confirmed_on = forms.DateField(widget=DATE)
    certificate = forms.FileField(required=False, help_text="The vendor's certificate (PDF).")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class VerificationForm(forms.Form):
    received_on = forms.DateField(widget=DATE)
    upload = forms.FileField(required=False, label="Verification (PDF or DOCX)")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class SendReviewForm(forms.Form):
    sent_to = forms.EmailField(label="Send to")
    due_on = forms.DateField(required=False, widget=DATE)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("return", "Return to the vendor")])
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class OffboardForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class SettingsForm(forms.Form):
    expiring_window_days = forms.IntegerField(
        min_value=1, max_value=365, label="Expiring window (days)"
    )
    link_days = forms.IntegerField(
        min_value=1, max_value=90, label="Questionnaire links last (days)"
    )


ANSWER_CHOICES = [
    ("yes", "Yes"),
    ("partly", "Partly"),
    ("no", "No"),
    ("not_applicable", "Not applicable"),
]
REPORT_SLOTS = 3


class QuestionnaireForm(forms.Form):
    """The vendor's side: our questions, an optional comment each, up to three audit reports."""

    respondent_name = forms.CharField(max_length=200, label="Your name")
    respondent_title = forms.CharField(max_length=200, required=False, label="Your role")
    respondent_email = forms.EmailField(required=False, label="Your e-mail")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        qn = rules.questionnaire()
        for q in qn.questions:
            self.fields[f"q_{q.id}"] = forms.ChoiceField(
                choices=ANSWER_CHOICES, widget=forms.RadioSelect, label=q.text
            )
            self.fields[f"c_{q.id}"] = forms.CharField(
                max_length=2000, required=False, label="Comment"
            )
        kinds = [("", "—"), *qn.report_types.items()]
        for i in range(REPORT_SLOTS):
            self.fields[f"report_{i}_kind"] = forms.ChoiceField(
                choices=kinds, required=False, label=f"Audit report {i + 1}"
            )
            self.fields[f"report_{i}_expires_on"] = forms.DateField(
                required=False, widget=DATE, label="Valid until"
            )
            self.fields[f"report_{i}_file"] = forms.FileField(required=False, label="Report (PDF)")

    def question_rows(self) -> list[tuple[rules.Question, Any, Any]]:
        return [(q, self[f"q_{q.id}"], self[f"c_{q.id}"]) for q in rules.questionnaire().questions]

    def report_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (self[f"report_{i}_kind"], self[f"report_{i}_expires_on"], self[f"report_{i}_file"])
            for i in range(REPORT_SLOTS)
        ]

    def parts(self) -> dict[str, Any]:
        d = self.cleaned_data
        qs = rules.questionnaire().questions
        reports = []
        for i in range(REPORT_SLOTS):
            if d.get(f"report_{i}_kind"):
                reports.append(
                    {
                        "kind": d[f"report_{i}_kind"],
                        "expires_on": d.get(f"report_{i}_expires_on"),
                        "upload": d.get(f"report_{i}_file"),
                    }
                )
        return {
            "respondent": {
                "name": d["respondent_name"],
                "title": d["respondent_title"],
                "email": d["respondent_email"],
            },
            "answers": {q.id: d.get(f"q_{q.id}") for q in qs},
            "comments": {q.id: d.get(f"c_{q.id}", "") for q in qs},
            "reports": reports,
        }
