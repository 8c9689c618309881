"""Out of scope is not found, in every service (STYLE.md): handed a station, a county, an account or any
record outside the acting user's scope, a service refuses it as if it did not exist — OutOfScope, a
404 — the same answer the pages and the API give for a row the user cannot see, and nothing changes.

REGISTRY holds one case per public service that takes ``acting_user`` (every function of the apps'
``*services`` modules), and test_every_service_has_an_out_of_scope_case fails when a service is added
without one. Each case is the user of 佳县 (or its station or operating unit) acting on 寻乌县's records,
made first by 寻乌县's own users through the services themselves."""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property, partial
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

import cunzhan
from cunzhan.accounts import services as accounts
from cunzhan.accounts.models import User
from cunzhan.activities import services as activities
from cunzhan.activities.models import Attendance, GuidanceKind
from cunzhan.assessment import integrity_services
from cunzhan.assessment import services as assessment
from cunzhan.assessment.engine import load_scheme
from cunzhan.assessment.models import AssessmentResult, Rectification
from cunzhan.assessment.scheme_services import scheme_adopt
from cunzhan.conftest import make_user
from cunzhan.core.roles import Role
from cunzhan.core.scoping import OutOfScope
from cunzhan.ledgers import services as ledgers
from cunzhan.notices import services as notices
from cunzhan.notices.models import Notice
from cunzhan.onboarding import services as onboarding
from cunzhan.reports import services as reports
from cunzhan.reports.models import Report
from cunzhan.stations import services as stations
from cunzhan.stations.models import AssetKind, Status, Tier
from cunzhan.supervision import services as supervision

TZ = timezone.get_default_timezone()
WHEN = datetime(2026, 3, 10, 10, tzinfo=TZ)


class Xunwu:
    """寻乌县's records, made by its own users on first use."""

    def __init__(self, w) -> None:
        self.w = w
        self.county = w.regions["360734"]
        self.station = w.station_xunwu
        self.operator = make_user("xw_operator", Role.OPERATOR, region=self.county, operating_unit=w.other_unit)

    @cached_property
    def training(self):
        return activities.training_create(
            acting_user=self.w.other_county, county=self.county, topic="寻乌培训", start_date=date(2026, 3, 10),
            days=Decimal(1), required_stations=[self.station])  # fmt: skip

    @cached_property
    def attendance(self) -> Attendance:
        line = activities.AttendanceLine(station=self.station, person_name="李四", status="present")
        return activities.attendance_record(acting_user=self.w.other_county, training=self.training, lines=[line])[0]

    @cached_property
    def activity(self):
        return activities.activity_create(
            acting_user=self.w.other_county, county=self.county, title="寻乌年货节", start_date=date(2026, 3, 1),
            end_date=date(2026, 3, 5), report_due_at=WHEN, required_stations=[self.station])  # fmt: skip

    @cached_property
    def visit(self):
        return activities.guidance_record(
            acting_user=self.operator, station=self.station, kind=GuidanceKind.VISIT, visited_on=date(2026, 2, 3),
            content="寻乌指导")  # fmt: skip

    @cached_property
    def scheme(self):
        return assessment.scheme_copy(acting_user=self.w.other_county, county=self.county)

    @cached_property
    def assessment(self):
        return assessment.assessment_compute(
            acting_user=self.w.other_county, county=self.county, year=2025, period="H1"
        )

    @cached_property
    def result(self) -> AssessmentResult:
        """A result of 不合格 (a station in incubation is not scored, so one is written in)."""
        return AssessmentResult.objects.create(
            assessment=self.assessment, station=self.station, status="assessed", grade="不合格"
        )

    @cached_property
    def rectification(self) -> Rectification:
        return Rectification.objects.create(
            station=self.station, result=self.result, requirements="整改", deadline=date(2026, 4, 1),
            ordered_by=self.w.other_county, ordered_at=WHEN)  # fmt: skip

    @cached_property
    def entry(self):
        return ledgers.entry_create(
            acting_user=self.w.other_keeper, kind="service", station=self.station, occurred_on=date(2026, 3, 1),
            service_kind="payment", amount="1.00")  # fmt: skip

    @cached_property
    def notice(self) -> Notice:
        return Notice.objects.create(
            recipient=self.w.other_keeper, kind="report_due", subject="请报送", phase="due", county_code="360734",
            created_at=WHEN, run="x")  # fmt: skip

    @cached_property
    def report(self) -> Report:
        return Report.objects.create(
            station=self.station, county_code="360734", kind="monthly", period_start=date(2026, 2, 1),
            period_end=date(2026, 2, 28), due_at=WHEN, grace_end=WHEN + timedelta(days=20))  # fmt: skip

    @cached_property
    def transmission(self):
        return reports.upward_prepare(acting_user=self.w.other_county, county=self.county, kind="register")

    @cached_property
    def asset_return(self):
        stations.asset_add(acting_user=self.w.other_county, station=self.station, kind=AssetKind.ROUTER)
        for to in (Status.RECTIFYING, Status.REVOKED):
            stations.station_transition(acting_user=self.w.other_county, station=self.station, to=to, reason="整改")
        return self.station.asset_returns.get()

    @cached_property
    def exemption(self):
        return stations.exemption_grant(
            acting_user=self.w.other_county, station=self.station, rule="area", basis=self._basis, reason="深度贫困村"
        )

    @property
    def _basis(self) -> str:
        from cunzhan.stations.models import ExemptionBasis

        return ExemptionBasis.values[0]

    @cached_property
    def person(self):
        return stations.person_add(acting_user=self.w.other_county, station=self.station, name="王五")

    @cached_property
    def inspection(self):
        return supervision.inspection_save(
            acting_user=self.w.other_county, station=self.station, year=2026, half="H1", inspected_at=WHEN, ratings={}
        )

    @cached_property
    def complaint(self):
        return supervision.complaint_record(
            acting_user=self.w.other_county, station=self.station, kind="parcel", received_at=WHEN, description="慢"
        )

    @cached_property
    def event(self):
        return supervision.supervision_event_record(
            acting_user=self.w.other_county, station=self.station, kind="poor_performance",
            occurred_on=date(2026, 3, 1), description="差", evidence="督查记录")  # fmt: skip


