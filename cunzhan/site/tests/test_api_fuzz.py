"""Schemathesis against /api/v1/openapi.json as one persona of each role: no answer is a server
error, and every answer is one the schema documents (status code, content type, body).

Bounded for CI: ``MAX_EXAMPLES`` generated requests per operation, valid and invalid, derandomized
so that a run is reproducible, without shrinking; plus one well-formed request per write operation,
since random bodies rarely get past validation. Path, query and body values are mixed with those of
objects that exist, so the fuzzer reaches the 200 answers as well as the 404s.

Each role is one pytest test: its requests run in that test's transaction, so whatever they
change or delete (ledger entries, a station's status) is rolled back before the next role. The API
revokes no token (tokens are managed on their page), and its account operations refuse to reset the
password of, or deactivate, the acting account itself: no request can lock the persona out, so no
operation is excluded.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from ninja import Schema
from schemathesis import GenerationMode, checks
from schemathesis.core.failures import FailureGroup

from cunzhan.accounts.services import token_create
from cunzhan.core.dates import SHANGHAI as SH
from cunzhan.core.roles import Role

# generated requests per operation and role; CI's bound (≈ 2 minutes on the 2-core box). A deeper run:
# API_FUZZ_EXAMPLES=50 .venv/bin/pytest cunzhan/core/tests/test_api_fuzz.py
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "3"))

# one persona of each role (cunzhan/conftest.py)
PERSONAS = {
    Role.ADMIN: "admin",
    Role.VIEWER: "province",
    Role.COUNTY_OFFICE: "county",
    Role.OPERATOR: "operator",
    Role.SUPERVISOR: "supervisor",
    Role.KEEPER: "keeper",
}

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]

# The persona's token is the only credential sent: no generated Authorization, X-API-Key or session cookie.
CONFIG = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})


@pytest.fixture
def wsgi_app():
    """The Django WSGI application inside the test's transaction: like Django's test client, it
    must not close the connection at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def seed(world) -> dict[str, list]:
    """A few objects of every kind the API shows; returns known values by parameter."""
    from cunzhan.activities import services as activities
    from cunzhan.assessment.services import assessment_compute
    from cunzhan.dashboards.charts import CHARTS
    from cunzhan.ledgers import services as ledgers
    from cunzhan.reports import services as reports
    from cunzhan.stations import services as stations
    from cunzhan.supervision import services as supervision
    from cunzhan.supervision.rating_items import RATING_ITEMS

    county, keng, dian = world.regions["610828"], world.station_keng, world.station_dian
    day = date(2025, 6, 10)
    entries = {
        "purchase": ledgers.entry_create(
            acting_user=world.keeper,
            kind="purchase",
            station=keng,
            occurred_on=day,
            product_name="复合肥",
            quantity=Decimal(2),
            amount=Decimal("236.50"),
            platform="拼多多",
            customer_phone="13800001234",
        ),
        "sale": ledgers.entry_create(
            acting_user=world.keeper,
            kind="sale",
            station=keng,
            occurred_on=day,
            product_name="红枣",
            quantity=Decimal(10),
            amount=Decimal(450),
            seller_household="李四",
        ),
        "parcel": ledgers.entry_create(
            acting_user=world.keeper,
            kind="parcel",
            station=keng,
            direction="in",
            carrier="中通",
            tracking_no="ZT0000000001",
            arrived_at=datetime(2025, 6, 10, 9, 30, tzinfo=SH),
        ),
        "service": ledgers.entry_create(
            acting_user=world.keeper, kind="service", station=keng, occurred_on=day, service_kind="payment"
        ),
    }
    training = activities.training_create(
        acting_user=world.operator,
        county=county,
        topic="电商实操培训",
        start_date=date(2025, 3, 10),
        days=Decimal(2),
        required_stations=[keng, dian],
    )
    activity = activities.activity_create(
        acting_user=world.operator,
        county=county,
        title="年货节",
        start_date=date(2025, 1, 10),
        end_date=date(2025, 1, 20),
        report_due_at=datetime(2025, 1, 25, 23, 59, 59, tzinfo=SH),
        required_stations=[keng, dian],
    )
    activities.guidance_record(
        acting_user=world.operator, station=keng, kind="visit", visited_on=day, content="指导上架农产品"
    )
    inspection = supervision.inspection_save(
        acting_user=world.supervisor,
        station=keng,
        year=2025,
        half="H1",
        inspected_at=datetime(2025, 6, 20, 10, 30, tzinfo=SH),
        ratings={item.key: (item.max, "") for item in RATING_ITEMS},
    )
    complaint = supervision.complaint_record(
        acting_user=world.supervisor,
        station=keng,
        kind="parcel",
        received_at=datetime(2025, 6, 21, 9, 0, tzinfo=SH),
        description="快递丢失",
    )
    event = supervision.supervision_event_record(
        acting_user=world.supervisor,
        station=keng,
        kind="poor_performance",
        occurred_on=day,
        description="门店未开",
        evidence="现场照片",
    )
    asset = stations.asset_add(acting_user=world.county, station=keng, kind="computer", name="电脑")
    fault = stations.fault_report(acting_user=world.keeper, asset=asset, description="无法开机")
    adhoc = reports.adhoc_request_create(
        acting_user=world.county,
        county=county,
        title="春耕农资统计",
        due_at=timezone.now() + timedelta(days=7),
        stations=[keng, dian],
    )
    transmission = reports.upward_prepare(acting_user=world.county, county=county, kind="register")
    assessment = assessment_compute(acting_user=world.county, county=county, year=2025, period="H1")
    results = list(assessment.results.values_list("pk", flat=True))
    return {
        "station": ["JX-0001", "JX-0002", "XW-0001"],
        "region": ["610828", "610828101", "360734"],
        "village": ["610828101201", "610828102201"],
        "half": ["H1", "H2"],
        "county": ["610828", "360734"],
        "month": ["2025-06", "2025-01"],
        "week": ["2025-W24"],
        "year": [2025],
        "period": ["2025-06", "2025-W24"],
        "kind": ["monthly", "weekly"],
        "chart": sorted(CHARTS),
        "asset_id": [asset.pk],
        "fault_id": [fault.pk],
        "training": [training.pk],
        "activity": [activity.pk],
        "inspection": [inspection.pk],
        "complaint": [complaint.pk],
        "event": [event.pk],
        "adhoc": [adhoc.pk],
        "transmission": [transmission.pk],
        "assessment": [assessment.pk],
        "result": results,
        **{f"ledger_{kind}": [entry.pk] for kind, entry in entries.items()},
    }


