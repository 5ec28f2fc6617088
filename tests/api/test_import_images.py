"""Importing images: Pillow checks, limits, zip archives, EXIF orientation; nothing half written."""

from __future__ import annotations

import io
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from backend.settings import get_settings
from support.factories import new_project


def image_bytes(size=(40, 30), fmt="PNG", color=(180, 20, 20), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt, **save)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size: a decompression bomb costs nothing to make."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def zip_of(members: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def upload(client, team, project, files: list[tuple[str, bytes]]):
    return client.post(
        f"/api/v1/projects/{project['id']}/items",
        files=[("files", (name, data, "application/octet-stream")) for name, data in files],
        headers=team.manager.headers,
    )


def listing(client, team, project) -> list[dict]:
    answer = client.get(
        f"/api/v1/projects/{project['id']}/items?limit=200", headers=team.manager.headers
    )
    assert answer.status_code == 200
    assert answer.json()["next_cursor"] is None
    return answer.json()["items"]


def media_files(project) -> list[Path]:
    """Stored media of the project, without the thumbnails a running worker may be adding."""
    root = get_settings().media_root
    folder = root / f"p{project['id']}"
    return sorted(p for p in folder.rglob("*") if p.is_file() and ".thumb." not in p.name)


def staged_uploads() -> list[Path]:
    """Staged media other than thumbnails (which the worker may be writing meanwhile)."""
    staging = get_settings().media_root / ".staging"
    return [p for p in staging.glob("*") if p.suffix != ".webp"] if staging.exists() else []


def assert_nothing_stored(client, team, project) -> None:
    assert listing(client, team, project) == []
    assert media_files(project) == []
    assert staged_uploads() == []


@pytest.fixture
def image_project(client, team):
    return new_project(client, team, "image_boxes")


def test_corrupt_png_is_422_and_leaves_nothing(client, team, image_project):
    good = image_bytes()
    corrupt = good[:40] + bytes(b ^ 0xFF for b in good[40:60]) + good[60:]
    answer = upload(client, team, image_project, [("broken.png", corrupt)])
    assert answer.status_code == 422
    error = answer.json()["detail"][0]
    assert "corrupt" in error["msg"] and error["code"] == "image_format"  # unidentifiable
    assert error["source"] == "broken.png"
    assert_nothing_stored(client, team, image_project)


