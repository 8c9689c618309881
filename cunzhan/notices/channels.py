"""Channels beyond the notice list (docs/notices.md): e-mail through Django's mail framework, SMS through a
provider's HTTP interface (Aliyun 短信服务 SendSms), and a WeChat Work (企业微信) group robot's webhook.

An adapter has a name, says where a recipient is reached (``address``: None when it cannot be, with the
reason) and sends one message (``send``: returns, or raises :class:`DeliveryError` with the reason). It
never retries: the delivery log does (:func:`cunzhan.notices.services.deliveries_send_due`), with back-off.
Personal numbers are read at the moment of sending and never written anywhere but to the provider.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _

from cunzhan.core import privacy
from cunzhan.notices.models import Channel, ReminderSettings

TIMEOUT_SECONDS = 10


class DeliveryError(Exception):
    """The channel could not deliver; the message is the reason the delivery log shows."""


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    link: str  # an absolute address when SITE_URL is set, else the path

    def text(self) -> str:
        return "\n".join(part for part in (self.title, self.body, self.link) if part)


@dataclass(frozen=True)
class Address:
    real: str  # used to send, never stored
    masked: str  # what the delivery log keeps


class Adapter(Protocol):
    name: str

    def address(self, recipient: Any, county: ReminderSettings) -> Address | str:
        """Where the recipient is reached, or the reason it cannot be (kept in the log as 未发送)."""

    def send(self, address: Address, message: Message) -> None:
        """Deliver or raise DeliveryError."""


def _post_json(url: str, data: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 (an https address from the settings)
        url, data=json.dumps(data, ensure_ascii=False).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return json.loads(response.read() or b"{}")
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}"[:400]) from exc


class EmailAdapter:
    """E-mail through Django's mail framework (``EMAIL_URL``: smtp://user:password@host:port)."""

    name = Channel.EMAIL

    def address(self, recipient: Any, county: ReminderSettings) -> Address | str:
        if not recipient.email:
            return _("账号没有电子邮箱")
        local, _at, domain = recipient.email.partition("@")
        return Address(recipient.email, f"{local[:2]}***@{domain}")

    def send(self, address: Address, message: Message) -> None:
        mail = EmailMessage(
            subject=message.title, body=message.text(), from_email=settings.DEFAULT_FROM_EMAIL, to=[address.real]
        )
        try:
            mail.send()
        except (OSError, ValueError) as exc:  # smtplib's errors are OSErrors
            raise DeliveryError(f"{type(exc).__name__}: {exc}"[:400]) from exc


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    """Aliyun's RPC signature (HMAC-SHA1 over the sorted, RFC 3986-encoded parameters; 签名机制 of the SMS
    service's API reference): base64 of HMAC-SHA1 with key ``secret + "&"``."""

    def encode(value: str) -> str:
        return urllib.parse.quote(value, safe="~")

    canonical = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{encode('/')}&{encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsAdapter:
    """SMS by Aliyun's 短信服务 (dysmsapi, Action=SendSms, Version=2017-05-25): a GET with the signed
    parameters; the answer's ``Code`` is ``OK`` when accepted. The county's approved template must hold
    one variable, ``${title}`` (docs/notices.md)."""

    name = Channel.SMS

    def __init__(self) -> None:
        self.endpoint = settings.NOTICE_SMS_ENDPOINT
        self.key_id = settings.NOTICE_SMS_ACCESS_KEY_ID
        self.secret = settings.NOTICE_SMS_ACCESS_KEY_SECRET
        self.sign_name = settings.NOTICE_SMS_SIGN_NAME
        self.template = settings.NOTICE_SMS_TEMPLATE

    def address(self, recipient: Any, county: ReminderSettings) -> Address | str:
        phone = privacy.normalize_mobile(recipient.phone or "")
        if not phone or not privacy.is_mobile(phone):
            return _("账号没有手机号")
        return Address(phone, privacy.mask_mobile(phone))

    def send(self, address: Address, message: Message) -> None:
        params = {
            "AccessKeyId": self.key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": address.real,
            "RegionId": "cn-hangzhou",
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": self.template,
            "TemplateParam": json.dumps({"title": message.title[:35]}, ensure_ascii=False),
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        params["Signature"] = aliyun_signature(params, self.secret)
        url = f"{self.endpoint}?{urllib.parse.urlencode(params, quote_via=urllib.parse.quote)}"
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            answer = _read_error(exc)
        except (OSError, ValueError) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}"[:400]) from exc
        if answer.get("Code") != "OK":
            raise DeliveryError(f"{answer.get('Code', '?')}: {answer.get('Message', '')}"[:400])


def _read_error(exc: urllib.error.HTTPError) -> dict[str, Any]:
    try:
        return json.loads(exc.read() or b"{}")
    except ValueError:
        return {"Code": f"HTTP {exc.code}", "Message": exc.reason}


class WeComAdapter:
    """A WeChat Work group robot (企业微信群机器人): POST {"msgtype": "text", …} to the county's webhook; the
    answer's ``errcode`` is 0 when posted. Only the county office's notices (the digests) go to the group."""

    name = Channel.WECOM

    def address(self, recipient: Any, county: ReminderSettings) -> Address | str:
        if not county.wecom_webhook:
            return _("本县没有设置企业微信群机器人")
        parts = urllib.parse.urlsplit(county.wecom_webhook)
        return Address(county.wecom_webhook, f"{parts.scheme}://{parts.netloc}{parts.path}?key=***")

    def send(self, address: Address, message: Message) -> None:
        answer = _post_json(address.real, {"msgtype": "text", "text": {"content": message.text()}})
        if answer.get("errcode") != 0:
            raise DeliveryError(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}"[:400])


def sms_configured() -> bool:
    return settings.NOTICE_SMS_PROVIDER == "aliyun"


def unconfigured(channel: str) -> str:
    """Why a channel only writes to the delivery log (仅记录), or "" when it sends."""
    if channel == Channel.SMS and not sms_configured():
        return _("未配置短信服务商（NOTICE_SMS_PROVIDER），仅记录，未发送")
    if channel == Channel.EMAIL and not settings.NOTICE_EMAIL_ENABLED:
        return _("未配置邮件服务器（EMAIL_URL），仅记录，未发送")
    return ""


def adapter(channel: str) -> Adapter:
    if channel == Channel.EMAIL:
        return EmailAdapter()
    if channel == Channel.SMS:
        return AliyunSmsAdapter()
    return WeComAdapter()


def absolute(link: str) -> str:
    base = settings.SITE_URL.rstrip("/")
    return f"{base}{link}" if base and link.startswith("/") else link
