"""Media in an S3-compatible store under the load run (issue 23, "scale-out shown").

``bench_load.py --s3`` starts an S3 server on loopback (moto in server mode, the one the S3 test
uses), points the API processes and both workers at it (``JINBIAO_MEDIA_URL=s3://…``), imports
an image project through the API (originals go to the bucket, the workers make the thumbnails
there) and runs ``viewers`` beside the annotators: clients that fetch item images and thumbnails
through the one port the API processes share. Afterwards ``check_media`` proves from the bucket
and the answers that every original is stored once, every fetched image is byte for byte the
file imported, and every thumbnail the workers were asked for exists.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
from peers import loadgen

BUCKET = "jinbiao-media"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass
class S3Store:
    endpoint: str
    prefix: str

    @property
    def env(self) -> dict[str, str]:
        """What the API processes and workers need to keep media in the bucket."""
        return {
            **CREDENTIALS,
            "JINBIAO_MEDIA_URL": f"s3://{BUCKET}/{self.prefix}",
            "JINBIAO_S3_ENDPOINT_URL": self.endpoint,
        }

    def keys(self) -> list[str]:
        import boto3

        client = boto3.client("s3", endpoint_url=self.endpoint, **_boto_credentials())
        keys: list[str] = []
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=BUCKET, Prefix=self.prefix + "/"
        ):
            keys.extend(entry["Key"] for entry in page.get("Contents", []))
        return keys


@contextmanager
def s3_server() -> Iterator[S3Store]:
    """A moto S3 server on a free loopback port with an empty bucket, stopped at the end."""
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # not a line per S3 request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        boto3.client("s3", endpoint_url=endpoint, **_boto_credentials()).create_bucket(
            Bucket=BUCKET
        )
        yield S3Store(endpoint, f"load-{uuid.uuid4().hex[:8]}")
    finally:
        server.stop()


def _boto_credentials() -> dict[str, str]:
    return {
        "aws_access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "region_name": CREDENTIALS["AWS_DEFAULT_REGION"],
    }


@dataclass
class ImageProject:
    project_id: int
    digests: dict[int, str]  # item id -> sha256 of the imported file


def add_image_project(base: str, owner, org_id: int, images: int) -> ImageProject:
    """An image project of ``images`` distinct PNGs imported through the API (batches of 50)."""
    from PIL import Image

    headers = owner.headers
    digests_by_name: dict[str, str] = {}
    with httpx.Client(base_url=base, timeout=300) as http:
        created = http.post(
            f"/api/v1/orgs/{org_id}/projects",
            json={
                "name": "Load images",
                "kind": "image_classification",
                "labels": [{"name": "ok"}, {"name": "ng"}],
                "overlap": 1,
                "gold_rate": 0.0,
            },
            headers=headers,
        )
        created.raise_for_status()
        project_id = created.json()["id"]
        rng = random.Random(23)
        for start in range(0, images, 50):
            files = []
            for n in range(start, min(start + 50, images)):
                picture = Image.new("RGB", (320, 240), tuple(rng.randrange(256) for _ in range(3)))
                picture.putpixel((n % 320, n // 320 % 240), (255, 255, 255))  # each one distinct
                buffer = io.BytesIO()
                picture.save(buffer, format="PNG")
                name = f"part-{n:05d}.png"
                digests_by_name[name] = hashlib.sha256(buffer.getvalue()).hexdigest()
                files.append(("files", (name, buffer.getvalue(), "application/octet-stream")))
            imported = http.post(
                f"/api/v1/projects/{project_id}/items", files=files, headers=headers
            )
            imported.raise_for_status()
        digests: dict[int, str] = {}
        cursor = None
        while True:
            params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
            page = http.get(f"/api/v1/projects/{project_id}/items", params=params, headers=headers)
            page.raise_for_status()
            body = page.json()
            for item in body["items"]:
                digests[item["id"]] = digests_by_name[item["external_id"]]
            cursor = body.get("next_cursor")
            if not cursor:
                break
    return ImageProject(project_id, digests)


@dataclass
class MediaTally:
    latency: dict[str, list[float]] = field(default_factory=lambda: {"media": [], "thumbnail": []})
    statuses: dict[str, int] = field(default_factory=dict)
    fetched: int = 0
    wrong_bytes: list[int] = field(default_factory=list)
    thumbnails_served: set[int] = field(default_factory=set)

    def count(self, key: str) -> None:
        self.statuses[key] = self.statuses.get(key, 0) + 1


async def viewer(
    port: int, headers: dict[str, str], project: ImageProject, tally: MediaTally, stop: float
) -> None:
    """Fetch a random item's image (checked against the imported file) and its thumbnail."""
    conn = loadgen.Connection("127.0.0.1", port)
    ids = list(project.digests)
    try:
        while time.monotonic() < stop:
            item_id = random.choice(ids)
            for what in ("media", "thumbnail"):
                started = time.perf_counter()
                try:
                    status, body, _ = await asyncio.wait_for(
                        conn.request("GET", f"/api/v1/items/{item_id}/{what}", headers=headers),
                        60,
                    )
                except (TimeoutError, OSError, asyncio.IncompleteReadError, loadgen.HttpError):
                    await conn.close()
                    tally.count(f"{what} error")
                    continue
                tally.latency[what].append(time.perf_counter() - started)
                tally.count(f"{what} {status}")
                if status != 200:
                    continue
                if what == "media":
                    tally.fetched += 1
                    if hashlib.sha256(body).hexdigest() != project.digests[item_id]:
                        tally.wrong_bytes.append(item_id)
                else:
                    tally.thumbnails_served.add(item_id)
            await asyncio.sleep(0.2)
    finally:
        await conn.close()


def check_media(store: S3Store, project: ImageProject, tally: MediaTally) -> list[str]:
    """Lines for the report: what the bucket holds against what was imported and served."""
    keys = store.keys()
    originals = [k for k in keys if k.endswith(".png")]
    thumbnails = [k for k in keys if k.endswith(".thumb.webp")]
    clean = (
        len(originals) == len(project.digests)
        and not tally.wrong_bytes
        and len(thumbnails) >= len(tally.thumbnails_served)
    )
    return [
        f"- S3 media: {len(project.digests)} images imported through the API; the bucket holds "
        f"{len(originals)} originals and {len(thumbnails)} thumbnails (made by the workers); "
        f"{tally.fetched} images fetched through the API, {len(tally.wrong_bytes)} differing "
        f"from the imported file; thumbnails served for {len(tally.thumbnails_served)} items; "
        f"media check {'passed' if clean else 'FAILED'}",
    ]