def _photo() -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "JPEG")
    return SimpleUploadedFile("a.jpg", buffer.getvalue(), content_type="image/jpeg")


Case = Callable[[Any, Xunwu], partial] | None  # (world, 寻乌县's records) → the call by a 佳县 user, bound

# fmt: off
REGISTRY: dict[str, Case] = {
    # accounts
    "accounts.user_create": lambda w, x: partial(accounts.user_create,
        acting_user=w.county, username="zz", display_name="某", role=Role.KEEPER, password="Good#pass2026",
        station=x.station),
    "accounts.user_create_many": lambda w, x: partial(accounts.user_create_many, acting_user=w.county, accounts=[
        accounts.NewAccount(username="zz", display_name="某", role=Role.SUPERVISOR, region=w.regions["360734100"])]),
    "accounts.user_update": lambda w, x: partial(accounts.user_update, acting_user=w.county, user=w.other_keeper,
                                                              display_name="改名"),
    "accounts.user_reset_password": lambda w, x: partial(accounts.user_reset_password, acting_user=w.county,
                                                                              user=w.other_keeper),
    "accounts.user_unlock": lambda w, x: partial(accounts.user_unlock, acting_user=w.county, user=w.other_keeper),
    # activities
    "activities.training_create": lambda w, x: partial(activities.training_create,
        acting_user=w.county, county=x.county, topic="x", start_date=date(2026, 3, 1), days=Decimal(1)),
    "activities.training_update": lambda w, x: partial(activities.training_update,
        acting_user=w.operator, training=x.training, topic="改"),
    "activities.training_correct": lambda w, x: partial(activities.training_correct,
        acting_user=w.county, training=x.training, reason="更正", topic="改"),
    "activities.attendance_record": lambda w, x: partial(activities.attendance_record,
        acting_user=w.county, training=x.training,
        lines=[activities.AttendanceLine(station=x.station, person_name="某", status="present")]),
    "activities.attendance_correct": lambda w, x: partial(activities.attendance_correct,
        acting_user=w.county, training=x.training, reason="更正",
        lines=[activities.AttendanceLine(station=x.station, person_name="某", status="present")]),
    "activities.attendance_delete": lambda w, x: partial(activities.attendance_delete,
        acting_user=w.county, attendance=x.attendance),
    "activities.activity_create": lambda w, x: partial(activities.activity_create,
        acting_user=w.county, county=x.county, title="x", start_date=date(2026, 3, 1), end_date=date(2026, 3, 2),
        report_due_at=WHEN),
    "activities.activity_update": lambda w, x: partial(activities.activity_update,
        acting_user=w.operator, activity=x.activity, title="改"),
    "activities.activity_correct": lambda w, x: partial(activities.activity_correct,
        acting_user=w.county, activity=x.activity, reason="更正", title="改"),
    "activities.participation_record": lambda w, x: partial(activities.participation_record,
        acting_user=w.county, activity=x.activity, station=x.station, participated=True),
    "activities.participation_correct": lambda w, x: partial(activities.participation_correct,
        acting_user=w.county, activity=x.activity, station=x.station, participated=True, reason="更正"),
    "activities.activity_report_submit": lambda w, x: partial(activities.activity_report_submit,
        acting_user=w.keeper, activity=x.activity, station=x.station, orders=1, sales_amount=Decimal(1)),
    "activities.guidance_record": lambda w, x: partial(activities.guidance_record,
        acting_user=w.operator, station=x.station, kind=GuidanceKind.VISIT, visited_on=date(2026, 2, 3),
        content="x"),
    "activities.guidance_update": lambda w, x: partial(activities.guidance_update,
        acting_user=w.operator, visit=x.visit, content="改"),
    "activities.guidance_correct": lambda w, x: partial(activities.guidance_correct,
        acting_user=w.operator, visit=x.visit, reason="更正", content="改"),
    # assessment
    "assessment.order_flag_decide": lambda w, x: partial(integrity_services.order_flag_decide,
        acting_user=w.county, station=x.station, year=2026, half="H1", key="x", decision="dismissed",
        reason="电话回访"),
    "assessment.scheme_adopt": lambda w, x: partial(scheme_adopt,
        acting_user=w.county, county=x.county, data=load_scheme().raw, note="x"),
    "assessment.scheme_copy": lambda w, x: partial(assessment.scheme_copy, acting_user=w.county, county=x.county),
    "assessment.scheme_update": lambda w, x: partial(assessment.scheme_update,
        acting_user=w.county, scheme=x.scheme, data=load_scheme().raw),
    "assessment.assessment_compute": lambda w, x: partial(assessment.assessment_compute,
        acting_user=w.county, county=x.county, year=2025, period="H1"),
    "assessment.assessment_compute_many": lambda w, x: partial(assessment.assessment_compute_many,
        acting_user=w.county, counties=[x.county], year=2025, period="H1"),
    "assessment.assessment_submit_review": lambda w, x: partial(assessment.assessment_submit_review,
        acting_user=w.county, assessment=x.assessment),
    "assessment.assessment_publish": lambda w, x: partial(assessment.assessment_publish,
        acting_user=w.county, assessment=x.assessment),
    "assessment.assessment_correct": lambda w, x: partial(assessment.assessment_correct,
        acting_user=w.county, assessment=x.assessment, reason="更正"),
    "assessment.rectification_order": lambda w, x: partial(assessment.rectification_order,
        acting_user=w.county, result=x.result, deadline=date(2099, 1, 1), requirements="整改"),
    "assessment.rectification_close": lambda w, x: partial(assessment.rectification_close,
        acting_user=w.county, rectification=x.rectification, passed=True, note="合格"),
    "assessment.subsidy_rules_set": lambda w, x: partial(assessment.subsidy_rules_set,
        acting_user=w.county, county=x.county, amounts={}),
    "assessment.publication_settings_update": lambda w, x: partial(assessment.publication_settings_update,
        acting_user=w.county, county=x.county, separate_reviewer=True),
    # ledgers
    "ledgers.entry_create": lambda w, x: partial(ledgers.entry_create,
        acting_user=w.keeper, kind="service", station=x.station, occurred_on=date(2026, 3, 1),
        service_kind="payment", amount="1.00"),
    "ledgers.entry_update": lambda w, x: partial(ledgers.entry_update,
        acting_user=w.keeper, entry=x.entry, version=x.entry.version, amount="2.00"),
    "ledgers.entry_delete": lambda w, x: partial(ledgers.entry_delete, acting_user=w.keeper, entry=x.entry),
    # notices
    "notices.report_chase": lambda w, x: partial(notices.report_chase,
        acting_user=w.county, county=x.county, kind="monthly", slug="2026-02"),
    "notices.notice_mark_read": lambda w, x: partial(notices.notice_mark_read, acting_user=w.keeper, notice=x.notice),
    "notices.notices_mark_all_read": None,  # acts on the user's own notices only: its own test below
    "notices.reminder_settings_update": lambda w, x: partial(notices.reminder_settings_update,
        acting_user=w.county, county=x.county),
    # onboarding
    "onboarding.history_import": lambda w, x: partial(onboarding.history_import,
        acting_user=w.county, kind="attendance", source=io.BytesIO(b"a,b\r\n1,2\r\n"), name="a.csv",
        county=x.county),
    # reports
    "reports.report_settings_update": lambda w, x: partial(reports.report_settings_update,
        acting_user=w.county, county=x.county),
    "reports.report_correct": lambda w, x: partial(reports.report_correct,
        acting_user=w.keeper, report=x.report, revision=x.report.revision, text="改", reason="更正"),
    "reports.report_submit": lambda w, x: partial(reports.report_submit,
        acting_user=w.keeper, report=x.report, revision=x.report.revision),
    "reports.adhoc_request_create": lambda w, x: partial(reports.adhoc_request_create,
        acting_user=w.county, county=x.county, title="x", due_at=WHEN, stations=[x.station]),
    "reports.upward_prepare": lambda w, x: partial(reports.upward_prepare,
        acting_user=w.county, county=x.county, kind="register"),
    "reports.upward_send": lambda w, x: partial(reports.upward_send,
        acting_user=w.county, transmission=x.transmission, transport=lambda endpoint, payload: None),
    # stations
    "stations.station_register": lambda w, x: partial(stations.station_register,
        acting_user=w.county, code="XW-0099", tier=Tier.VILLAGE, region=w.regions["360734100201"]),
    "stations.station_update": lambda w, x: partial(stations.station_update,
        acting_user=w.county, station=x.station, version=x.station.version, name="改名"),
    "stations.station_transition": lambda w, x: partial(stations.station_transition,
        acting_user=w.county, station=x.station, to=Status.RECTIFYING, reason="x"),
    "stations.asset_return_confirm": lambda w, x: partial(stations.asset_return_confirm,
        acting_user=w.county, item=x.asset_return),
    "stations.exemption_grant": lambda w, x: partial(stations.exemption_grant,
        acting_user=w.county, station=x.station, rule="area", basis=x._basis, reason="x"),
    "stations.exemption_withdraw": lambda w, x: partial(stations.exemption_withdraw,
        acting_user=w.county, exemption=x.exemption),
    "stations.person_add": lambda w, x: partial(stations.person_add,
        acting_user=w.county, station=x.station, name="某"),
    "stations.person_update": lambda w, x: partial(stations.person_update,
        acting_user=w.county, person=x.person, name="改"),
    "stations.person_remove": lambda w, x: partial(stations.person_remove, acting_user=w.county, person=x.person),
    "stations.county_settings_update": lambda w, x: partial(stations.county_settings_update,
        acting_user=w.county, county=x.county),
    # supervision
    "supervision.inspection_save": lambda w, x: partial(supervision.inspection_save,
        acting_user=w.county, station=x.station, year=2026, half="H1", inspected_at=WHEN, ratings={}),
    "supervision.inspection_correct": lambda w, x: partial(supervision.inspection_correct,
        acting_user=w.county, inspection=x.inspection, reason="更正", note="改"),
    "supervision.inspection_photo_add": lambda w, x: partial(supervision.inspection_photo_add,
        acting_user=w.county, inspection=x.inspection, kind="storefront", upload=_photo()),
    "supervision.complaint_record": lambda w, x: partial(supervision.complaint_record,
        acting_user=w.county, station=x.station, kind="parcel", received_at=WHEN, description="x"),
    "supervision.complaint_verify": lambda w, x: partial(supervision.complaint_verify,
        acting_user=w.county, complaint=x.complaint, verified=True, evidence="核实"),
    "supervision.complaint_correct": lambda w, x: partial(supervision.complaint_correct,
        acting_user=w.county, complaint=x.complaint, verified=True, evidence="核实", reason="更正"),
    "supervision.supervision_event_record": lambda w, x: partial(supervision.supervision_event_record,
        acting_user=w.county, station=x.station, kind="poor_performance", occurred_on=date(2026, 3, 1),
        description="x"),
    "supervision.supervision_event_verify": lambda w, x: partial(supervision.supervision_event_verify,
        acting_user=w.county, event=x.event, verified=True),
    "supervision.supervision_event_correct": lambda w, x: partial(supervision.supervision_event_correct,
        acting_user=w.county, event=x.event, verified=True, reason="更正"),
}
# fmt: on