def test_truncated_jpeg_is_422_and_leaves_nothing(client, team, image_project):
    jpeg = image_bytes((200, 150), "JPEG", quality=90)
    answer = upload(client, team, image_project, [("cut.jpg", jpeg[: len(jpeg) // 2])])
    assert answer.status_code == 422
    assert "truncated" in answer.json()["detail"][0]["msg"]
    assert answer.json()["detail"][0]["code"] == "image_corrupt"
    assert_nothing_stored(client, team, image_project)


def test_twenty_thousand_square_image_is_refused_as_too_large(client, team, image_project):
    answer = upload(client, team, image_project, [("bomb.png", png_claiming(20_000, 20_000))])
    assert answer.status_code == 413
    message = answer.json()["detail"][0]["msg"]
    assert "decompression-bomb guard" in message
    assert answer.json()["detail"][0]["code"] == "image_too_large"
    assert f"{get_settings().max_image_pixels:,}" in message
    assert_nothing_stored(client, team, image_project)


def test_image_just_over_our_pixel_limit_names_its_size(client, team, image_project):
    side = int(get_settings().max_image_pixels ** 0.5) + 1
    answer = upload(client, team, image_project, [("big.png", png_claiming(side, side))])
    assert answer.status_code == 413
    assert f"{side} × {side}" in answer.json()["detail"][0]["msg"]
    assert_nothing_stored(client, team, image_project)


def test_unsupported_format_names_the_accepted_ones(client, team, image_project):
    answer = upload(client, team, image_project, [("anim.gif", image_bytes(fmt="GIF"))])
    assert answer.status_code == 422
    assert "JPEG, PNG, WebP, BMP, TIFF" in answer.json()["detail"][0]["msg"]
    assert answer.json()["detail"][0]["code"] == "image_format"
    assert_nothing_stored(client, team, image_project)


def test_zip_slip_and_absolute_paths_and_symlinks_refuse_the_archive(client, team, image_project):
    for members, links in (
        ({"ok.png": image_bytes(), "../evil.png": image_bytes(color=(1, 2, 3))}, None),
        ({"ok.png": image_bytes(), "/etc/evil.png": image_bytes(color=(1, 2, 3))}, None),
        ({"ok.png": image_bytes()}, {"link.png": "/etc/passwd"}),
    ):
        answer = upload(client, team, image_project, [("hostile.zip", zip_of(members, links))])
        assert answer.status_code == 422, answer.text
        message = answer.json()["detail"][0]["msg"]
        assert "the archive was refused" in message
        assert_nothing_stored(client, team, image_project)
    evil = upload(client, team, image_project, [("a.zip", zip_of({"../evil.png": image_bytes()}))])
    assert "'../evil.png'" in evil.json()["detail"][0]["msg"]
    assert "'..'" in evil.json()["detail"][0]["msg"]


def test_good_zip_imports_with_sizes_and_metadata_then_counts_duplicates(
    client, team, image_project
):
    members = {
        "line1/a.png": image_bytes((64, 48)),
        "line1/b.jpg": image_bytes((100, 30), "JPEG", color=(10, 200, 10)),
        "c.webp": image_bytes((17, 91), "WEBP", color=(10, 10, 200), lossless=True),
        "d.bmp": image_bytes((5, 7), "BMP"),
        "e.tif": image_bytes((33, 22), "TIFF", color=(90, 90, 0)),
        "__MACOSX/line1/._a.png": b"resource fork",
        ".DS_Store": b"junk",
        "meta.csv": (
            b"file,external_id,plant,prelabel\n"
            b'line1/a.png,A-1,Suzhou,"{""boxes"": [{""label"": ""dent"", ""x"": 1, ""y"": 2, '
            b'""w"": 10, ""h"": 10}]}"\n'
        ),
    }
    archive = zip_of(members)
    answer = upload(client, team, image_project, [("batch.zip", archive)])
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"created": 5, "duplicates": 0, "errors": []}
    items = {i["external_id"]: i for i in listing(client, team, image_project)}
    assert {k: (v["width"], v["height"], v["media_type"]) for k, v in items.items()} == {
        "A-1": (64, 48, "image/png"),
        "line1/b.jpg": (100, 30, "image/jpeg"),
        "c.webp": (17, 91, "image/webp"),
        "d.bmp": (5, 7, "image/bmp"),
        "e.tif": (33, 22, "image/png"),  # TIFF is stored as PNG: browsers do not show TIFF
    }
    assert items["A-1"]["meta"] == {"plant": "Suzhou"}
    assert items["A-1"]["prelabel"]["boxes"][0]["label"] == "dent"
    assert len(media_files(image_project)) >= 5

    again = upload(client, team, image_project, [("again.zip", archive)])
    assert again.status_code == 201
    assert again.json() == {"created": 0, "duplicates": 5, "errors": []}
    assert len(listing(client, team, image_project)) == 5
    assert staged_uploads() == []


def test_one_bad_member_does_not_cost_the_others(client, team, image_project):
    archive = zip_of(
        {"good.png": image_bytes(), "bad.png": b"\x89PNG\r\n\x1a\nnot really", "notes.txt": b"x"}
    )
    answer = upload(client, team, image_project, [("mixed.zip", archive)])
    assert answer.status_code == 201
    result = answer.json()
    assert result["created"] == 1
    assert sorted(e["source"] for e in result["errors"]) == [
        "mixed.zip:bad.png",
        "mixed.zip:notes.txt",
    ]


def test_prelabel_box_outside_the_image_is_a_row_error(client, team, image_project):
    archive = zip_of(
        {
            "a.png": image_bytes((20, 20)),
            "meta.jsonl": (
                b'{"file": "a.png", "prelabel": {"boxes": [{"label": "dent", "x": 15, "y": 0, '
                b'"w": 10, "h": 5}]}}\n'
            ),
        }
    )
    answer = upload(client, team, image_project, [("p.zip", archive)])
    assert answer.status_code == 422
    error = answer.json()["detail"][0]
    assert error["loc"][-4:] == ["prelabel", "boxes", 0, "w"]
    assert_nothing_stored(client, team, image_project)


def test_metadata_for_a_missing_file_refuses_nothing_else(client, team, image_project):
    archive = zip_of({"a.png": image_bytes(), "meta.csv": b"file,external_id\nb.png,B\n"})
    answer = upload(client, team, image_project, [("m.zip", archive)])
    assert answer.status_code == 201
    assert answer.json()["created"] == 1
    assert "'b.png', which is not in the archive" in answer.json()["errors"][0]["message"]


def test_exif_orientation_is_applied_before_storing(client, team, image_project):
    image = Image.new("RGB", (40, 20), "white")
    image.paste((255, 0, 0), (0, 0, 10, 20))  # red band on the left edge
    exif = image.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), quality=95)
    answer = upload(client, team, image_project, [("phone.jpg", buffer.getvalue())])
    assert answer.status_code == 201, answer.text
    (item,) = listing(client, team, image_project)
    assert (item["width"], item["height"]) == (20, 40)
    media = client.get(item["media_url"], headers=team.manager.headers)
    stored = Image.open(io.BytesIO(media.content))
    assert stored.size == (20, 40)
    assert stored.getexif().get(0x0112, 1) == 1
    assert stored.getpixel((10, 2))[0] > 200 and stored.getpixel((10, 2))[1] < 60  # band on top


def test_file_and_member_limits_are_413(client, team, image_project, monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(settings, "max_file_bytes", 200)
    big = image_bytes((300, 300), "PNG", color=None)
    answer = upload(client, team, image_project, [("big.png", big)])
    assert answer.status_code == 413
    assert "JINBIAO_MAX_FILE_BYTES" in answer.json()["detail"][0]["msg"]
    in_zip = upload(client, team, image_project, [("z.zip", zip_of({"big.png": big}))])
    assert in_zip.status_code == 413
    monkeypatch.setattr(settings, "max_file_bytes", 10_000_000)
    monkeypatch.setattr(settings, "max_zip_members", 2)
    three = zip_of({f"{i}.png": image_bytes(color=(i, i, i)) for i in range(3)})
    members = upload(client, team, image_project, [("three.zip", three)])
    assert members.status_code == 413
    assert "JINBIAO_MAX_ZIP_MEMBERS" in members.json()["detail"][0]["msg"]
    assert_nothing_stored(client, team, image_project)


def test_image_into_a_text_project_is_a_row_error(client, team):
    project = new_project(client, team, "text_spans")
    answer = upload(client, team, project, [("a.png", image_bytes())])
    assert answer.status_code == 422
    assert "labels texts" in answer.json()["detail"][0]["msg"]
    texts = upload(
        client, team, new_project(client, team, "image_classification"), [("t.csv", b"text\nhi\n")]
    )
    assert texts.status_code == 422


def test_not_a_zip_despite_its_name(client, team, image_project):
    answer = upload(client, team, image_project, [("fake.zip", b"this is not an archive")])
    assert answer.status_code == 422
    assert "not a valid zip archive" in answer.json()["detail"][0]["msg"]


def test_base64_images_and_duplicates_across_json_and_upload(client, team, image_project):
    import base64

    data = image_bytes((9, 9))
    body = {"items": [{"image_base64": "data:image/png;base64," + base64.b64encode(data).decode()}]}
    url = f"/api/v1/projects/{image_project['id']}/items"
    first = client.post(url, json=body, headers=team.manager.headers)
    assert first.json() == {"created": 1, "duplicates": 0, "errors": []}
    second = upload(client, team, image_project, [("same.png", data)])
    assert second.json() == {"created": 0, "duplicates": 1, "errors": []}
    bad = client.post(url, json={"items": [{"image_base64": "!!!"}]}, headers=team.manager.headers)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "items", 0, "image_base64"]


def test_losing_a_race_counts_a_duplicate_and_removes_its_file(
    client, team, image_project, monkeypatch
):
    from backend.items import importer

    data = image_bytes((21, 13))
    assert upload(client, team, image_project, [("a.png", data)]).json()["created"] == 1
    files_before = media_files(image_project)

    def nothing_known(*, session, project, rows):  # as if a concurrent import committed first
        return list(rows), 0

    monkeypatch.setattr(importer, "_split_duplicates", nothing_known)
    again = upload(client, team, image_project, [("b.png", data)])
    assert again.status_code == 201
    assert again.json() == {"created": 0, "duplicates": 1, "errors": []}
    assert media_files(image_project) == files_before
    assert staged_uploads() == []


def test_a_failing_insert_leaves_no_file_and_no_row(client, team, image_project, monkeypatch):
    from backend.items import importer

    def broken(session, rows):
        raise RuntimeError("database went away")

    monkeypatch.setattr(importer, "insert_new", broken)
    with pytest.raises(RuntimeError, match="database went away"):
        upload(
            client, team, image_project, [("a.png", image_bytes()), ("b.png", image_bytes((3, 3)))]
        )
    monkeypatch.undo()
    assert_nothing_stored(client, team, image_project)
