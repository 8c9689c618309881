"""The channels against real servers on this machine: e-mail to an SMTP server (aiosmtpd), the WeChat Work
robot's webhook and Aliyun's SMS interface to HTTP servers (http.server) — one answering as the provider
does, one failing — never a stand-in for the channel code itself."""

from __future__ import annotations

import json
import socket
import threading
import urllib.parse
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from cunzhan.notices.channels import aliyun_signature
from cunzhan.notices.models import Channel, Delivery, DeliveryStatus, Notice, NoticeKind, ReminderSettings
from cunzhan.notices.services import deliveries_send_due, notices_generate
from cunzhan.notices.tests.conftest import at

MOMENT = at(2026, 12, 3, 9)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.NOTICE_EMAIL_ENABLED = True
    yield box
    controller.stop()


class Recorder:
    """An HTTP server on a free port recording what it was sent; ``answer(handler)`` gives (status, JSON)."""

    def __init__(self, answer) -> None:
        self.requests: list[dict] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                recorder.requests.append({"path": self.path, "body": body, "method": self.command})
                status, data = answer(self)
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _reply

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def http_server():
    made = []

    def start(answer):
        made.append(Recorder(answer))
        return made[-1]

    yield start
    for server in made:
        server.close()


def county_settings(world, **values):
    return ReminderSettings.objects.create(county=world.regions["610828"], **values)


@pytest.mark.django_db
def test_a_reminder_goes_by_e_mail_to_a_real_smtp_server(monthly_only, smtp_server):
    monthly_only.keeper.email = "wang.keeper@example.cn"
    monthly_only.keeper.save()
    county_settings(monthly_only, sms=False)
    notices_generate(at=MOMENT)
    assert deliveries_send_due(now=MOMENT)[DeliveryStatus.SENT] == 1
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["wang.keeper@example.cn"]
    mail = message_from_bytes(envelope.content)
    assert str(make_header(decode_header(mail["Subject"]))) == "请在 12月5日 前提交 11月 月报"
    delivery = Delivery.objects.get(channel=Channel.EMAIL, status=DeliveryStatus.SENT)
    assert delivery.address == "wa***@example.cn"  # the log keeps it masked
    # the county office of 佳县 has no e-mail: skipped with the reason, nothing sent (it had nothing due either)
    assert not Delivery.objects.filter(notice__recipient=monthly_only.county).exists()


@pytest.mark.django_db
def test_without_an_sms_provider_sms_goes_to_the_delivery_log_only_saying_so(monthly_only, second_keeper):
    county_settings(monthly_only, email=False)
    notices_generate(at=MOMENT)
    logged = Delivery.objects.get(notice__recipient=second_keeper, channel=Channel.SMS)
    assert logged.status == DeliveryStatus.LOGGED
    assert "未配置短信服务商" in logged.reason
    assert logged.address == "139****1111"
    # a keeper without a phone is skipped, with the reason logged
    skipped = Delivery.objects.get(notice__recipient=monthly_only.keeper, channel=Channel.SMS)
    assert (skipped.status, skipped.reason) == (DeliveryStatus.SKIPPED, "账号没有手机号")


def test_the_aliyun_signature_is_the_documented_example():
    """The example of Aliyun SMS's signature documentation (签名机制): its parameters and secret give its
    published signature."""
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert aliyun_signature(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def aliyun(handler):
    """Answers as Aliyun's SendSms does: checks the signature with the shared secret."""
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(handler.path).query))
    signature = query.pop("Signature", "")
    if signature != aliyun_signature(query, "s3cret"):
        return 400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}
    if query["PhoneNumbers"] == "13900002222":
        return 200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "invalid mobile number"}
    return 200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5"}