def known_path_values(path: str, known: dict[str, list]) -> dict[str, list]:
    """Which known values fit each path parameter of ``path`` (/api/v1/<app>/<collection>/{pk}...)."""
    app, _, rest = path.removeprefix("/api/v1/").partition("/")
    collection = rest.split("/", 1)[0]
    values: dict[str, list] = {
        "code": known["region"] if app == "regions" else known["station"],
        "kind": known["kind"],
        "period": known["period"],
        "asset_id": known["asset_id"],
        "fault_id": known["fault_id"],
        "name": known["chart"],
    }
    if app == "ledgers":
        values["pk"] = known.get(f"ledger_{collection}", [])
    elif app == "assessments":
        values["pk"] = known["result"] if collection == "results" else known["assessment"]
    else:
        values["pk"] = known.get(PK_OF.get(collection, ""), [])
    return values


# the collection in the path → the kind of object its {pk} names
PK_OF = {
    "trainings": "training",
    "marketing": "activity",
    "inspections": "inspection",
    "complaints": "complaint",
    "events": "event",
    "adhoc": "adhoc",
    "upward": "transmission",
}


# query parameters and body fields → the known values that fit them
KNOWN_QUERY = {"county": "county", "month": "month", "week": "week", "year": "year", "station": "station"}
KNOWN_BODY = {"station": "station", "county": "county", "region": "village", "year": "year", "half": "half"}


