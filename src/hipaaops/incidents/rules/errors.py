"""The one error the breach rules raise for input they refuse."""

from __future__ import annotations


class RuleInputError(ValueError):
    """Input a rule refuses; ``field`` is the path of the input at fault (``a.b[0]``).

    The same shape as the Privacy Rule rules' error, so a form, the API or the CLI can show the
    message against the field.
    """

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(f"{field}: {message}")
        self.message = message
        self.field = field
