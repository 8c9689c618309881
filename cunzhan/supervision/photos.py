"""Checking an uploaded photo: really an image (JPEG, PNG or WebP, whatever its name says) and
not larger than the limit. Pillow reads the bytes; the file name and the browser's type are not trusted."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


def max_photo_bytes() -> int:
    return int(getattr(settings, "PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES))


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


def validate_photo(upload, *, max_bytes: int | None = None) -> str:
    """The photo's content type; ValidationError with a clear Chinese message otherwise."""
    max_bytes = max_bytes or max_photo_bytes()
    name = getattr(upload, "name", "") or _("照片")
    size = upload.size
    if size > max_bytes:
        raise ValidationError(
            _("照片“%(name)s”有 %(size)s MB，超过 %(max)s MB 的上限，请压缩后再传。")
            % {"name": name, "size": _megabytes(size), "max": _megabytes(max_bytes)},
            code="too_large",
        )
    if size == 0:
        raise ValidationError(_("照片“%(name)s”是空文件。") % {"name": name}, code="empty")
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            _("“%(name)s”不是有效的图片文件，只接受 JPEG、PNG 或 WebP 照片。") % {"name": name},
            code="not_image",
        ) from exc
    finally:
        upload.seek(0)
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            _("“%(name)s”是 %(format)s 格式，只接受 JPEG、PNG 或 WebP 照片。") % {"name": name, "format": image_format},
            code="format",
        )
    return ALLOWED_FORMATS[image_format]
