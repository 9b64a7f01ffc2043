"""The one error the Privacy Rule rules raise for input they refuse."""

from __future__ import annotations


class RuleInputError(ValueError):
    """Input a rule refuses; ``field`` names the input at fault (for a form, the API or the CLI)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