def public_services() -> set[str]:
    """Every public function taking ``acting_user`` in the apps' services modules (services.py and
    scheme_services.py, integrity_services.py …), as "app.function"."""
    found = set()
    for module_info in pkgutil.walk_packages(cunzhan.__path__, "cunzhan."):
        parts = module_info.name.split(".")
        if "tests" in parts or "migrations" in parts or not parts[-1].endswith("services"):
            continue
        module = importlib.import_module(module_info.name)
        for name, function in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(function) or function.__module__ != module.__name__:
                continue
            if "acting_user" in inspect.signature(function).parameters:
                found.add(f"{parts[1]}.{name}")
    return found


def test_every_service_has_an_out_of_scope_case():
    services = public_services()
    assert len(services) > 60  # the walk finds the services modules
    missing = sorted(services - set(REGISTRY))
    assert not missing, f"add an out-of-scope case to REGISTRY for: {missing}"
    assert sorted(set(REGISTRY) - services) == []  # no case for a service that is gone


def _snapshot() -> tuple[int, ...]:
    """What a refused call must leave as it was: the audit log's rows and the accounts."""
    from auditlog.models import LogEntry

    return LogEntry.objects.count(), User.objects.count()


@pytest.mark.parametrize("name", sorted(name for name, case in REGISTRY.items() if case is not None))
def test_the_service_refuses_what_is_outside_the_scope_as_not_found(name, world):
    case = REGISTRY[name]
    assert case is not None
    call = case(world, Xunwu(world))  # binding the arguments makes 寻乌县's records, by its own users
    assert f"{call.func.__module__.split('.')[1]}.{call.func.__name__}" == name  # the case calls its service
    before = _snapshot()
    with pytest.raises(OutOfScope, match="管辖范围"):
        call()
    assert _snapshot() == before


def test_marking_all_read_marks_only_ones_own_notices(world):
    """notices_mark_all_read takes no record to refuse: it must not reach another user's notices."""
    outside = Xunwu(world)
    notices.notices_mark_all_read(acting_user=world.keeper)
    outside.notice.refresh_from_db()
    assert outside.notice.read_at is None


def test_a_county_office_cannot_revoke_another_countys_token(world):
    token, _key = accounts.token_create(user=world.other_keeper, name="手机")
    with pytest.raises(OutOfScope, match="管辖范围"):
        accounts.token_revoke(user=world.county, token=token)
    token.refresh_from_db()
    assert token.revoked_at is None
    accounts.token_revoke(user=world.other_county, token=token)  # the keeper's own county may
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_api_answers_404_for_a_county_outside_the_scope(world, client):
    client.force_login(world.county)
    upward = client.post("/api/v1/reports/upward", {"county": "360734", "kind": "register"}, "application/json")
    assert upward.status_code == 404 and "管辖范围" in upward.json()["detail"]
    station = client.get("/api/v1/stations/XW-0001")
    assert station.status_code == 404 and "管辖范围" in station.json()["detail"]