@pytest.mark.django_db
def test_sms_goes_through_aliyun_s_interface_signed(monthly_only, second_keeper, http_server, settings):
    server = http_server(aliyun)
    settings.NOTICE_SMS_PROVIDER = "aliyun"
    settings.NOTICE_SMS_ENDPOINT = server.url
    settings.NOTICE_SMS_ACCESS_KEY_ID, settings.NOTICE_SMS_ACCESS_KEY_SECRET = "LTAI-test", "s3cret"
    settings.NOTICE_SMS_SIGN_NAME, settings.NOTICE_SMS_TEMPLATE = "村站", "SMS_000001"
    county_settings(monthly_only, email=False)
    notices_generate(at=MOMENT)
    assert deliveries_send_due(now=MOMENT)[DeliveryStatus.SENT] == 1
    [request] = server.requests
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(request["path"]).query))
    assert query["PhoneNumbers"] == "13900001111"  # the real number goes to the provider only
    assert json.loads(query["TemplateParam"]) == {"title": "请在 12月5日 前提交 11月 月报"}
    sent = Delivery.objects.get(channel=Channel.SMS, status=DeliveryStatus.SENT)
    assert sent.address == "139****1111"

    # a number the provider refuses: the reason it gave is logged, and retried later
    second_keeper.phone = "13900002222"
    second_keeper.save()
    Delivery.objects.filter(pk=sent.pk).update(status=DeliveryStatus.PENDING, next_attempt_at=MOMENT)
    deliveries_send_due(now=MOMENT)
    sent.refresh_from_db()
    assert sent.status == DeliveryStatus.PENDING
    assert sent.reason == "isv.MOBILE_NUMBER_ILLEGAL: invalid mobile number"
    assert "13900002222" not in json.dumps(list(Delivery.objects.values()), default=str)


def office_digest(world):
    """A digest for 佳县's county office (its notices go to the group robot)."""
    notices_generate(at=at(2026, 12, 6, 9))
    return Notice.objects.get(recipient=world.county, kind=NoticeKind.REPORT_DIGEST)


@pytest.mark.django_db
def test_the_group_robot_posts_the_county_office_s_digest(monthly_only, http_server):
    server = http_server(lambda handler: (200, {"errcode": 0, "errmsg": "ok"}))
    county_settings(
        monthly_only, email=False, sms=False, wecom=True, wecom_webhook=f"{server.url}cgi-bin/webhook/send?key=abc-123"
    )
    digest = office_digest(monthly_only)
    assert deliveries_send_due(now=at(2026, 12, 6, 9))[DeliveryStatus.SENT] == 1
    [request] = server.requests
    assert request["path"] == "/cgi-bin/webhook/send?key=abc-123"
    posted = json.loads(request["body"])
    assert posted["msgtype"] == "text"
    assert posted["text"]["content"].startswith("11月 月报：2 个站点逾期未报")
    delivery = digest.deliveries.get()
    assert delivery.address.endswith("/cgi-bin/webhook/send?key=***")  # the robot's key is a secret too


@pytest.mark.django_db
def test_a_failing_channel_is_retried_with_back_off_then_marked_failed_and_the_county_office_told(
    monthly_only, http_server, smtp_server, settings
):
    settings.NOTICE_RETRY_SECONDS, settings.NOTICE_MAX_ATTEMPTS = 60, 4
    failing = http_server(lambda handler: (200, {"errcode": 93000, "errmsg": "invalid webhook url"}))
    county_settings(monthly_only, sms=False, wecom=True, wecom_webhook=f"{failing.url}send?key=k")
    monthly_only.county.email = "office@jiaxian.gov.cn"
    monthly_only.county.save()
    office_digest(monthly_only)
    start = at(2026, 12, 6, 9)
    robot = Delivery.objects.get(channel=Channel.WECOM)
    tries = []
    for minute in range(0, 16):
        deliveries_send_due(now=start + timedelta(minutes=minute))
        robot.refresh_from_db()
        if robot.attempts > len(tries):
            tries.append(minute)
    # tried at once, then after 1, 2 and 4 minutes (back-off doubling), then given up
    assert tries == [0, 1, 3, 7]
    assert robot.status == DeliveryStatus.FAILED
    assert robot.reason == "已尝试 4 次：errcode 93000: invalid webhook url"
    # the e-mail of the same notice went out at once: a failing channel never holds up another
    mail = Delivery.objects.get(channel=Channel.EMAIL, notice=robot.notice)
    assert mail.status == DeliveryStatus.SENT
    assert len(smtp_server.messages) >= 1
    # and the county office is told, in its notice list, that reminders could not be delivered
    told = Notice.objects.get(recipient=monthly_only.county, kind=NoticeKind.DELIVERY_FAILED)
    assert told.params["count"] == 1
    assert told.link == "/notices/deliveries/?status=failed"
