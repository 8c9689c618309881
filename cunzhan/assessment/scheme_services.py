"""Adopting a scheme: the one write of the scheme editor. Editing, comparing two versions and trying a
scheme on a published period save nothing; adopting stores the scheme as the county's new version — the
one its next assessments use — with who, when and why (the operation log keeps the whole record)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from cunzhan.accounts.models import User
from cunzhan.assessment.models import SchemeVersion
from cunzhan.assessment.scheme_validation import validate_scheme
from cunzhan.assessment.selectors import scheme_for_county
from cunzhan.core.audit import acting
from cunzhan.core.scoping import OutOfScope
from cunzhan.regions.models import Level, Region

IDENTITY = ("code", "version")  # set by the adoption, not by the content


def same_content(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return {k: v for k, v in a.items() if k not in IDENTITY} == {k: v for k, v in b.items() if k not in IDENTITY}


@transaction.atomic
def scheme_adopt(
    *, acting_user: User, county: Region, data: dict[str, Any], note: str, based_on: SchemeVersion | None = None
) -> SchemeVersion:
    """Make ``data`` (an edited scheme, or another version's content) the county's scheme: a new version,
    validated whole, based on ``based_on`` (else the version in use). Refused when it would change nothing."""
    acting_user.scope.require("assessment.manage")
    if county.level != Level.COUNTY:
        raise ValidationError(_("考核按县进行，请选择县级区划。"))
    acting_user.scope.require_region(county.code)
    if based_on is not None and based_on.county_id not in (None, county.code):
        raise OutOfScope(_("该方案版本不属于本县。"))
    if not note.strip():
        raise ValidationError({"note": _("请说明采用此方案的理由（如“人口段目标按 2026 年县政府文件调整”）。")})
    validate_scheme(data)
    # one adoption at a time per county: the version number is decided under this lock
    Region.objects.select_for_update().filter(pk=county.pk).first()
    current = scheme_for_county(county)
    if same_content(data, current.data):
        raise ValidationError(_("与本县当前使用的方案（%(scheme)s）内容相同，无需采用。") % {"scheme": current})
    code = current.code if current.county_id == county.code else f"{county.code}-{current.code.split('-', 1)[-1]}"
    version = (SchemeVersion.objects.filter(code=code, county=county).aggregate(v=Max("version"))["v"] or 0) + 1
    stored = {**data, "code": code, "version": version}
    with acting(acting_user):
        return SchemeVersion.objects.create(
            code=code,
            county=county,
            version=version,
            name=str(data["name"]).strip(),
            data=stored,
            based_on=based_on or current,
            created_by=acting_user,
            note=note.strip()[:500],
        )
