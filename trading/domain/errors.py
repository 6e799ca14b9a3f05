"""The one error type the domain and the services raise when they refuse something.

A refusal names the field it is about and, when a legal rule decided, the rule id from
``trading.domain.rules``. The message is an English msgid marked with ``N_`` so that the
web layer can translate it (zh_CN by default) and fill in ``params``.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark a string for translation without translating it (babel keyword ``N_``)."""
    return message


class DomainError(Exception):
    """A refusal a user can act on: what is wrong, which field, which rule."""

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None, **params):
        self.message = message
        self.field = field
        self.rule = rule
        self.params = params
        super().__init__(self.render())

    def render(self, translate=None) -> str:
        """The message with its parameters filled in, translated by ``translate`` if given."""
        text = translate(self.message) if translate else self.message
        try:
            return text % self.params if self.params else text
        except (KeyError, ValueError, TypeError):
            return text


class NotFound(DomainError):
    """The object asked for does not exist (or is not visible to the actor)."""


class Forbidden(DomainError):
    """The actor's role or relation to the object does not allow the action."""
