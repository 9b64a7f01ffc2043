"""Page input for the public breach record."""

from __future__ import annotations

from typing import Any

from django import forms

from hipaaops.breaches import rules


class WindowForm(forms.Form):
    years = forms.IntegerField(
        required=False,
        min_value=rules.MIN_YEARS,
        max_value=rules.MAX_YEARS,
        label="Years",
        help_text=f"How far back to look: {rules.MIN_YEARS} to {rules.MAX_YEARS} years.",
    )

    def __init__(self, query: Any) -> None:
        # Bound only when the query names a window: no window is the default, not an error.
        super().__init__(
            query if "years" in query else None, initial={"years": rules.DEFAULT_YEARS}
        )

    def window(self) -> int | None:
        """The years asked for (the default when none is given), or None when invalid."""
        if not self.is_bound:
            return rules.DEFAULT_YEARS
        if not self.is_valid():
            return None
        return self.cleaned_data["years"] or rules.DEFAULT_YEARS
