"""Page input for the ePHI inventory. Forms parse; services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from hipaaops.inventory import rules
from hipaaops.inventory.models import ENCRYPTION_CHOICES, LIFECYCLE_CHOICES, TRISTATE_CHOICES
from hipaaops.organizations.models import Membership
from hipaaops.safeguards.forms import member_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _choices(kind: str) -> list[tuple[str, str]]:
    return [(c.key, c.label) for c in rules.choices(kind)]


class AssetForm(forms.Form):
    name = forms.CharField(max_length=200)
    asset_type = forms.ChoiceField(choices=_choices("asset_types"), label="Kind of asset")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    owner = forms.ChoiceField(required=False)
    hosting = forms.ChoiceField(choices=_choices("hosting"), label="Where it runs")
    location = forms.CharField(max_length=200, required=False, label="Location or account")
    holds_ephi = forms.ChoiceField(choices=TRISTATE_CHOICES, label="Holds ePHI", initial="unknown")
    ephi_kinds = forms.MultipleChoiceField(
        choices=_choices("ephi_kinds"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Kinds of ePHI",
    )
    records = forms.IntegerField(min_value=0, required=False, label="Approximate number of records")
    encrypted_at_rest = forms.ChoiceField(choices=ENCRYPTION_CHOICES, initial="unknown")
    encrypted_in_transit = forms.ChoiceField(choices=ENCRYPTION_CHOICES, initial="unknown")
    backup = forms.ChoiceField(choices=_choices("backup"), initial="unknown")
    criticality = forms.ChoiceField(
        choices=_choices("criticality"),
        initial="moderate",
        help_text="For the applications and data criticality analysis (164.308(a)(7)(ii)(E)).",
    )
    lifecycle = forms.ChoiceField(
        choices=[c for c in LIFECYCLE_CHOICES if c[0] != "disposed"], initial="in_use"
    )
    vendor = forms.ChoiceField(required=False, label="Vendor that runs it")
    vendor_name = forms.CharField(
        max_length=200, required=False, label="…or the vendor's name, if not in the registry"
    )

    def __init__(
        self,
        *args: Any,
        members: list[Membership],
        vendors: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = member_choices(members, "Nobody yet")
        vendor = self.fields["vendor"]
        assert isinstance(vendor, forms.ChoiceField)
        vendor.choices = [("", "—"), *((str(pk), name) for pk, name in vendors)]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["owner"] = data.get("owner") or None
        data["vendor"] = data.get("vendor") or None
        return data


class FlowForm(forms.Form):
    source = forms.ChoiceField(label="From asset")
    target = forms.ChoiceField(required=False, label="To asset")
    outside_party = forms.CharField(max_length=200, required=False, label="…or to an outside party")
    ephi_kinds = forms.MultipleChoiceField(
        choices=_choices("ephi_kinds"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="ePHI it carries (none: no ePHI)",
    )
    protocol = forms.CharField(
        max_length=80, required=False, help_text="HTTPS, SFTP, HL7 over MLLP, DICOM, e-mail…"
    )
    encrypted = forms.ChoiceField(choices=TRISTATE_CHOICES, label="Encrypted in transit")
    frequency = forms.ChoiceField(choices=_choices("frequencies"), initial="daily")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, assets: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = [(str(pk), name) for pk, name in assets]
        source = self.fields["source"]
        assert isinstance(source, forms.ChoiceField)
        source.choices = [("", "—"), *options]
        target = self.fields["target"]
        assert isinstance(target, forms.ChoiceField)
        target.choices = [("", "—"), *options]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["target"] = data.get("target") or None
        return data


class DisposalForm(forms.Form):
    method = forms.ChoiceField(choices=_choices("disposal_methods"))
    disposed_on = forms.DateField(widget=DATE, label="Disposed on")
    performed_by = forms.CharField(max_length=200, label="Performed by")
    certificate = forms.CharField(
        max_length=200, required=False, label="Certificate of destruction (reference)"
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(choices=[("assets", "Assets"), ("flows", "Data flows")])
    file = forms.FileField(help_text="CSV or XLSX with a header line; see the README for columns.")
    dry_run = forms.BooleanField(required=False, initial=True, label="Dry run: check only")
