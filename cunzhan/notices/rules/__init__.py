"""The deadlines the notices tell about, as candidate notices at a moment (:func:`candidates`). Each rule
reads its deadline's state from the app that owns it, for every station at once: never a query per
station, never a second copy of a rule."""

from __future__ import annotations

from cunzhan.notices.rules.common import Candidate, Moment
from cunzhan.notices.rules.records import RULES
from cunzhan.notices.rules.reports import report_candidates

__all__ = ["Candidate", "Moment", "candidates"]


def candidates(moment: Moment) -> list[Candidate]:
    found = report_candidates(moment)
    for rule in RULES:
        found += rule(moment)
    return found