def mixing(known: dict[str, list]):
    """Hooks that draw, for each request, either the generated values or known ones in their place."""

    def mix(generated, choices: dict[str, list]):
        if not isinstance(generated, dict):
            return st.just(generated)
        options = {k: st.sampled_from(v) for k, v in choices.items() if k in generated and v}
        if not options:
            return st.just(generated)
        return st.one_of(st.just(generated), st.fixed_dictionaries(options).map(lambda d: {**generated, **d}))

    def flatmap_path_parameters(context, path_parameters):
        return mix(path_parameters, known_path_values(context.operation.path, known))

    def flatmap_query(context, query):
        return mix(query, {name: known[key] for name, key in KNOWN_QUERY.items()})

    def flatmap_body(context, body):
        choices = {name: known[key] for name, key in KNOWN_BODY.items()}
        choices["stations"] = choices["required_stations"] = [known["station"][:2]]
        return mix(body, choices)

    return flatmap_path_parameters, flatmap_query, flatmap_body


@pytest.fixture(params=list(PERSONAS.values()))
def persona(request, world):
    return world.users[request.param]


@pytest.fixture
def known(world) -> dict[str, list]:
    return seed(world)


@pytest.fixture
def api_schema(wsgi_app, persona, known, settings, tmp_path):
    """The schema as the app serves it, sending the persona's token and mixing in the known values."""
    settings.MEDIA_ROOT = str(tmp_path / "media")  # uploaded inspection photos
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app, config=CONFIG)
    _token, key = token_create(user=persona, name="schemathesis")
    schema.config.update(headers={"Authorization": f"Bearer {key}"})
    for hook in mixing(known):
        schema.hook(hook)
    return schema


def fuzz(operation) -> None:
    """Up to MAX_EXAMPLES requests, valid and invalid, each checked; raises on the first failure."""
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        case.call_and_validate(checks=CHECKS)

    run()


