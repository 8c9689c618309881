"""The assessment engine: plain, typed Python with no database access.

Facts per station and period go in; scores come out, each item with the lines that explain it.
"""

from cunzhan.assessment.engine.evaluate import AnnualResult, PeriodResult, assess_annual, assess_period, rank
from cunzhan.assessment.engine.facts import Fault, Period, Ref, StationFacts, SupervisionFacts
from cunzhan.assessment.engine.rules import ItemResult, Line
from cunzhan.assessment.engine.scheme import Scheme, load_scheme, parse_scheme

__all__ = [
    "AnnualResult",
    "Fault",
    "ItemResult",
    "Line",
    "Period",
    "PeriodResult",
    "Ref",
    "Scheme",
    "StationFacts",
    "SupervisionFacts",
    "assess_annual",
    "assess_period",
    "load_scheme",
    "parse_scheme",
    "rank",
]
