"""Media in an S3-compatible store (issue 23 part 5), against a real S3 server the test starts
(moto in server mode, over HTTP on loopback): an image import puts the original in the bucket
and nothing in the local media folder, the API streams it back with its ETag (304 on a match),
a worker process started with the same settings makes the thumbnail in the bucket, and an
export with the media included reads the originals from the bucket."""

from __future__ import annotations

import io
import time
import uuid
import zipfile

import pytest

from backend.settings import get_settings
from support.export_seed import build_now, create_version, download
from support.factories import new_project
from support.fixtures import start_worker, stop_process

moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")

pytestmark = pytest.mark.worker
BUCKET = "jinbiao-media"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _png(color: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def s3(monkeypatch):
    """A moto S3 server on loopback and the settings pointing at a fresh prefix in it."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket=BUCKET)
    prefix = f"run-{uuid.uuid4().hex[:8]}"
    settings = get_settings()
    monkeypatch.setattr(settings, "media_url", f"s3://{BUCKET}/{prefix}")
    monkeypatch.setattr(settings, "s3_endpoint_url", endpoint)
    # A queue of this test's own, so only the worker started below (with S3 settings) takes it.
    monkeypatch.setattr(settings, "queue_name", f"s3-{prefix}")
    try:
        yield client, prefix, endpoint
    finally:
        server.stop()


def _objects(client, prefix: str) -> list[str]:
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix + "/")
    return sorted(entry["Key"] for entry in listed.get("Contents", []))


def test_import_serve_thumbnail_and_export_through_s3(client, team, s3):
    s3_client, prefix, endpoint = s3
    settings = get_settings()
    project = new_project(client, team, "image_classification", overlap=1, gold_rate=0)
    originals = {"red.png": _png((200, 10, 10)), "blue.png": _png((10, 10, 200))}
    answer = client.post(
        f"/api/v1/projects/{project['id']}/items",
        files=[("files", (n, data, "application/octet-stream")) for n, data in originals.items()],
        headers=team.manager.headers,
    )
    assert answer.status_code == 201, answer.text
    items = client.get(
        f"/api/v1/projects/{project['id']}/items", headers=team.manager.headers
    ).json()["items"]
    assert len(items) == 2

    stored = _objects(s3_client, prefix)
    assert len(stored) == 2 and all(key.endswith(".png") for key in stored)
    local = settings.media_root / f"p{project['id']}"
    assert not local.exists() or not any(p.is_file() for p in local.rglob("*"))

    # served through the API, streamed from the bucket, with validators
    served = {}
    for item in items:
        media = client.get(f"/api/v1/items/{item['id']}/media", headers=team.annotators[0].headers)
        assert media.status_code == 200
        assert media.headers["content-type"] == "image/png"
        served[media.content] = media.headers["etag"]
        again = client.get(
            f"/api/v1/items/{item['id']}/media",
            headers={**team.annotators[0].headers, "If-None-Match": media.headers["etag"]},
        )
        assert again.status_code == 304
    assert set(served) == set(originals.values())

    # thumbnails made by a worker process that reads and writes the bucket
    worker = start_worker(
        name="s3",
        env={
            **CREDENTIALS,
            "JINBIAO_MEDIA_URL": settings.media_url,
            "JINBIAO_S3_ENDPOINT_URL": endpoint,
            "JINBIAO_QUEUE_NAME": settings.queue_name,
        },
    )
    try:
        from backend.queue import enqueue

        enqueue("jinbiao.media.thumbnails", [item["id"] for item in items])
        deadline = time.monotonic() + 90
        while sum(".thumb.webp" in key for key in _objects(s3_client, prefix)) < 2:
            assert time.monotonic() < deadline, _objects(s3_client, prefix)
            time.sleep(0.3)
    finally:
        stop_process(worker)
    thumb = client.get(f"/api/v1/items/{items[0]['id']}/thumbnail", headers=team.manager.headers)
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/webp"
    assert thumb.content[:4] == b"RIFF"

    # an export with the media included reads the originals from the bucket
    for _ in items:
        lease = client.post(
            f"/api/v1/projects/{project['id']}/next", headers=team.annotators[0].headers
        )
        assert lease.status_code == 200, lease.text
        label = project["labels"][0]["name"]
        submitted = client.post(
            f"/api/v1/assignments/{lease.json()['assignment_id']}/submit",
            json={"result": {"label": label}, "duration_ms": 1000},
            headers=team.annotators[0].headers,
        )
        assert submitted.status_code == 201, submitted.text
    version = create_version(
        client, project, team.manager.headers, format="folders", source="consensus", media="include"
    )
    build_now(client, version["id"], team.manager.headers)
    archive = zipfile.ZipFile(io.BytesIO(download(client, version["id"], team.manager.headers)))
    images = [archive.read(n) for n in archive.namelist() if n.lower().endswith(".png")]
    assert sorted(images) == sorted(originals.values())
