"""The load test's data and accounts (``bench_load.py``): the demo loaded once, then the morning's keepers,
supervisors (each with an inspection to edit) and county offices, each with an API token and a session made
in advance, as if logged in once this morning."""

from __future__ import annotations

import os
import time
from datetime import timedelta

TOKEN_NAME = "load test"  # noqa: S105  a label, not a secret


def load_data(scale: str, reload: bool, stations: int | None) -> None:
    from django.core.management import call_command

    from cunzhan.stations.models import Station

    if Station.objects.exists() and not reload:
        print(f"data: {Station.objects.count():,} stations already loaded (--reload to load again)")
        return
    started = time.perf_counter()
    options = {"stations": stations} if scale == "province" and stations else {}
    call_command("demo", scale=scale, stdout=open(os.devnull, "w"), **options)  # noqa: SIM115
    print(f"data: cunzhan demo --scale {scale} loaded in {time.perf_counter() - started:.0f} s")


def _session_for(user) -> str:
    """A session as Django's login() leaves it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def _credentials(user) -> dict:
    from cunzhan.accounts.models import ApiToken
    from cunzhan.accounts.services import token_create

    ApiToken.objects.filter(user=user, name=TOKEN_NAME).delete()
    _token, key = token_create(user=user, name=TOKEN_NAME)
    return {"username": user.username, "token": key, "session": _session_for(user)}


def _bench_user(username: str, role: str, **binding):
    from cunzhan.accounts.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, display_name=username, role=role, must_change_password=False, **binding)
        user.set_unusable_password()  # sessions and tokens only: nobody logs in with a password
        user.save()
    return user


def prepare_accounts(keepers: int, supervisors: int) -> dict:
    from django.utils import timezone

    from cunzhan.accounts.models import User
    from cunzhan.core import dates
    from cunzhan.core.roles import Role
    from cunzhan.regions.models import Region
    from cunzhan.stations.models import CERTIFIED_STATUSES, Station
    from cunzhan.supervision import services as supervision
    from cunzhan.supervision.models import Inspection
    from cunzhan.supervision.rating_items import RATING_ITEMS

    certified = list(Station.objects.filter(status__in=CERTIFIED_STATUSES).order_by("code"))
    # spread over the whole province when there are more stations than keepers (every n-th by code),
    # so that the morning touches many counties' ledgers, not the first county's only
    stations = certified[:: max(len(certified) // keepers, 1)][:keepers]
    if not stations:
        raise SystemExit("no certified station to record ledgers at")
    accounts: dict[str, list[dict]] = {"keeper": [], "supervisor": [], "office": []}
    active = User.objects.filter(is_active=True, must_change_password=False)
    for station in stations:
        keeper = active.filter(role=Role.KEEPER, station=station).first() or _bench_user(
            f"load-keeper-{station.code}", Role.KEEPER, station=station, region=station.region
        )
        accounts["keeper"].append({**_credentials(keeper), "station": station.code, "station_id": station.pk})

    inspected_at = timezone.now() - timedelta(minutes=1)
    local = inspected_at.astimezone(dates.SHANGHAI)
    year, half = local.year, "H1" if local.month <= 6 else "H2"
    items = [{"key": i.key, "max": str(i.max)} for i in RATING_ITEMS]
    townships: dict[str, list] = {}
    for station in stations:
        if len(station.region_id) >= 9:
            townships.setdefault(station.region_id[:9], []).append(station)
    for code in sorted(townships)[:supervisors]:
        township = Region.objects.filter(code=code).first()
        if township is None:
            continue
        supervisor = _bench_user(f"load-supervisor-{code}", Role.SUPERVISOR, region=township)
        inspections = []
        for station in townships[code][:5]:
            inspection = Inspection.objects.filter(
                inspector=supervisor, station=station, year=year, half=half
            ).first() or supervision.inspection_save(
                acting_user=supervisor,
                station=station,
                year=year,
                half=half,
                inspected_at=inspected_at,
                ratings={i.key: (i.max, "") for i in RATING_ITEMS},
            )
            body = {
                "station": station.code,
                "year": year,
                "half": half,
                "inspected_at": inspection.inspected_at.isoformat(),
            }
            inspections.append({"id": inspection.pk, "body": body})
        accounts["supervisor"].append({**_credentials(supervisor), "inspections": inspections, "rating_items": items})

    year_, month_ = dates.previous_month()
    counties = sorted({s.county_code for s in stations})
    for county in counties:
        office = active.filter(role=Role.COUNTY_OFFICE, region_id=county).first()
        office = office or _bench_user(f"load-office-{county}", Role.COUNTY_OFFICE, region_id=county)
        accounts["office"].append({**_credentials(office), "county": county, "month": f"{year_}-{month_:02d}"})
    return accounts
