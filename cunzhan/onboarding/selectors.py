"""Reads of the onboarding app: a county's history imports, and which records came from one (the pages'
“历史导入” mark)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from cunzhan.accounts.models import User
from cunzhan.onboarding.models import HistoryImport, ImportedRecord
from cunzhan.regions.models import Region
from cunzhan.regions.selectors import home_county


def history_county_for_user(user: User, county: Region | None = None) -> Region:
    """The county an import or its template is for: the one given (in the user's scope), else the user's
    own county (regions.selectors.home_county)."""
    user.scope.require("history.import")
    if county is None:
        county = home_county(user)
        if county is None:
            raise ValidationError({"county": _("请选择要导入历史数据的县。")})
    user.scope.require_region(county.code)
    return county


def history_imports_for_user(user: User) -> QuerySet[HistoryImport]:
    """The imports of the counties the user imports for (the county office's own, every one for the
    administrator), newest first."""
    user.scope.require("history.import")
    return user.scope.filter(HistoryImport.objects.select_related("county", "imported_by"))


class Marks:
    """Which of some records came from a history import, and from which: ``record in marks``,
    ``marks.of(record)``, and ``marks.badge(record)``, the pages' “历史导入” badge (empty for the others),
    saying who imported it, when, and from which file."""

    def __init__(self, found: dict[tuple[type[Model], int], HistoryImport]) -> None:
        self._found = found

    def of(self, record: object) -> HistoryImport | None:
        if not isinstance(record, Model):
            return None
        return self._found.get((type(record), record.pk))

    def __contains__(self, record: object) -> bool:
        return self.of(record) is not None

    def __len__(self) -> int:
        return len(self._found)

    def badge(self, record: object) -> SafeString:
        history = self.of(record)
        if history is None:
            return SafeString("")
        who = history.imported_by.display_name or history.imported_by.username
        title = _("历史导入：%(who)s 于 %(at)s 导入，文件“%(file)s”") % {
            "who": who,
            "at": f"{timezone.localtime(history.imported_at):%Y-%m-%d %H:%M}",
            "file": history.file_name,
        }
        return format_html('<span class="badge text-bg-info" title="{}">{}</span>', title, _("历史导入"))


def imported_marks(*groups: Iterable[object]) -> Marks:
    """The marks of the records in the groups (model instances of any kinds; anything else is passed
    over): one query for each kind of record among them, whatever the number of groups."""
    by_model: dict[type[Model], set[int]] = defaultdict(set)
    for records in groups:
        for record in records:
            if isinstance(record, Model) and record.pk is not None:
                by_model[type(record)].add(record.pk)
    found: dict[tuple[type[Model], int], HistoryImport] = {}
    if not by_model:
        return Marks(found)
    types = ContentType.objects.get_for_models(*by_model)
    for model, pks in by_model.items():
        links = ImportedRecord.objects.filter(content_type=types[model], object_id__in=pks).select_related(
            "history_import__imported_by"
        )
        for link in links:
            found[(model, link.object_id)] = link.history_import
    return Marks(found)
