from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cunzhan.core.dates import SHANGHAI as SH
from cunzhan.supervision.rating_items import RATING_ITEMS

WHEN = datetime(2026, 6, 20, 10, 30, tzinfo=SH)


def full_marks() -> dict:
    return {item.key: (item.max, "") for item in RATING_ITEMS}


def jpeg_bytes(size=(8, 8), fmt="JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name="门头.jpg", content=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, jpeg_bytes() if content is None else content, content_type=content_type)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path
