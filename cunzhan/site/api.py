"""The HTTP API under /api/v1/: token or session authentication, errors as JSON in Chinese."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError, InterfaceError, InternalError, OperationalError
from django.http import Http404, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Schema
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from cunzhan.accounts.services import token_authenticate
from cunzhan.core.errors import database_unavailable, unavailable

logger = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer cz_...``"""

    def authenticate(self, request, token):
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class TokenHeaderAuth(APIKeyHeader):
    """``X-API-Key: cz_...`` for clients that cannot set Authorization."""

    param_name = "X-API-Key"

    def authenticate(self, request, key):
        return TokenAuth().authenticate(request, key) if key else None


class ErrorOut(Schema):
    detail: str


class RejectedOut(Schema):
    """422: the request was understood but refused. ``detail`` is the Chinese reason, or for input
    that does not fit the operation's parameters, django-ninja's list of problems (``loc``, ``msg``);
    ``errors`` names the fields a service refused."""

    detail: str | list[dict[str, Any]]
    errors: dict[str, list[str]] | None = None


# The answers the exception handlers below give on any operation, whatever it declares for itself.
ERROR_RESPONSES: dict[int, tuple[str, type[Schema]]] = {
    400: ("请求体无法解析", ErrorOut),
    401: ("未认证（令牌无效、过期或已吊销）", ErrorOut),
    403: ("无权执行此操作，或须先修改初始密码", ErrorOut),
    404: ("对象不存在或不在您的管辖范围内", ErrorOut),
    422: ("提交的数据不合要求，未做任何修改", RejectedOut),
    503: ("数据库暂时无法连接（主备切换中），未做任何修改；按 Retry-After 的秒数后重试", ErrorOut),
}


class CunzhanAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document also lists the error answers of every operation, and whose
    unknown paths answer like its known ones: a JSON 404, not Django's HTML page."""

    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        return [*patterns, re_path(r"", unknown_path)], app_name, namespace

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema["components"]["schemas"]
        for _description, model in ERROR_RESPONSES.values():
            components[model.__name__] = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for path in schema["paths"].values():
            for operation in path.values():
                _document_errors(operation)
        return schema


@csrf_exempt  # any method: a POST to a mistyped path is a 404 too, not a CSRF refusal
def unknown_path(request):
    # e.g. /api/v1/ledgers/purchase/abc, where the route takes only an integer
    return JsonResponse({"detail": _("未找到。")}, status=404)


def _document_errors(operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    for status, (description, model) in ERROR_RESPONSES.items():
        if status == 400 and "requestBody" not in operation:
            continue
        if status == 401 and not operation.get("security"):
            continue
        ref = {"$ref": f"#/components/schemas/{model.__name__}"}
        declared = responses.get(status) or responses.get(str(status))
        if declared is None:
            responses[status] = {"description": description, "content": {"application/json": {"schema": ref}}}
        else:
            # the operation's own answer for this status, or the handlers' (e.g. ninja's 422 on bad input)
            content = declared.setdefault("content", {}).setdefault("application/json", {})
            content["schema"] = {"anyOf": [content["schema"], ref]} if "schema" in content else ref


api = CunzhanAPI(
    title="村站 CunZhan API",
    version="1",
    description=_("农村电子商务服务站管理系统接口。认证：Authorization: Bearer <令牌>（在“API 令牌”页面创建）。"),
    auth=[TokenAuth(), TokenHeaderAuth(), django_auth],
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": str(exc) or _("无权访问。")}, status=403)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or _("未找到。")}, status=404)


@api.exception_handler(ValidationError)
def invalid(request, exc):
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": "；".join(exc.messages), "errors": errors}, status=422)


# Input the schema lets through but the data cannot hold: a year 0, an integer wider than the
# database's, a value breaking a constraint. The request changed nothing (its transaction rolled
# back); the client gets a 422 in Chinese. Logged with the traceback, since it may also reveal a
# missing validation worth adding.
BAD_INPUT = (OverflowError, ValueError, DataError, IntegrityError)


@api.exception_handler(MultiPartParserError)
def bad_multipart(request, exc):
    return api.create_response(request, {"detail": _("上传的表单格式不正确。")}, status=400)


def bad_input(request, exc):
    logger.warning("rejected input on %s %s", request.method, request.path, exc_info=exc)
    return api.create_response(
        request, {"detail": _("提交的数据超出允许范围、不完整或与现有记录冲突，未做任何修改。")}, status=422
    )


for _kind in BAD_INPUT:
    api.add_exception_handler(_kind, bad_input)


def database_gone(request, exc):
    """The database lost mid-request (a failover): 503 and Retry-After, nothing saved; anything else
    of these kinds is the 500 it would have been."""
    if not database_unavailable(exc):
        raise exc
    return unavailable(request, exc)


for _kind in (OperationalError, InterfaceError, InternalError):
    api.add_exception_handler(_kind, database_gone)


def _register_routers() -> None:
    from cunzhan.accounts.api import router as accounts_router
    from cunzhan.activities.api import router as activities_router
    from cunzhan.assessment.api import router as assessment_router
    from cunzhan.assessment.integrity_api import router as integrity_router
    from cunzhan.assessment.scheme_api import router as scheme_router
    from cunzhan.core.api import router as jobs_router
    from cunzhan.dashboards.api import router as dashboards_router
    from cunzhan.ledgers.api import router as ledgers_router
    from cunzhan.notices.api import router as notices_router
    from cunzhan.onboarding.api import router as onboarding_router
    from cunzhan.regions.api import router as regions_router
    from cunzhan.reports.api import router as reports_router
    from cunzhan.stations.api import router as stations_router
    from cunzhan.stations.settings_api import router as station_settings_router
    from cunzhan.stations.unit_api import router as units_router
    from cunzhan.supervision.api import router as supervision_router

    # the order in which requests are matched: the phone app's ledger entries first
    api.add_router("/ledgers", ledgers_router)
    api.add_router("/supervision", supervision_router)
    api.add_router("/", accounts_router)
    api.add_router("/regions", regions_router)
    api.add_router("/stations", station_settings_router)  # before the register's /{code}
    api.add_router("/stations", stations_router)
    api.add_router("/operating-units", units_router)
    api.add_router("/activities", activities_router)
    api.add_router("/reports", reports_router)
    api.add_router("/assessments/integrity", integrity_router)  # 刷单提示
    api.add_router("/assessments", scheme_router)  # the scheme editor's operations (before /{pk}/…)
    api.add_router("/assessments", assessment_router)
    api.add_router("/onboarding", onboarding_router)
    api.add_router("/notices", notices_router)
    api.add_router("/jobs", jobs_router)
    api.add_router("/dashboards", dashboards_router)


_register_routers()
