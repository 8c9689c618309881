"""A station's responsible persons (站点负责人员, Jiangxi 第九条): added, edited and removed on the station's
page and through the API alike, scoped, each change in the operation log."""

from __future__ import annotations

from decimal import Decimal

from auditlog.models import LogEntry

from cunzhan.stations.models import ResponsiblePerson

URL = "/api/v1/stations/JX-0001/people"


def test_the_api_adds_edits_and_removes_a_person_with_each_change_logged(world, client):
    client.force_login(world.operator)
    created = client.post(
        URL,
        {"name": "王五", "phone": "13800000000", "pre_job_training_days": "2.5", "yearly_trainings": 1},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    person = created.json()
    assert person["name"] == "王五" and Decimal(str(person["pre_job_training_days"])) == Decimal("2.5")
    assert [p["name"] for p in client.get(URL).json()] == ["王五"]
    edited = client.patch(
        f"{URL}/{person['id']}", {"pre_job_training_days": "3", "yearly_trainings": 2}, content_type="application/json"
    )
    assert edited.status_code == 200 and edited.json()["yearly_trainings"] == 2 and edited.json()["name"] == "王五"
    row = ResponsiblePerson.objects.get(pk=person["id"])
    assert row.pre_job_training_days == Decimal(3)
    actions = [e.action for e in LogEntry.objects.get_for_object(row).order_by("timestamp")]
    assert actions == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert {e.actor for e in LogEntry.objects.get_for_object(row)} == {world.operator}
    assert client.delete(f"{URL}/{person['id']}").status_code == 204
    assert not ResponsiblePerson.objects.filter(pk=person["id"]).exists()


def test_the_api_refuses_bad_values_roles_and_other_stations(world, client):
    client.force_login(world.county)
    blank = client.post(URL, {"name": "  "}, content_type="application/json")
    assert blank.status_code == 422 and "name" in blank.json()["errors"]
    negative = client.post(URL, {"name": "王五", "pre_job_training_days": "-1"}, content_type="application/json")
    assert negative.status_code == 422
    client.force_login(world.keeper)
    assert client.get(URL).status_code == 200  # the keeper reads its own station's people
    assert client.post(URL, {"name": "王五"}, content_type="application/json").status_code == 403
    client.force_login(world.other_county)
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"name": "王五"}, content_type="application/json").status_code == 404
    person = ResponsiblePerson.objects.create(station=world.station_keng, name="张三")
    client.force_login(world.county)
    assert (
        client.patch(
            f"/api/v1/stations/JX-0002/people/{person.pk}", {"name": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert ResponsiblePerson.objects.get(pk=person.pk).name == "张三"


def test_the_station_page_edits_a_person(world, client):
    person = ResponsiblePerson.objects.create(station=world.station_keng, name="张三", yearly_trainings=1)
    client.force_login(world.county)
    page = client.get("/stations/JX-0001/").content.decode()
    assert f'action="/stations/JX-0001/people/{person.pk}/"' in page
    answer = client.post(
        f"/stations/JX-0001/people/{person.pk}/",
        {
            "name": "张三",
            "phone": "13900000000",
            "pre_job_training_days": "3",
            "yearly_trainings": "2",
            "is_primary": "on",
        },
    )
    assert answer.status_code == 302
    person.refresh_from_db()
    assert (person.phone, person.pre_job_training_days, person.yearly_trainings) == ("13900000000", Decimal(3), 2)
    assert LogEntry.objects.get_for_object(person).latest("timestamp").actor == world.county
    client.force_login(world.keeper)
    assert client.post(f"/stations/JX-0001/people/{person.pk}/", {"name": "x"}).status_code == 403
