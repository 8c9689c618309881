"""The platform as an operator meets it: health, deploy checks, the command line, demo data, assets."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import override_settings

from cunzhan.accounts.models import User
from cunzhan.core.roles import Role
from cunzhan.stations.models import Station

PACKAGE = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_healthz_reports_an_unusable_database(client, monkeypatch):
    from django.db import connection

    def broken(*args, **kwargs):
        raise RuntimeError("down")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    # production settings: none of the test-only environment leaks into the child
    test_only = {
        "DEBUG",
        "DJANGO_SETTINGS_MODULE",
        "SECURE_SSL_REDIRECT",
        "SECURE_COOKIES",
        "ALLOWED_HOSTS",
        "SECRET_KEY",
        "DATABASE_URL",
    }
    environment = {k: v for k, v in os.environ.items() if k not in test_only}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "cunzhan", *args], capture_output=True, text=True, env=environment, timeout=120
    )


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = run_cli(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="a-long-random-production-secret-key-that-is-over-fifty-characters-long-x9",
        ALLOWED_HOSTS="cunzhan.example.gov.cn",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CUNZHAN_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def readme_server_command() -> list[str]:
    """The production command exactly as the README gives it."""
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    return shlex.split(re.search(r"For production: `(granian [^`]+)`", readme).group(1))


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    """granian started as the README says, on a free port of 127.0.0.1; the process and the port."""
    import socket

    var = tmp_path_factory.mktemp("server")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG")}
    environment.update(
        SECRET_KEY="a-long-random-production-secret-key-that-is-over-fifty-characters-long-x9",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=f"sqlite:///{var / 'db.sqlite3'}",
        CUNZHAN_VAR_DIR=str(var),
    )
    program, *arguments = readme_server_command()
    command = [str(Path(sys.executable).parent / program), *arguments, "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for _ in range(150):
            if health(port) == 200:
                break
            time.sleep(0.2)
        yield server, port
    finally:
        server.terminate()
        server.wait(timeout=20)


def health(port: int) -> int | None:
    """The health check's status, or None when nothing answers."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return None
    finally:
        connection.close()


def workers(server: subprocess.Popen) -> set[int]:
    """The process ids of granian's workers: the children of its main process (none once it is gone)."""
    try:
        return {
            int(pid)
            for task in Path(f"/proc/{server.pid}/task").iterdir()
            for pid in (task / "children").read_text().split()
        }
    except FileNotFoundError:
        return set()


def test_the_production_server_serves_the_app_its_assets_and_keeps_the_connection(production_server):
    """granian as the README starts it: the health check, a page, a packaged asset, two requests on one
    connection (keep-alive)."""
    import http.client

    _server, port = production_server
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/healthz")
    health_check = connection.getresponse()
    assert (health_check.status, json.loads(health_check.read())["database"]) == (200, "ok")
    connection.request("GET", "/static/bootstrap/css/bootstrap.min.css")  # the same connection
    asset = connection.getresponse()
    assert asset.status == 200 and len(asset.read()) > 100_000
    connection.request("GET", "/accounts/login/")
    login = connection.getresponse()
    assert login.status == 200 and "登录" in login.read().decode()
    connection.close()