def valid_requests(known: dict[str, list]) -> list[tuple[str, str, dict, dict]]:
    """One well-formed request per write operation (method, path, path parameters, body), so that
    the success answers are checked against the schema too: random bodies rarely pass validation."""
    day, moment = "2025-06-11", "2025-06-11T09:30:00+08:00"
    station = {"code": "JX-0001"}
    ledgers = {
        "purchase": {"occurred_on": day, "product_name": "化肥", "quantity": "1", "amount": "10", "platform": "淘宝"},
        "sale": {"occurred_on": day, "product_name": "红枣", "quantity": "2", "amount": "30", "seller_household": "李"},
        "parcel": {"direction": "in", "carrier": "中通", "tracking_no": "ZT0000000099", "arrived_at": moment},
        "service": {"occurred_on": day, "service_kind": "payment", "amount": "50"},
    }
    inspection = {"station": "JX-0001", "year": 2025, "half": "H2", "inspected_at": "2025-12-10T10:00:00+08:00"}
    complaint = {"station": "JX-0001", "kind": "parcel", "received_at": moment, "description": "快递延误"}
    event = {"station": "JX-0001", "kind": "not_cooperating", "occurred_on": day, "description": "拒查"}
    verified = {"verified": True, "evidence": "电话核实"}
    training = {"topic": "直播带货", "start_date": "2025-07-01", "required_stations": ["JX-0001"]}
    attendance = {"lines": [{"station": "JX-0001", "person_name": "张三", "status": "present"}]}
    new_station = {"code": "JX-0100", "name": "新站", "tier": "village", "region": "610828101201"}
    exemption = {"rule": "area", "basis": "deep_poverty", "reason": "深度贫困村"}
    due = (timezone.now() + timedelta(days=3)).isoformat()
    adhoc = {"county": "610828", "title": "秋收统计", "due_at": due, "stations": ["JX-0001"]}
    return [
        *[("POST", f"/api/v1/ledgers/{kind}", {}, {"station": "JX-0001", **body}) for kind, body in ledgers.items()],
        *[("PATCH", f"/api/v1/ledgers/{kind}/{{pk}}", {"pk": known[f"ledger_{kind}"][0]}, {}) for kind in ledgers],
        ("PATCH", "/api/v1/ledgers/purchase/{pk}", {"pk": known["ledger_purchase"][0]}, {"product_name": "尿素"}),
        ("POST", "/api/v1/supervision/inspections", {}, inspection),
        ("PUT", "/api/v1/supervision/inspections/{pk}", {"pk": known["inspection"][0]}, {**inspection, "half": "H1"}),
        ("POST", "/api/v1/supervision/complaints", {}, complaint),
        ("POST", "/api/v1/supervision/complaints/{pk}/verify", {"pk": known["complaint"][0]}, verified),
        ("POST", "/api/v1/supervision/events", {}, {**event, "evidence": "督查记录"}),
        ("POST", "/api/v1/supervision/events/{pk}/verify", {"pk": known["event"][0]}, {"verified": True}),
        ("POST", "/api/v1/activities/trainings", {}, training),
        ("POST", "/api/v1/activities/trainings/{pk}/attendance", {"pk": known["training"][0]}, attendance),
        ("POST", "/api/v1/stations", {}, new_station),
        ("PATCH", "/api/v1/stations/{code}", station, {"opening_hours": "8:00-18:00", "usable_area": "30.5"}),
        ("POST", "/api/v1/stations/{code}/transitions", station, {"to": "rectifying", "reason": "台账不全"}),
        ("POST", "/api/v1/stations/{code}/exemptions", station, exemption),
        ("POST", "/api/v1/stations/{code}/assets", station, {"kind": "display", "name": "显示屏"}),
        (
            "POST",
            "/api/v1/stations/{code}/faults/{fault_id}/repair",
            {**station, "fault_id": known["fault_id"][0]},
            {"repair_note": "已更换电源"},
        ),
        (
            "POST",
            "/api/v1/stations/{code}/assets/{asset_id}/faults",
            {**station, "asset_id": known["asset_id"][0]},
            {"description": "黑屏"},
        ),
        ("POST", "/api/v1/reports/adhoc", {}, adhoc),
        ("POST", "/api/v1/reports/upward", {}, {"county": "610828", "kind": "statistics", "period": "2025-06"}),
        (
            "POST",
            "/api/v1/reports/stations/{code}/{kind}/{period}/submit",
            {**station, "kind": "monthly", "period": "2025-06"},
            {},
        ),
    ]


def test_api_answers_as_documented(api_schema, known):
    """The well-formed writes, then fuzzed requests to every operation, as this persona. Every
    operation is tried; the failures are reported together."""
    failures = []
    token = api_schema.config.headers_for()  # applied to generated cases, not to those built here
    for method, path, path_parameters, body in valid_requests(known):
        case = api_schema[path][method].Case(path_parameters=path_parameters, body=body)
        try:
            case.call_and_validate(headers=token, checks=CHECKS)
        except (Exception, FailureGroup) as exc:
            failures.append(f"{method} {path} (well-formed)\n{exc}")
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            fuzz(operation)
        except (Exception, FailureGroup) as exc:
            failures.append(f"{operation.label}\n{exc}")
    assert operations > 80
    assert not failures, f"{len(failures)} requests failed:\n\n" + "\n\n".join(failures)


def test_schema_names_are_unique():
    """The OpenAPI document keys schemas by class name: two API schemas of one name would both be
    described as one of them (stations' and supervision's EventOut once were)."""
    seen: dict[str, set[str]] = {}
    pending = [Schema]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("cunzhan.") and cls.__module__.endswith(".api"):
            seen.setdefault(cls.__name__, set()).add(cls.__module__)
    assert {name: modules for name, modules in seen.items() if len(modules) > 1} == {}


@pytest.mark.django_db
def test_unknown_api_paths_answer_a_json_404(client):
    for method in ("get", "post", "delete"):
        response = getattr(client, method)("/api/v1/ledgers/purchase/not-a-number")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "未找到。"}
