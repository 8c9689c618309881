"""The job engine in process (Huey's immediate queue): long work started from the pages and the API,
its progress and outcome read from the job's row, retries with back-off, the sweeper taking back a job
whose worker's lease passed. The killed worker is in test_job_worker.py."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from cunzhan.core.jobs import job_enqueue, job_run, jobs_prune, jobs_sweep
from cunzhan.core.models import Job, JobState
from cunzhan.ledgers.models import ProxyPurchase
from cunzhan.ledgers.tests.helpers import PURCHASE_HEADER, purchase_rows, write_csv
from cunzhan.reports import services as report_services
from cunzhan.reports.models import TransmissionStatus


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


@pytest.mark.django_db
def test_a_large_import_runs_as_a_job_and_its_page_reads_the_job(
    world, client, media, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("cunzhan.ledgers.views.SYNC_IMPORT_BYTES", 10)
    client.force_login(world.keeper)
    path = write_csv(media / "a.csv", PURCHASE_HEADER, purchase_rows())
    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as handle:
        response = client.post("/ledgers/purchase/import/", {"file": handle})
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == f"/ledgers/imports/{job.pk}/"
    assert (job.kind, job.state, job.attempts) == ("ledgers.import", JobState.DONE, 1)
    assert job.result["rows_created"] == 4
    assert "导入完成：读取 4 行，新增 4 行" in client.get(response["Location"]).content.decode()
    assert ProxyPurchase.objects.count() == 4
    # someone else's job is not found, on the page and in the API
    client.force_login(world.other_keeper)
    assert client.get(response["Location"]).status_code == 404
    assert client.get(f"/api/v1/jobs/{job.pk}").status_code == 404


@pytest.mark.django_db
def test_a_file_with_errors_fails_its_job_at_once_with_every_error_kept(
    world, client, media, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("cunzhan.ledgers.views.SYNC_IMPORT_BYTES", 10)
    client.force_login(world.keeper)
    rows = purchase_rows()
    rows[0][1] = "2025-02-30"
    path = write_csv(media / "bad.csv", PURCHASE_HEADER, rows)
    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as handle:
        response = client.post("/ledgers/purchase/import/", {"file": handle})
    page = client.get(response["Location"]).content.decode()
    job = Job.objects.get()
    assert (job.state, job.attempts) == (JobState.FAILED, 1), (job.message, job.result)  # bad input: not retried
    assert "文件有 1 处错误，未保存任何数据" in page
    assert not ProxyPurchase.objects.exists()


@pytest.mark.django_db
def test_a_big_export_is_written_by_a_job_and_downloaded_when_ready(
    world, client, media, monkeypatch, django_capture_on_commit_callbacks
):
    from cunzhan.ledgers.importers import import_ledger

    import_ledger(
        acting_user=world.keeper, kind="purchase", source=write_csv(media / "a.csv", PURCHASE_HEADER, purchase_rows())
    )
    monkeypatch.setattr("cunzhan.ledgers.views.SYNC_EXPORT_ROWS", 2)
    client.force_login(world.county)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/ledgers/purchase/export/?fmt=csv")
    job = Job.objects.get(kind="ledgers.export")
    assert response["Location"] == f"/jobs/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "下载" in page and f"/jobs/{job.pk}/download/" in page
    download = client.get(f"/jobs/{job.pk}/download/")
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    assert len(text.strip().splitlines()) == 5 and "138****1234" in text
    api = client.get(f"/api/v1/jobs/{job.pk}").json()
    assert (api["state"], api["download"]) == ("done", f"/api/v1/jobs/{job.pk}/download")


@pytest.mark.django_db
def test_the_files_of_jobs_finished_long_ago_are_removed_and_their_download_says_so(
    world, client, media, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from cunzhan.ledgers.importers import import_ledger

    settings.JOB_FILES_DAYS = 7
    import_ledger(
        acting_user=world.keeper, kind="purchase", source=write_csv(media / "a.csv", PURCHASE_HEADER, purchase_rows())
    )
    monkeypatch.setattr("cunzhan.ledgers.views.SYNC_EXPORT_ROWS", 2)
    client.force_login(world.county)
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/ledgers/purchase/export/?fmt=csv")
        client.get("/ledgers/purchase/export/?fmt=xlsx")
    old, recent = Job.objects.filter(kind="ledgers.export").order_by("pk")
    files = {job.pk: media / "media" / job.result["file"] for job in (old, recent)}
    assert all(path.is_file() for path in files.values())
    finished = timezone.now()
    Job.objects.filter(pk=old.pk).update(finished_at=finished - timedelta(days=8))
    Job.objects.filter(pk=recent.pk).update(finished_at=finished - timedelta(days=6))

    assert jobs_prune(now=finished) == 1
    assert not files[old.pk].exists() and files[recent.pk].is_file()
    assert Job.objects.filter(pk=old.pk).exists()  # the record stays
    page = client.get(f"/jobs/{old.pk}/download/")
    assert (
        page.status_code == 410 and "文件已清理（任务完成超过 7 天后自动清理），请重新导出。" in page.content.decode()
    )
    assert "文件已清理" in client.get(f"/jobs/{old.pk}/").content.decode()
    assert client.get(f"/api/v1/jobs/{old.pk}/download").status_code == 404
    assert client.get(f"/jobs/{recent.pk}/download/").status_code == 200
    assert jobs_prune(now=finished) == 0


class Platform:
    """The city platform's receiving address: refuses the first ``failures`` posts, then accepts."""

    def __init__(self, failures: int) -> None:
        self.received: list[dict] = []
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                platform.received.append(json.loads(body))
                status = 503 if len(platform.received) <= failures else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/receive"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.mark.django_db
