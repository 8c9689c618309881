from __future__ import annotations

import pytest
import time_machine

from cunzhan.notices.models import Notice, NoticeKind, ReminderSettings
from cunzhan.notices.services import notices_generate
from cunzhan.notices.tests.conftest import at

BOARD = "/reports/board/?county=610828&kind=monthly&month=2026-11"


@pytest.fixture
def reminded(monthly_only, second_keeper):
    notices_generate(at=at(2026, 12, 3, 9))
    return monthly_only


@pytest.mark.django_db
def test_the_keeper_s_home_shows_the_unread_notice_first_as_what_to_do_with_its_button(reminded, login):
    client = login(reminded.keeper)
    with time_machine.travel(at(2026, 12, 3, 10), tick=False):
        page = client.get("/").content.decode()
    assert "未读通知 1 条" in page
    first = page.index('data-testid="home-notices"')
    assert first < page.index("本周待办")  # before everything else on the phone's home page
    assert "请在 12月5日 前提交 11月 月报" in page
    assert "去提交" in page
    assert 'data-testid="nav-notices"' in page and '<span class="badge text-bg-danger">1</span>' in page


@pytest.mark.django_db
def test_the_button_marks_the_notice_read_and_opens_its_record(reminded, login):
    client = login(reminded.keeper)
    notice = Notice.objects.get(recipient=reminded.keeper)
    response = client.post(f"/notices/{notice.pk}/open/", {"go": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/reports/JX-0001/monthly/2026-11/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert "未读 0" in client.get("/notices/").content.decode()


@pytest.mark.django_db
def test_someone_else_s_notice_is_not_found(reminded, login):
    notice = Notice.objects.get(recipient=reminded.keeper)
    assert login(reminded.other_keeper).post(f"/notices/{notice.pk}/open/").status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


@pytest.mark.django_db
def test_the_notice_list_filters_by_kind_and_unread(reminded, login):
    notices_generate(at=at(2026, 12, 6, 9))
    client = login(reminded.operator)
    page = client.get("/notices/").content.decode()
    assert "11月 月报：2 个站点逾期未报" in page
    assert "11月 月报：2 个站点逾期未报" not in client.get(f"/notices/?kind={NoticeKind.REPORT_DUE}").content.decode()
    client.post("/notices/read-all/")
    assert "没有通知" in client.get("/notices/?unread=1").content.decode()
    assert client.get("/notices/?kind=nonsense&page=abc").status_code == 200


@pytest.mark.django_db
def test_the_operating_unit_chases_the_chosen_stations_from_the_board_with_a_note(monthly_only, second_keeper, login):
    client = login(monthly_only.operator)
    with time_machine.travel(at(2026, 12, 3, 10), tick=False):
        board = client.get(BOARD).content.decode()
        assert 'action="/notices/chase/"' in board
        response = client.post(
            "/notices/chase/",
            {
                "county": "610828",
                "kind": "monthly",
                "period": "2026-11",
                "stations": ["JX-0002"],
                "note": "今天下班前交",
            },
            follow=True,
        )
    assert "已催报 1 个站点，通知站长 1 人。" in response.content.decode()
    [chase] = Notice.objects.filter(kind=NoticeKind.REPORT_CHASE)
    assert (chase.recipient, chase.sender, chase.note) == (second_keeper, monthly_only.operator, "今天下班前交")
    # the same click again the same day tells nobody twice
    with time_machine.travel(at(2026, 12, 3, 11), tick=False):
        again = client.post(
            "/notices/chase/",
            {"county": "610828", "kind": "monthly", "period": "2026-11", "everyone": "1"},
            follow=True,
        ).content.decode()
    assert "已催报 1 个站点，通知站长 1 人。1 个站点今天已催报过，未重复通知。" in again
    assert Notice.objects.filter(kind=NoticeKind.REPORT_CHASE).count() == 2  # keeper (JX-0001) now, keeper2 before


@pytest.mark.django_db
def test_chasing_is_refused_in_chinese_for_bad_input_and_for_a_keeper(monthly_only, login):
    client = login(monthly_only.operator)
    with time_machine.travel(at(2026, 12, 3, 10), tick=False):
        unknown = client.post(
            "/notices/chase/",
            {"county": "610828", "kind": "monthly", "period": "2026-11", "stations": ["XW-0001"]},
            follow=True,
        ).content.decode()
        assert "站点不存在或不在您的管辖范围内：XW-0001" in unknown
        long_note = client.post(
            "/notices/chase/",
            {"county": "610828", "kind": "monthly", "period": "2026-11", "everyone": "1", "note": "催" * 201},
            follow=True,
        ).content.decode()
        assert "催报的内容不完整" in long_note
        nothing = client.post(
            "/notices/chase/", {"county": "610828", "kind": "monthly", "period": "2026-11"}, follow=True
        )
        assert "请勾选要催报的站点" in nothing.content.decode()
        assert login(monthly_only.keeper).post("/notices/chase/", {"county": "610828"}).status_code == 403
    assert not Notice.objects.exists()


@pytest.mark.django_db
def test_the_county_office_sets_its_reminder_offsets_on_a_page(world, login):
    client = login(world.county)
    assert client.get("/notices/settings/").status_code == 200
    response = client.post(
        "/notices/settings/?county=610828", {"offsets": "5，2,1", "send_hour": "8", "email": "on", "wecom_webhook": ""}
    )
    assert response.status_code == 302
    saved = ReminderSettings.objects.get(county_id="610828")
    assert (saved.offsets, saved.send_hour, saved.email, saved.sms) == ([5, 2, 1], 8, True, False)
    refused = client.post("/notices/settings/", {"offsets": "3,99", "send_hour": "8"}).content.decode()
    assert "提前提醒天数为 0–30 天" in refused
    assert client.post("/notices/settings/", {"offsets": "三", "send_hour": "8"}).status_code == 200
    assert ReminderSettings.objects.get(county_id="610828").offsets == [5, 2, 1]
    assert login(world.operator).get("/notices/settings/").status_code == 403


@pytest.mark.django_db
def test_the_delivery_log_is_the_county_office_s_with_numbers_masked(reminded, login):
    page = login(reminded.county).get("/notices/deliveries/?channel=sms").content.decode()
    assert "139****1111" in page and "13900001111" not in page
    assert "未配置短信服务商" in page
    assert login(reminded.operator).get("/notices/deliveries/").status_code == 403
