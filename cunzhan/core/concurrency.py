"""Optimistic concurrency for records edited through a page or the API.

An editor carries the record's version token from the moment it loaded the record (a hidden form
field, a field of the API body). The service locks the row, compares, and bumps the token with the
change; a token that no longer matches means someone saved in between, and the save is refused
with :class:`EditConflict` naming who and when — nothing is saved. Pages show it on the form (it is
a ValidationError), the API answers 409 with :class:`ConflictOut`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema

from cunzhan.core import dates

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User  # settings.AUTH_USER_MODEL: accounts.User, a layer above


class EditConflict(ValidationError):
    """The record was saved by someone else after the editor loaded it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="conflict")


def conflict_parts(*, acting_user: User, editor: Any, edited_at: datetime | None) -> dict[str, Any]:
    """``who`` and ``when`` for a conflict message, and whether the editor is the acting user
    (the same person in another window)."""
    when = ""
    if edited_at is not None:
        local = timezone.localtime(edited_at, dates.SHANGHAI)
        when = local.strftime("%H:%M") if local.date() == dates.local_now().date() else local.strftime("%Y-%m-%d %H:%M")
    return {
        "who": str(editor) if editor is not None else _("未知用户"),
        "when": when,
        "self": editor is not None and getattr(editor, "pk", None) == getattr(acting_user, "pk", None),
    }


class ConflictOut(Schema):
    """409: the record changed since the client read it; ``detail`` says who changed it and when."""

    detail: str
