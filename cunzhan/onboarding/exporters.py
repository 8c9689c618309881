"""The guided template of each kind of history import (cunzhan.core.import_templates): the headers, a row
saying each column's format, examples with the county's own station codes, and the 参考 sheet: the
kind's own lists, then the county's townships, villages and operating units."""

from __future__ import annotations

from typing import IO

from cunzhan.accounts.models import User
from cunzhan.core.import_templates import write_import_template
from cunzhan.onboarding.importing import COL_STATION, Check
from cunzhan.onboarding.selectors import history_county_for_user
from cunzhan.onboarding.services import importer_for
from cunzhan.regions.models import Region
from cunzhan.stations.references import places_for


def write_template(target: IO[bytes] | str, *, user: User, kind: str, county: Region | None = None) -> None:
    importer = importer_for(kind)
    check = Check(acting_user=user, county=history_county_for_user(user, county))
    write_import_template(
        target,
        sheet=importer.sheet,
        columns=importer.columns(check),
        examples=importer.examples(check),
        references=[
            *importer.references(check),
            *places_for(user, check.county).lists(omit=(COL_STATION,)),  # each kind lists the stations first
        ],
    )
