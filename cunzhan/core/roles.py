"""Roles and what each may do. The data here is the single source for permissions;
which rows a role sees is decided by :mod:`cunzhan.core.scoping`."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    COUNTY_OFFICE = "county_office", _("县电商办")
    OPERATOR = "operator", _("运营单位")
    SUPERVISOR = "supervisor", _("镇村督查员")
    KEEPER = "keeper", _("站长")
    VIEWER = "viewer", _("市/省主管部门")


ALL = frozenset(Role)
STAFF = frozenset({Role.ADMIN, Role.COUNTY_OFFICE, Role.OPERATOR, Role.SUPERVISOR, Role.KEEPER})

# permission -> roles holding it
PERMISSIONS: dict[str, frozenset[Role]] = {
    "region.view": ALL,
    "station.view": ALL,
    # station registry and lifecycle (cunzhan/stations)
    "station.register": frozenset({Role.ADMIN, Role.COUNTY_OFFICE, Role.OPERATOR}),
    "station.edit": frozenset({Role.ADMIN, Role.COUNTY_OFFICE, Role.OPERATOR}),
    "station.review.preliminary": frozenset({Role.ADMIN, Role.OPERATOR}),
    "station.review.county": frozenset({Role.ADMIN, Role.COUNTY_OFFICE}),
    "station.certify": frozenset({Role.ADMIN, Role.COUNTY_OFFICE}),
    "station.rectify": frozenset({Role.ADMIN, Role.COUNTY_OFFICE}),
    "station.revoke": frozenset({Role.ADMIN, Role.COUNTY_OFFICE}),
    "station.exempt": frozenset({Role.ADMIN, Role.COUNTY_OFFICE}),
    "asset.manage": frozenset({Role.ADMIN, Role.COUNTY_OFFICE, Role.OPERATOR}),
    "fault.report": frozenset({Role.ADMIN, Role.OPERATOR, Role.KEEPER}),
    "fault.repair": frozenset({Role.ADMIN, Role.OPERATOR}),
    "county_settings.manage": frozenset({Role.ADMIN, Role.COUNTY_OFFICE}),
    # the register of operating units (create, edit, assign stations, deactivate); an operator reads its own
    "operating_unit.manage": frozenset({Role.ADMIN, Role.COUNTY_OFFICE}),
    # assessment (cunzhan/assessment)
    "assessment.view": ALL,
    "assessment.manage": frozenset({Role.ADMIN, Role.COUNTY_OFFICE}),
    "assessment.publish": frozenset({Role.ADMIN, Role.COUNTY_OFFICE}),
    "user.view": frozenset({Role.ADMIN, Role.COUNTY_OFFICE}),
    "user.manage": frozenset({Role.ADMIN, Role.COUNTY_OFFICE}),
    # every acting role finds its own actions in the operation log; the office sees its county's
    "audit.view": STAFF,
    "loginlog.view": frozenset({Role.ADMIN, Role.COUNTY_OFFICE}),
    "token.manage": ALL,
    # trainings, marketing activities, guidance (cunzhan/activities); inspections, complaints,
    # daily supervision (cunzhan/supervision). Viewers read; keepers read their own station's.
    "activity.view": ALL,
    "training.manage": frozenset({Role.ADMIN, Role.COUNTY_OFFICE, Role.OPERATOR}),
    "attendance.record": frozenset({Role.ADMIN, Role.COUNTY_OFFICE, Role.OPERATOR}),
    "activity.manage": frozenset({Role.ADMIN, Role.COUNTY_OFFICE, Role.OPERATOR}),
    "activity_report.submit": frozenset({Role.ADMIN, Role.COUNTY_OFFICE, Role.OPERATOR, Role.KEEPER}),
    "guidance.record": frozenset({Role.ADMIN, Role.OPERATOR}),
    "supervision.view": ALL,
    "inspection.record": frozenset({Role.ADMIN, Role.COUNTY_OFFICE, Role.SUPERVISOR}),
    "complaint.record": frozenset({Role.ADMIN, Role.COUNTY_OFFICE, Role.OPERATOR, Role.SUPERVISOR}),
    "complaint.verify": frozenset({Role.ADMIN, Role.COUNTY_OFFICE, Role.SUPERVISOR}),
    "supervision_event.record": frozenset({Role.ADMIN, Role.COUNTY_OFFICE, Role.SUPERVISOR}),
    "supervision_event.verify": frozenset({Role.ADMIN, Role.COUNTY_OFFICE}),
    # station ledgers (cunzhan/ledgers): rows are scoped as stations are; a keeper writes only
    # its own station's. Personal data (customers' phones, ID numbers) is shown unmasked only to
    # the keeper of the record's station; an unmasked export also to the county office, with a reason.
    "ledger.view": ALL,
    "ledger.write": frozenset({Role.ADMIN, Role.OPERATOR, Role.KEEPER}),
    "ledger.import": frozenset({Role.ADMIN, Role.COUNTY_OFFICE, Role.OPERATOR, Role.KEEPER}),
    "ledger.export": ALL,
    "pii.view": frozenset({Role.KEEPER}),
    "pii.export": frozenset({Role.KEEPER, Role.COUNTY_OFFICE}),
    # reports (cunzhan/reports): everyone reads within scope; a keeper submits its own station's;
    # the county office asks for ad-hoc reports and sends the upward export.
    "report.view": ALL,
    "report.submit": frozenset({Role.KEEPER}),
    "report.request": frozenset({Role.ADMIN, Role.COUNTY_OFFICE}),
    "statistics.view": ALL,
    "statistics.export": ALL,
    "upward.export": frozenset({Role.ADMIN, Role.COUNTY_OFFICE}),
    # a county starting on the system brings its past records with their real times (历史导入,
    # cunzhan/onboarding): a report's submission, a fault's report and repair, an inspection by another
    # inspector. Nobody else gives a time the system would stamp itself (Scope.require_to_record).
    "history.import": frozenset({Role.ADMIN, Role.COUNTY_OFFICE}),
    # notices (cunzhan/notices): everyone reads their own; the operating unit and the county office chase
    # reports (催报); the county office reads its county's delivery log
    "notice.chase": frozenset({Role.ADMIN, Role.COUNTY_OFFICE, Role.OPERATOR}),
    "notice.deliveries": frozenset({Role.ADMIN, Role.COUNTY_OFFICE}),
}

# roles an account manager of each role may create
GRANTABLE: dict[Role, frozenset[Role]] = {
    Role.ADMIN: ALL,
    Role.COUNTY_OFFICE: frozenset({Role.COUNTY_OFFICE, Role.OPERATOR, Role.SUPERVISOR, Role.KEEPER}),
}


def role_has(role: str | None, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return role is not None and Role(role) in PERMISSIONS[permission]