def test_the_production_server_replaces_a_worker_that_dies_and_goes_on_serving(production_server):
    server, port = production_server
    command = readme_server_command()
    count = int(command[command.index("--workers") + 1])
    assert health(port) == 200, "granian did not answer"
    assert len(workers(server)) == count
    killed = min(workers(server))
    os.kill(killed, signal.SIGKILL)

    def replaced() -> bool:
        now = workers(server)
        return killed not in now and len(now) == count

    deadline = time.monotonic() + 30  # granian waits --respawn-interval (3.5 s) before it respawns
    while time.monotonic() < deadline and server.poll() is None and not replaced():
        time.sleep(0.2)
    assert server.poll() is None, "granian shut down: " + server.stdout.read().decode()[-2000:]
    assert replaced()
    assert [health(port) for _ in range(2 * count)] == [200] * (2 * count)


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_cli("check", CUNZHAN_VAR_DIR=str(tmp_path), SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_the_cli_accepts_hyphenated_command_names(tmp_path):
    result = run_cli("import-regions", "--help", SECRET_KEY="x" * 60, CUNZHAN_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "行政区划" in result.stdout


@pytest.mark.django_db
def test_demo_loads_the_two_counties_and_is_idempotent(capsys):
    call_command("demo")
    first = (Station.objects.count(), User.objects.count())
    call_command("demo")
    assert (Station.objects.count(), User.objects.count()) == first
    out = capsys.readouterr().out
    assert "jiaxian" in out and "Cunzhan@2026" in out
    from cunzhan.regions.models import Region

    assert Region.objects.filter(code__startswith="610828", level=5).count() == 334
    assert Region.objects.filter(parent_id="610828").count() == 13
    assert Station.objects.filter(county_code="360734").exists()
    assert all(s.is_demo for s in Station.objects.all())
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert all(u.is_demo for u in User.objects.all())


@pytest.mark.django_db
def test_demo_accounts_are_flagged_by_the_deploy_check_and_can_be_disabled():
    from cunzhan.site.checks import demo_accounts_check

    call_command("demo")
    assert [w.id for w in demo_accounts_check(None)] == ["cunzhan.W001"]
    call_command("demo", disable_accounts=True)
    assert demo_accounts_check(None) == []


def test_every_asset_a_page_loads_is_served_by_the_app():
    pattern = re.compile(r"""(?:src|href)=["']([^"'{]+\.(?:js|css))["']""")
    templates = list(PACKAGE.rglob("templates/**/*.html"))
    for template in templates:
        text = template.read_text(encoding="utf-8")
        assert not pattern.findall(text), f"{template} loads an asset by URL instead of {{% static %}}"
        assert "//cdn" not in text and "http://" not in text and "https://" not in text, template
    for asset in [
        "bootstrap/css/bootstrap.min.css",
        "bootstrap/js/bootstrap.bundle.min.js",
        "django_htmx/htmx-2.min.js",
        "cunzhan/app.css",
    ]:
        assert finders.find(asset), asset


@pytest.mark.django_db
def test_static_assets_are_served_without_a_separate_web_server(client):
    response = client.get("/static/bootstrap/css/bootstrap.min.css")
    assert response.status_code == 200


@pytest.mark.django_db
def test_api_docs_and_openapi_are_served_locally(world, client):
    client.force_login(world.county)
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/stations" in schema.json()["paths"]
    docs = client.get("/api/v1/docs").content.decode()
    # every script and stylesheet from this server: no address elsewhere ("cdn" alone also matched a
    # random CSRF token in the page now and then)
    assert re.findall(r"""(?:src|href)=["']([^"']+)""", docs)
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", docs) and "cdn." not in docs.lower()


@pytest.mark.django_db
def test_pages_are_chinese_by_default_and_english_is_available(world, client):
    client.force_login(world.county)
    assert "服务站" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert 'lang="en"' in client.get("/").content.decode()


@override_settings(SESSION_COOKIE_AGE=1800)
@pytest.mark.django_db
def test_the_login_page_fits_a_phone(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page


@pytest.mark.django_db
def test_an_english_browser_still_gets_chinese_until_the_user_switches(world, client):
    client.force_login(world.county)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in page


# transaction=True: each request commits or fails on its own, as in production; inside one test
# transaction PostgreSQL would abort everything after the first refused statement
@pytest.mark.django_db(transaction=True)
def test_values_the_data_cannot_hold_get_422_not_500(world, client):
    client.force_login(world.county)
    for path in ("/api/v1/regions?level=99999999999999999999999", "/api/v1/stations?limit=99999999999999999999"):
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)
    body = '{"address": null, "version": 0}'
    response = client.patch("/api/v1/stations/JX-0001", data=body, content_type="application/json")
    assert response.status_code < 500


@pytest.mark.django_db
def test_a_page_given_an_impossible_value_answers_400_in_chinese(world, client, settings):
    from django.urls import path

    def boom(request):
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    client.raise_request_exception = False
    import cunzhan.urls

    cunzhan.urls.urlpatterns.append(path("__boom__/", boom))
    try:
        client.force_login(world.county)
        response = client.get("/__boom__/")
        assert response.status_code == 400 and "请求无效" in response.content.decode()
    finally:
        cunzhan.urls.urlpatterns.pop()


@pytest.mark.django_db
def test_the_english_interface_is_translated(world, client):
    client.cookies["django_language"] = "en"
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in page and "Log in" in page and "登录" not in page


@pytest.mark.parametrize("persona", ["admin", "county", "supervisor", "keeper", "province"])
def test_the_menu_offers_exactly_the_pages_the_role_may_open(world, client, persona):
    """The bar's menu is worked out once per role and language: it lists the pages the role's
    permissions allow, in order, each of which opens; in English with English labels."""
    from django.urls import reverse

    from cunzhan.core.roles import role_has
    from cunzhan.site.context_processors import NAV_ITEMS

    def menu(page: str) -> list[tuple[str, str]]:
        return re.findall(r'class="nav-link" href="([^"]+)">([^<]+)<', page)

    user = world.users[persona]
    client.force_login(user)
    links = menu(client.get("/").content.decode())
    allowed = [(name, label) for name, label, perm in NAV_ITEMS if perm is None or role_has(user.role, perm)]
    assert links == [(reverse(name), str(label)) for name, label in allowed]
    assert ("账号管理" in dict(links).values()) == (persona in {"admin", "county"})
    for address, _label in links:
        assert client.get(address, follow=True).status_code == 200, address
    client.cookies["django_language"] = "en"
    english = menu(client.get("/").content.decode())
    assert [a for a, _l in english] == [a for a, _l in links]
    assert ("/", "Home") in english and ("/", "首页") in links


def test_the_bar_shows_the_users_region_and_a_renamed_region_within_minutes(world, client):
    import time_machine
    from django.core.cache import cache

    from cunzhan.regions.models import Region
    from cunzhan.site.context_processors import REGION_NAME_SECONDS

    cache.clear()
    client.force_login(world.supervisor)  # 坑镇
    with time_machine.travel("2026-06-15 10:00:00+08:00", tick=False) as clock:
        assert "督查员 · 坑镇" in client.get("/").content.decode()
        Region.objects.filter(code="610828101").update(name="坑镇（新）")
        assert "督查员 · 坑镇<" in client.get("/").content.decode().replace("\n", "").replace("  ", "")
        clock.shift(REGION_NAME_SECONDS + 1)
        assert "督查员 · 坑镇（新）" in client.get("/").content.decode()
    cache.clear()