def test_the_upward_transmission_is_retried_with_back_off_until_the_platform_takes_it(
    world, client, settings, django_capture_on_commit_callbacks
):
    platform = Platform(failures=2)
    settings.UPWARD_ENDPOINT, settings.JOB_RETRY_SECONDS = platform.url, 60
    transmission = report_services.upward_prepare(
        acting_user=world.county, county=world.regions["610828"], kind="register"
    )
    client.force_login(world.county)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/reports/upward/{transmission.pk}/send/")
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.QUEUED, 1)
    assert "第 1 次失败，稍后重试" in job.message
    assert timedelta(seconds=55) < job.not_before - timezone.now() <= timedelta(seconds=60)
    job_run(job.pk)  # too early: its back-off has not passed, nobody takes it
    assert Job.objects.get(pk=job.pk).attempts == 1
    for attempt, wait in ((2, 120), (3, None)):
        Job.objects.filter(pk=job.pk).update(not_before=timezone.now())  # the back-off passes
        job_run(job.pk)
        job.refresh_from_db()
        if wait:
            assert job.attempts == attempt and timedelta(seconds=wait - 5) < job.not_before - timezone.now()
    assert (job.state, job.attempts) == (JobState.DONE, 3)
    transmission.refresh_from_db()
    assert (transmission.status, transmission.attempts, len(platform.received)) == (TransmissionStatus.SENT, 3, 3)
    platform.server.shutdown()


@pytest.mark.django_db
def test_the_api_hands_the_upward_transmission_to_the_same_job_with_its_retries(
    world, client, settings, django_capture_on_commit_callbacks
):
    platform = Platform(failures=1)
    transmission = report_services.upward_prepare(
        acting_user=world.county, county=world.regions["610828"], kind="register"
    )
    client.force_login(world.county)
    settings.UPWARD_ENDPOINT = ""
    refused = client.post(f"/api/v1/reports/upward/{transmission.pk}/send")
    assert refused.status_code == 422 and "未配置上级平台报送地址" in refused.json()["detail"]
    assert not Job.objects.exists()
    settings.UPWARD_ENDPOINT, settings.JOB_RETRY_SECONDS = platform.url, 60
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/api/v1/reports/upward/{transmission.pk}/send")
    assert answer.status_code == 202
    job = Job.objects.get(kind="reports.upward_send")
    assert answer.json() == {"job": job.pk, "status_url": f"/api/v1/jobs/{job.pk}"}
    assert client.get(answer.json()["status_url"]).json()["state"] == "queued"  # the platform failed once
    Job.objects.filter(pk=job.pk).update(not_before=timezone.now())  # its back-off passes
    job_run(job.pk)
    assert client.get(answer.json()["status_url"]).json()["state"] == "done"
    transmission.refresh_from_db()
    assert (transmission.status, transmission.attempts, len(platform.received)) == (TransmissionStatus.SENT, 2, 2)
    client.force_login(world.keeper)  # not the keeper's to send
    assert client.post(f"/api/v1/reports/upward/{transmission.pk}/send").status_code in (403, 404)
    platform.server.shutdown()


@pytest.mark.django_db
def test_a_province_s_assessment_is_computed_by_a_job_started_through_the_api(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/api/v1/assessments/batch", {"region": "61", "year": 2025, "period": "H1"}, content_type="application/json"
        )
    assert answer.status_code == 202
    job = client.get(answer.json()["status_url"]).json()
    assert job["state"] == "done"
    assert job["result"]["summary"] == "已计算 1 个县的考核草稿。"  # 佳县: the only county of 陕西 with stations
    refused = client.post(
        "/api/v1/assessments/batch", {"region": "61", "year": 2025, "period": "Q1"}, content_type="application/json"
    )
    assert refused.status_code == 422
    client.force_login(world.county)
    outside = client.post(
        "/api/v1/assessments/batch", {"region": "36", "year": 2025, "period": "H1"}, content_type="application/json"
    )
    assert outside.status_code == 404


@pytest.mark.django_db
def test_the_sweeper_takes_back_a_job_whose_lease_passed_and_gives_up_after_its_attempts(world, media, settings):
    (media / "media").mkdir()
    path = write_csv(media / "media" / "a.csv", PURCHASE_HEADER, purchase_rows())
    job = job_enqueue(
        kind="ledgers.import",
        params={"kind": "purchase", "file": "a.csv", "name": "a.csv"},
        acting_user=world.keeper,
        max_attempts=2,
    )
    assert path.exists()
    # a worker took it and died: running, attempt 1, lease passed
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, attempts=1, lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert jobs_sweep() == 1
    job.refresh_from_db()
    assert job.state == JobState.DONE  # put back and (immediate queue) done by attempt 2
    assert job.attempts == 2 and ProxyPurchase.objects.count() == 4
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, lease_until=timezone.now() - timedelta(seconds=1))
    jobs_sweep()
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "已尝试 2 次" in job.message
    # a running job whose lease has not passed is left alone
    other = job_enqueue(kind="ledgers.import", params={}, acting_user=world.keeper)
    Job.objects.filter(pk=other.pk).update(
        state=JobState.RUNNING, attempts=1, lease_until=timezone.now() + timedelta(minutes=1)
    )
    assert jobs_sweep() == 0
