from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cunzhan.core.late_entries import late_marks
from cunzhan.core.models import PublishedPeriod
from cunzhan.core.scoping import OutOfScope
from cunzhan.supervision import selectors, services
from cunzhan.supervision.models import ComplaintKind, EventKind, InspectionRating, VerificationStatus
from cunzhan.supervision.rating_items import RATING_ITEMS
from cunzhan.supervision.tests.conftest import SH, WHEN, full_marks


def inspect(world, ratings, user=None, **kw):
    return services.inspection_save(
        acting_user=user or world.supervisor,
        station=world.station_keng,
        year=2026,
        half="H1",
        inspected_at=WHEN,
        ratings=ratings,
        **kw,
    )


def test_a_complete_inspection_with_full_marks(world):
    inspection = inspect(world, full_marks(), latitude=Decimal("38.02"), longitude=Decimal("110.49"))
    assert selectors.is_complete(inspection)
    assert inspection.ratings.count() == len(RATING_ITEMS)


@pytest.mark.parametrize("item", RATING_ITEMS, ids=lambda i: i.key)
def test_each_maximum_is_accepted_and_one_cent_more_is_refused(world, item):
    inspect(world, {item.key: (item.max, "")})
    with pytest.raises(ValidationError) as exc:
        inspect(world, {item.key: (item.max + Decimal("0.01"), "太高")})
    assert f"最高 {item.max.normalize():f} 分" in exc.value.message_dict[item.key][0]


@pytest.mark.parametrize("item", RATING_ITEMS, ids=lambda i: i.key)
def test_negative_scores_are_refused(world, item):
    with pytest.raises(ValidationError, match="不能为负数"):
        inspect(world, {item.key: (Decimal("-0.5"), "扣")})


def test_three_point_five_for_a_three_point_item_has_a_clear_message(world):
    with pytest.raises(ValidationError) as exc:
        inspect(world, {"item2_public_facilities": ("3.5", "x")})
    assert exc.value.message_dict["item2_public_facilities"] == ["“公共设施干净整洁”最高 3 分，不能填 3.5"]


def test_two_decimals_are_accepted_three_are_not(world):
    inspection = inspect(world, {"item1_facilities": ("2.75", "门头破损")})
    assert inspection.ratings.get().score == Decimal("2.75")
    with pytest.raises(ValidationError, match="两位小数"):
        inspect(world, {"item1_facilities": ("2.755", "x")})
    with pytest.raises(ValidationError, match="须填数字"):
        inspect(world, {"item1_facilities": ("三", "x")})


def test_a_deduction_needs_a_comment(world):
    with pytest.raises(ValidationError, match="扣分说明"):
        inspect(world, {"item9_no_delay": ("8", "  ")})
    inspection = inspect(world, {"item9_no_delay": ("8", "两件包裹积压三天")})
    assert inspection.ratings.get().comment == "两件包裹积压三天"


def test_empty_scores_leave_the_inspection_incomplete_and_can_be_filled_later(world):
    ratings = full_marks()
    ratings["item10_ledger"] = ("", "")
    inspection = inspect(world, ratings)
    assert not selectors.is_complete(inspection)
    services.inspection_save(
        acting_user=world.supervisor,
        inspection=inspection,
        station=world.station_keng,
        year=2026,
        half="H1",
        inspected_at=WHEN,
        ratings={"item10_ledger": ("5", "")},
    )
    assert selectors.is_complete(inspection)


def test_only_supervisors_in_the_township_and_the_county_office_inspect(world):
    with pytest.raises(OutOfScope, match="管辖范围"):
        services.inspection_save(
            acting_user=world.other_supervisor,
            station=world.station_keng,
            year=2026,
            half="H1",
            inspected_at=WHEN,
            ratings={},
        )
    for persona in ("keeper", "operator", "city"):
        with pytest.raises(PermissionDenied):
            inspect(world, {}, user=world.users[persona])
    inspect(world, full_marks(), user=world.county)


def test_a_supervisor_edits_only_own_inspections(world):
    inspection = inspect(world, full_marks(), user=world.county)
    with pytest.raises(PermissionDenied):
        services.inspection_save(
            acting_user=world.supervisor,
            inspection=inspection,
            station=world.station_keng,
            year=2026,
            half="H1",
            inspected_at=WHEN,
            ratings={},
        )


def test_the_inspection_time_cannot_precede_its_period_or_be_in_the_future(world):
    with pytest.raises(ValidationError, match="早于"):
        services.inspection_save(
            acting_user=world.supervisor,
            station=world.station_keng,
            year=2026,
            half="H2",
            inspected_at=WHEN,
            ratings={},
        )
    with pytest.raises(ValidationError, match="晚于现在"):
        services.inspection_save(
            acting_user=world.supervisor,
            station=world.station_keng,
            year=2026,
            half="H2",
            inspected_at=timezone.now() + timezone.timedelta(days=2),
            ratings={},
        )


