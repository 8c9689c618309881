from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cunzhan.supervision import services
from cunzhan.supervision.models import InspectionPhoto, PhotoKind
from cunzhan.supervision.photos import validate_photo
from cunzhan.supervision.tests.conftest import WHEN, full_marks, jpeg_bytes, upload


@pytest.fixture
def inspection(world):
    return services.inspection_save(
        acting_user=world.supervisor,
        station=world.station_keng,
        year=2026,
        half="H1",
        inspected_at=WHEN,
        ratings=full_marks(),
    )


@pytest.mark.parametrize("fmt,content_type", [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")])
def test_real_images_are_accepted(fmt, content_type):
    assert validate_photo(upload("x.bin", jpeg_bytes(fmt=fmt))) == content_type


def test_non_image_bytes_named_jpg_are_rejected():
    with pytest.raises(ValidationError) as exc:
        validate_photo(upload("门头.jpg", b"MZ\x90\x00 this is not a picture"))
    assert exc.value.messages == ["“门头.jpg”不是有效的图片文件，只接受 JPEG、PNG 或 WebP 照片。"]


def test_other_image_formats_are_rejected():
    with pytest.raises(ValidationError, match="GIF 格式"):
        validate_photo(upload("a.gif", jpeg_bytes(fmt="GIF")))


def test_oversize_photos_are_rejected_with_the_limit_named():
    with pytest.raises(ValidationError) as exc:
        validate_photo(upload("big.jpg", jpeg_bytes() + b"\0" * 2048), max_bytes=1024)
    assert "超过" in exc.value.messages[0] and "上限" in exc.value.messages[0]


def test_default_limit_is_five_megabytes():
    content = jpeg_bytes() + b"\0" * (5 * 1024 * 1024)
    with pytest.raises(ValidationError, match="超过 5 MB"):
        validate_photo(upload("big.jpg", content))


def test_a_typed_photo_is_stored_under_a_random_name(world, inspection, media):
    photo = services.inspection_photo_add(
        acting_user=world.supervisor, inspection=inspection, kind=PhotoKind.STOREFRONT, upload=upload()
    )
    assert photo.content_type == "image/jpeg" and photo.kind == PhotoKind.STOREFRONT
    assert "门头" not in photo.file.name and photo.file.name.endswith(".jpg")
    assert (media / "media" / photo.file.name).exists()


def test_a_rejected_photo_saves_nothing(world, inspection):
    with pytest.raises(ValidationError):
        services.inspection_photo_add(
            acting_user=world.supervisor, inspection=inspection, kind=PhotoKind.LEDGER, upload=upload(content=b"nope")
        )
    assert not InspectionPhoto.objects.exists()


def test_the_photo_kind_is_required(world, inspection):
    with pytest.raises(ValidationError, match="类别"):
        services.inspection_photo_add(
            acting_user=world.supervisor, inspection=inspection, kind="selfie", upload=upload()
        )
