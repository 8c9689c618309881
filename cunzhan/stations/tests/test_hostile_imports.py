"""The hostile-input matrix (cunzhan/core/tests/test_hostile_input.py) over the stations' import paths it
does not list: the asset import (page, command line, API) and the station import through the API. The
same bad files, the same demands: a Chinese message, no 5xx, nothing leaked, nothing saved."""

from __future__ import annotations

import pytest
from django.test import override_settings

from cunzhan.core.tests.test_hostile_input import (
    CHINESE,
    LEAKS,
    Path_,
    _command,
    _station_row,
    _upload,
    _visible_text,
    bad_files,
)
from cunzhan.stations.asset_import import HEADERS as ASSET_HEADERS
from cunzhan.stations.importers import HEADERS as STATION_HEADERS
from cunzhan.stations.models import PublicAsset, Station

ASSET_ROW = ["JX-0001", "电脑", "联想 启天 M430", "JX-ZC-01", "1", "2024-05-10", ""]


def _saved() -> tuple[int, ...]:
    return Station.objects.count(), PublicAsset.objects.count()


def _api(client, url: str):
    def send(name, data, tmp):
        answer = client.post(url, {"file": _upload(name, data)})
        body = answer.json()
        return answer.status_code, " ".join([body["detail"], *(e["message"] for e in body.get("errors", []))])

    return send


def assets_page(world, client) -> Path_:
    client.force_login(world.county)

    def send(name, data, tmp):
        answer = client.post("/stations/import/assets/", {"file": _upload(name, data)})
        return answer.status_code, answer.content.decode()

    return Path_(list(ASSET_HEADERS), ASSET_ROW, send, _saved)


def assets_cli(world, client) -> Path_:
    def send(name, data, tmp):
        path = tmp / name
        path.write_bytes(data)
        return _command("import_assets", str(path), "--as", "county")

    return Path_(list(ASSET_HEADERS), ASSET_ROW, send, _saved)


def assets_api(world, client) -> Path_:
    client.force_login(world.county)
    return Path_(list(ASSET_HEADERS), ASSET_ROW, _api(client, "/api/v1/stations/import/assets"), _saved)


def stations_api(world, client) -> Path_:
    client.force_login(world.county)
    return Path_(list(STATION_HEADERS), _station_row(), _api(client, "/api/v1/stations/import"), _saved)


@pytest.mark.parametrize("way_in", [assets_page, assets_cli, assets_api, stations_api], ids=lambda p: p.__name__)
def test_every_bad_file_is_refused_in_chinese_and_saves_nothing(way_in, world, client, tmp_path):
    path = way_in(world, client)
    before = path.saved()
    problems = []
    for bad in bad_files(tmp_path, path.header, path.row):
        with override_settings(**bad.limits):
            status, text = path.send(bad.name, bad.data, tmp_path)
        shown = _visible_text(text)
        if status >= 500 or status not in (0, 200, 422):
            problems.append(f"{bad.name}: HTTP {status}")
        says = (bad.says,) if isinstance(bad.says, str) else bad.says
        if not any(fragment in shown for fragment in says):
            problems.append(f"{bad.name}: none of {says} in {' '.join(shown.split())[-400:]!r}")
        if not CHINESE.search(shown):
            problems.append(f"{bad.name}: no Chinese message")
        if leak := LEAKS.search(shown):
            problems.append(f"{bad.name}: “{leak.group()}” shown")
        if path.saved() != before:
            problems.append(f"{bad.name}: something was saved")
    assert not problems, "\n".join(problems)
