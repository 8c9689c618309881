"""The error pages with DEBUG off (as the test settings run): Chinese, in the site's layout, with the way
back; the API answers its errors in JSON all the same."""

from __future__ import annotations

import re

import pytest
from django.db import OperationalError
from django.test import Client, override_settings
from django.urls import path, reverse

# what Django's own error pages say
DJANGO_ENGLISH = re.compile(r"Not Found|Server Error|Forbidden|Bad Request|CSRF verification failed")


def failing_context_processor(request):
    raise RuntimeError("a context processor that fails (its database, say, is down)")


def database_down(request):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")


def forbidden(request):
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied


@pytest.fixture
def extra_pages():
    """Pages that fail on purpose, added to the site for one test."""
    import cunzhan.urls

    added = [path("__database_down__/", database_down), path("__forbidden__/", forbidden)]
    cunzhan.urls.urlpatterns.extend(added)
    yield
    del cunzhan.urls.urlpatterns[-len(added) :]


def assert_error_page(response, status: int, says: str) -> str:
    page = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert says in page, page
    assert 'lang="zh-hans"' in page and "村站" in page and "农村电商服务站管理" in page  # the site's layout
    assert 'class="navbar-brand' in page and "cunzhan/app.css" in page
    assert f'href="{reverse("home")}"' in page and f'href="{reverse("login")}"' in page  # the way back
    assert not DJANGO_ENGLISH.search(page), DJANGO_ENGLISH.search(page)
    return page


@pytest.mark.django_db
def test_an_unknown_page_is_a_chinese_404_in_the_sites_layout(client):
    assert_error_page(client.get("/no-such-page/"), 404, "页面不存在")


@pytest.mark.django_db
def test_a_logged_in_user_gets_the_same_404(world, client):
    client.force_login(world.county)
    assert_error_page(client.get("/stations/NO-SUCH-STATION/"), 404, "页面不存在")


@pytest.mark.django_db
def test_a_page_the_role_may_not_open_is_a_chinese_403(world, client):
    client.force_login(world.keeper)
    assert_error_page(client.get(reverse("accounts:users")), 403, "无权访问")


@pytest.mark.django_db
def test_the_403_page_says_why_when_the_refusal_gives_a_reason(world, client):
    client.force_login(world.admin)  # may manage assessments, but sets no county's subsidies
    assert_error_page(client.get(reverse("assessment:subsidies")), 403, "补贴标准由县电商办设定")


@pytest.mark.django_db
def test_a_request_for_another_host_is_a_chinese_400(client):
    assert_error_page(client.get("/", HTTP_HOST="attacker.example"), 400, "请求无效")


@pytest.mark.django_db
def test_a_form_sent_without_its_csrf_token_is_a_chinese_403_saying_the_form_expired(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "county", "password": "x"})
    page = assert_error_page(response, 403, "表单已过期")
    assert f'href="{reverse("login")}"' in page  # back to the form


@pytest.mark.django_db
def test_the_csrf_page_links_back_to_the_page_the_form_was_on_and_never_to_another_site(world):
    client = Client(enforce_csrf_checks=True)
    form_page = "http://testserver/stations/?q=%E5%9D%91"
    page = client.post(reverse("logout"), HTTP_REFERER=form_page).content.decode()
    assert 'href="http://testserver/stations/?q=%E5%9D%91">重新打开此页' in page
    page = client.post(reverse("logout"), HTTP_REFERER="https://attacker.example/form").content.decode()
    assert "attacker.example" not in page and f'href="{reverse("logout")}">重新打开此页' in page


def test_a_failure_is_a_chinese_page_even_with_the_database_and_the_context_processors_down(extra_pages, settings):
    # no django_db mark: any query the error page made would fail (pytest-django refuses them)
    jinja2, *others = settings.TEMPLATES
    processors = [*jinja2["OPTIONS"]["context_processors"], f"{__name__}.failing_context_processor"]
    settings.TEMPLATES = [{**jinja2, "OPTIONS": {**jinja2["OPTIONS"], "context_processors": processors}}, *others]
    client = Client(raise_request_exception=False)
    # the database gone is a 503 to retry (a failover under way, issue 25), not the 500 of a defect
    down = client.get("/__database_down__/")
    assert_error_page(down, 503, "系统正在切换数据库")
    assert down["Retry-After"] == "5"
    assert_error_page(client.get(reverse("login")), 500, "服务器出错")  # its context processor failed


@pytest.mark.django_db
def test_a_page_refusing_without_a_reason_gets_the_general_wording(extra_pages, client):
    assert_error_page(client.get("/__forbidden__/"), 403, "无权访问")


@pytest.mark.django_db
def test_the_error_pages_follow_the_users_language(client):
    client.cookies["django_language"] = "en"
    page = client.get("/no-such-page/").content.decode()
    assert 'lang="en"' in page and "Page not found" in page and "页面不存在" not in page


# -- the API keeps answering JSON ---------------------------------------------------------------------

TRANSITION = "/api/v1/stations/JX-0001/transitions"  # a supervisor may not move a station on


def assert_json(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert body["detail"] and not DJANGO_ENGLISH.search(str(body["detail"]))
    return body


@pytest.mark.django_db
def test_an_unknown_api_path_is_a_json_404(world, client):
    client.force_login(world.county)
    assert_json(client.get("/api/v1/no-such-thing"), 404)
    assert_json(client.get("/api/v1/stations/NO-SUCH-STATION"), 404)


@pytest.mark.django_db
def test_a_refusal_inside_the_api_is_a_json_403(world, client):
    client.force_login(world.supervisor)
    assert_json(client.post(TRANSITION, {"to": "rectifying", "reason": "x"}, content_type="application/json"), 403)


@pytest.mark.django_db
def test_a_failure_inside_the_api_is_a_json_500(world, monkeypatch):
    def broken(user):
        raise RuntimeError("a bug")

    monkeypatch.setattr("cunzhan.regions.api.regions_for_user", broken)
    client = Client(raise_request_exception=False)
    client.force_login(world.county)
    assert_json(client.get("/api/v1/regions"), 500)


@pytest.mark.django_db
def test_a_bad_request_to_the_api_is_a_json_400(client):
    assert_json(client.get("/api/v1/regions", HTTP_HOST="attacker.example"), 400)


@override_settings(DEBUG=False)
@pytest.mark.django_db
def test_the_api_csrf_refusal_stays_json(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.supervisor)
    assert_json(client.post(TRANSITION, {"to": "rectifying", "reason": "x"}, content_type="application/json"), 403)