def test_a_published_period_freezes_inspections_until_corrected(world):
    inspection = inspect(world, full_marks())
    PublishedPeriod.objects.create(county_code="610828", year=2026, half="H1", published_at=timezone.now())
    with pytest.raises(ValidationError, match="已发布"):  # a change to a recorded inspection is a correction
        inspect(world, full_marks(), inspection=inspection)
    late = inspect(world, full_marks())  # a first record is accepted, marked 补录 (DOMAIN.md)
    assert late in late_marks([late]) and inspection not in late_marks([inspection])
    services.inspection_correct(
        acting_user=world.supervisor,
        inspection=inspection,
        reason="复核发现台账评分有误",
        ratings={"item7_purchase_ledger": ("4", "缺三月台账")},
    )
    assert InspectionRating.objects.get(inspection=inspection, key="item7_purchase_ledger").score == 4
    entry = LogEntry.objects.get(additional_data__event="correction")
    assert entry.additional_data["reason"] == "复核发现台账评分有误"


def complaint(world, kind=ComplaintKind.PUBLIC_REPORT, user=None):
    return services.complaint_record(
        acting_user=user or world.supervisor,
        station=world.station_keng,
        kind=kind,
        received_at=datetime(2026, 3, 5, 9, tzinfo=SH),
        description="站点多收快递费",
    )


def test_a_public_report_is_received_then_verified(world):
    report = complaint(world)
    assert report.status == VerificationStatus.RECEIVED
    with pytest.raises(ValidationError, match="核实情况"):
        services.complaint_verify(acting_user=world.county, complaint=report, verified=True, evidence="")
    services.complaint_verify(acting_user=world.county, complaint=report, verified=True, evidence="走访三户属实")
    report.refresh_from_db()
    assert report.status == VerificationStatus.VERIFIED and report.verified_by == world.county
    assert report.verified_at is not None


def test_a_complaint_can_be_rejected_and_its_conclusion_changes_only_by_correction(world):
    c = complaint(world, ComplaintKind.PARCEL, user=world.operator)
    services.complaint_verify(acting_user=world.supervisor, complaint=c, verified=False, evidence="包裹已按时交付")
    with pytest.raises(ValidationError, match="已核实"):
        services.complaint_verify(acting_user=world.supervisor, complaint=c, verified=True, evidence="x")
    services.complaint_correct(
        acting_user=world.county, complaint=c, verified=True, evidence="新证据", reason="群众补充了照片"
    )
    c.refresh_from_db()
    assert c.status == VerificationStatus.VERIFIED


def test_operators_record_complaints_but_do_not_verify(world):
    c = complaint(world, ComplaintKind.PARCEL, user=world.operator)
    with pytest.raises(PermissionDenied):
        services.complaint_verify(acting_user=world.operator, complaint=c, verified=True, evidence="x")


def test_supervision_events_are_verified_by_the_county_office_only(world):
    event = services.supervision_event_record(
        acting_user=world.supervisor,
        station=world.station_keng,
        kind=EventKind.NOT_COOPERATING,
        occurred_on=date(2026, 4, 2),
        description="拒绝出示台账",
        evidence="督查记录表",
    )
    assert event.status == VerificationStatus.RECEIVED
    with pytest.raises(PermissionDenied):
        services.supervision_event_verify(acting_user=world.supervisor, event=event, verified=True)
    with pytest.raises(ValidationError, match="理由"):
        services.supervision_event_verify(acting_user=world.county, event=event, verified=False)
    services.supervision_event_verify(acting_user=world.county, event=event, verified=True, note="属实")
    event.refresh_from_db()
    assert event.status == VerificationStatus.VERIFIED and event.verified_by == world.county


def test_public_reports_are_not_recorded_as_events_directly(world):
    with pytest.raises(ValidationError, match="投诉举报"):
        services.supervision_event_record(
            acting_user=world.supervisor,
            station=world.station_keng,
            kind=EventKind.PUBLIC_REPORT,
            occurred_on=date(2026, 4, 2),
            description="x",
            evidence="y",
        )


def test_an_event_needs_evidence(world):
    with pytest.raises(ValidationError, match="证据"):
        services.supervision_event_record(
            acting_user=world.county,
            station=world.station_keng,
            kind=EventKind.LEADER_CRITICISM_OR_MEDIA,
            occurred_on=date(2026, 4, 2),
            description="电视台曝光",
        )


def test_changed_ratings_are_logged_each_with_before_and_after_and_unchanged_ones_not(world):
    from django.contrib.contenttypes.models import ContentType

    inspection = inspect(world, full_marks())
    rating_type = ContentType.objects.get_for_model(InspectionRating)
    created = LogEntry.objects.filter(content_type=rating_type, action=LogEntry.Action.CREATE)
    assert created.count() == len(RATING_ITEMS)  # each new rating logged on creation
    changes = {
        **full_marks(),
        "item1_facilities": (Decimal("2.50"), "门头破损"),
        "item10_ledger": (Decimal("3"), "台账缺页"),
    }
    inspect(world, changes, inspection=inspection)
    updates = LogEntry.objects.filter(content_type=rating_type, action=LogEntry.Action.UPDATE).order_by("pk")
    logged = {inspection.ratings.get(pk=e.object_id).key: e for e in updates}
    assert set(logged) == {"item1_facilities", "item10_ledger"}
    item1 = next(i for i in RATING_ITEMS if i.key == "item1_facilities")
    assert logged["item1_facilities"].changes_dict["score"] == [str(item1.max.quantize(Decimal("0.01"))), "2.50"]
    assert logged["item1_facilities"].changes_dict["comment"] == ["", "门头破损"]
    assert all(e.actor == world.supervisor for e in updates)
    assert inspection.ratings.get(key="item10_ledger").score == Decimal("3")
    # the same values again: nothing written, nothing logged
    inspect(world, changes, inspection=inspection)
    assert updates.count() == 2
