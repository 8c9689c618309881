"""The guided template of each kind of history import (cunzhan.core.import_templates): the headers, a row
saying each column's format, examples with the county's own station codes, and the 参考 sheet."""

from __future__ import annotations

from typing import IO

from cunzhan.accounts.models import User
from cunzhan.core.import_templates import write_import_template
from cunzhan.onboarding.importing import Check
from cunzhan.onboarding.services import history_county, importer_for
from cunzhan.regions.models import Region


def write_template(target: IO[bytes] | str, *, user: User, kind: str, county: Region | None = None) -> None:
    importer = importer_for(kind)
    check = Check(acting_user=user, county=history_county(user, county))
    write_import_template(
        target,
        sheet=importer.sheet,
        columns=importer.columns(check),
        examples=importer.examples(check),
        references=importer.references(check),
    )
