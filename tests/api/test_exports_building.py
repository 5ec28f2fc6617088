"""The parts of a build that make it fast, held to what they replaced: orjson's JSON against the
standard library's, the zip writer against ``zipfile`` and ``unzip``, the written-out split
assignment and index lines against the straightforward code they replaced."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from backend.exports import jsonfast, staging, zip_writer
from backend.exports.formats.base import BuildContext, media_suffix
from backend.exports.index import IndexWriter
from backend.exports.records import ExportItem, ExportRecord
from backend.exports.splits import SPLITS, StratifiedSplitter, most_frequent
from backend.exports.staging import Staging
from backend.kinds import get_kind

_SORTED = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_PLAIN = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

AWKWARD = [
    {"label": "划痕", "x": 1e-05, "y": 1.5e-07, "w": 0.0001, "h": 1e16},
    {"b": [0.1 + 0.2, -0.0, 5e-324, 1e300, 2**53 + 1.0], "a": None, "é": "\x00\x1f\x7f\u2028"},
    {"big": 2**70, "neg": -(2**64), "nan": float("nan"), "inf": float("-inf")},
    {"text": 'quote " backslash \\ tab \t newline \n', "😀": "e-mail 1e+5 0.00001"},
    {"boxes": [{"label": "dent", "x": 859.8, "y": 806.0, "w": 100.6, "h": 103.9}]},
    [1, 2.5, True, False, None, "null"],
    {"": 0, "A": 1, "a": 2, "中": 3, "\uffff": 4, "\U0001f600": 5},
]


def _floats(n: int) -> list[float]:
    rnd = random.Random(7)
    values = []
    for _ in range(n):
        exponent = rnd.randint(-320, 300)
        values.append(rnd.uniform(1, 10) * 10.0**exponent * rnd.choice((1, -1)))
        values.append(round(rnd.uniform(-10, 4000), rnd.randint(0, 6)))
        values.append(100 + rnd.uniform(1, 10) * 10.0 ** rnd.randint(-16, -4))
    return values


@pytest.mark.parametrize("with_orjson", [True, False])
def test_jsonfast_writes_the_standard_librarys_bytes(monkeypatch, with_orjson):
    if not with_orjson:
        monkeypatch.setattr(jsonfast, "orjson", None)
    elif jsonfast.orjson is None:
        pytest.skip("orjson is not installed")
    for value in [*AWKWARD, _floats(5000)]:
        assert jsonfast.dumps(value) == _SORTED(value)
        assert jsonfast.dumps_bytes(value) == _SORTED(value).encode()
        rows = value if isinstance(value, list) else [value]
        if all(isinstance(row, dict) for row in rows):
            assert jsonfast.dumps_ordered(rows) == _PLAIN(rows)


def test_jsonfast_loads_is_json_loads():
    texts = [json.dumps(value) for value in AWKWARD[:2] + AWKWARD[3:]]
    texts += [" [1] ", "123456789012345678901234567890", '"x"', '{"a":1} ']
    for text in texts:
        assert jsonfast.loads(text) == json.loads(text), text
    with pytest.raises(json.JSONDecodeError):
        jsonfast.loads('{"a": 1')


def test_jsonfast_keeps_orjson_for_ordinary_boxes(monkeypatch):
    """Coordinates like 100.00000000000001 are everywhere; they must not send a batch back."""
    if jsonfast.orjson is None:
        pytest.skip("orjson is not installed")

    def refuse(value):
        raise AssertionError("fell back to json")

    monkeypatch.setattr(jsonfast, "_PLAIN", refuse)
    monkeypatch.setattr(jsonfast, "_SORTED", refuse)
    x, w = 859.8, 100.6
    long = [100.00000000000001, 1000.0000000000001, 0.1 + 0.2, x + w, w * 3.3]
    rows = [{"area": w * 3.3, "bbox": [x, 0.5, w, 3.3], "segmentation": [long]}]
    assert "100.00000000000001" in jsonfast.dumps_ordered(rows * 100)
    assert jsonfast.dumps({"boxes": [{"label": "dent", "x": 0.0001, "y": 10.00004}]})


def _entries(tmp_path: Path) -> tuple[Staging, dict[str, bytes]]:
    box = Staging(tmp_path / "work", level=1)
    media = tmp_path / "photo.png"
    media.write_bytes(bytes(range(256)) * 50)
    expected = {"images/1.png": media.read_bytes()}
    box.add_file("images/1.png", media)
    box.add_bytes("README.md", b"# data card\n")
    box.add_bytes("labels/a.txt", b"", compress=False)
    box.add_bytes("标注/说明.txt", "中文\n".encode())
    expected.update(
        {"README.md": b"# data card\n", "labels/a.txt": b"", "标注/说明.txt": "中文\n".encode()}
    )
    stream = box.open_stream("annotations/big.json")
    pieces = [json.dumps({"i": i, "text": "x" * (i % 97)}) + "\n" for i in range(40_000)]
    for piece in pieces:
        stream.write(piece)
    stream.close()
    expected["annotations/big.json"] = "".join(pieces).encode()
    empty = box.open_stream("empty.jsonl")
    empty.close()
    expected["empty.jsonl"] = b""
    return box, expected


def _check(path: Path, expected: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        infos = archive.infolist()
        assert [info.filename for info in infos] == sorted(expected)
        for info in infos:
            assert archive.read(info) == expected[info.filename], info.filename
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.create_system == 3 and info.external_attr == 0o644 << 16
            stored = info.filename.startswith("images/") or info.filename == "labels/a.txt"
            assert info.compress_type == (zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    if shutil.which("unzip"):
        tested = subprocess.run(["unzip", "-tq", str(path)], capture_output=True, text=True)
        assert tested.returncode == 0, tested.stdout + tested.stderr


def test_staged_zip_reads_back_with_zipfile_and_unzip(tmp_path):
    box, expected = _entries(tmp_path)
    try:
        files = {name: (size, sha) for name, size, sha in box.checksums()}
        sha, size = box.write_zip(tmp_path / "out.zip")
    finally:
        box.close()
    for name, data in expected.items():
        assert files[name] == (len(data), hashlib.sha256(data).hexdigest())
    assert sha == hashlib.sha256((tmp_path / "out.zip").read_bytes()).hexdigest()
    assert size == (tmp_path / "out.zip").stat().st_size
    _check(tmp_path / "out.zip", expected)


def test_zip64_records_where_sizes_and_counts_need_them(tmp_path, monkeypatch):
    monkeypatch.setattr(zip_writer, "ZIP64_LIMIT", 1000)
    monkeypatch.setattr(zip_writer, "ZIP_FILECOUNT_LIMIT", 3)
    box, expected = _entries(tmp_path)
    try:
        box.write_zip(tmp_path / "out64.zip")
    finally:
        box.close()
    data = (tmp_path / "out64.zip").read_bytes()
    assert b"PK\x06\x06" in data and b"PK\x06\x07" in data  # ZIP64 end record and locator
    _check(tmp_path / "out64.zip", expected)


def test_the_deflated_bytes_do_not_depend_on_how_a_stream_was_written(tmp_path, monkeypatch):
    text = "".join(f'{{"id":{i},"area":{i * 0.37!r}}},' for i in range(60_000))
    zips = []
    for n, (buffer, piece) in enumerate([(1 << 20, len(text)), (1000, 7), (1 << 16, 4099)]):
        monkeypatch.setattr(staging, "STREAM_BUFFER", buffer)
        box = Staging(tmp_path / f"w{n}", level=1)
        stream = box.open_stream("a.json")
        for start in range(0, len(text), piece):
            stream.write(text[start : start + piece])
        stream.close()
        box.write_zip(tmp_path / f"{n}.zip")
        box.close()
        zips.append((tmp_path / f"{n}.zip").read_bytes())
    assert zips[0] == zips[1] == zips[2]


def _reference_assign(state: dict, fractions: dict, seed: int, stratum: str, key: str) -> str:
    """The split assignment as first written (dicts, ``sum``, ``max``)."""
    counts = state.setdefault(stratum, dict.fromkeys(SPLITS, 0))
    seen = sum(counts.values())
    deficits = {name: max(0.0, fractions[name] * (seen + 1) - counts[name]) for name in SPLITS}
    total = sum(deficits.values())
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64 * total
    chosen = [name for name in SPLITS if fractions[name] > 0][-1]
    for name in SPLITS:
        if deficits[name] <= 0:
            continue
        if draw < deficits[name]:
            chosen = name
            break
        draw -= deficits[name]
    counts[chosen] += 1
    return chosen


def _reference_stratum(result):
    if not result:
        return ""
    if "label" in result:
        return str(result["label"])
    elements = result.get("boxes") or result.get("spans") or []
    if not elements:
        return ""
    counts = Counter(e["label"] for e in elements)
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]


ROW_KINDS = ("text_classification", "image_boxes", "text_spans")


@pytest.mark.parametrize(
    "fractions",
    [
        {"train": 0.8, "val": 0.1, "test": 0.1},
        {"train": 0.7, "val": 0.3},
        {"train": 1.0},
        {"train": 0.34, "val": 0.33, "test": 0.33},
    ],
)
def test_split_assignment_and_strata_are_those_of_the_first_version(fractions):
    rnd = random.Random(11)
    full = {name: float(fractions.get(name, 0.0)) for name in SPLITS}
    splitter = StratifiedSplitter(fractions=fractions, seed=42)
    state: dict = {}
    labels = ["dent", "scratch", "Stain", "划痕", "b"]
    for i in range(3000):
        kind = i % 4
        if kind == 0:
            result = {"label": rnd.choice(labels)}
        elif kind == 1:
            result = {"boxes": [{"label": rnd.choice(labels)} for _ in range(rnd.randint(0, 6))]}
        elif kind == 2:
            result = {"spans": [{"label": rnd.choice(labels)} for _ in range(rnd.randint(0, 3))]}
        else:
            result = None
        # each row's labels as its kind lists them (any kind lists none for no result)
        labels_of = get_kind(ROW_KINDS[kind % 3]).labels_of
        stratum = most_frequent(labels_of(result))
        assert stratum == _reference_stratum(result)
        key = hashlib.sha256(str(i).encode()).hexdigest()
        assert splitter.assign(stratum=stratum, key=key) == _reference_assign(
            state, full, 42, stratum, key
        )


def test_index_lines_are_the_stable_json_of_the_first_version(tmp_path):
    box = Staging(tmp_path / "work", level=1)
    ctx = BuildContext(
        staging=box,
        project_id=1,
        project_name="p",
        kind="image_boxes",
        labels=["dent", "划痕"],
        splits=["train", "val"],
        source="consensus",
        media="url",
        media_root=tmp_path,
        media_base_url="",
        created_at="2026-01-01T00:00:00+00:00",
    )
    index = IndexWriter(ctx)
    labels_of = get_kind("image_boxes").labels_of
    expected = []
    for i, external_id in enumerate([None, 'a "quoted" id', "编号-7", "tab\there", "\x01"]):
        result = {"boxes": [{"label": "划痕", "x": 1.5, "y": 2, "w": 3, "h": 4}] * (i % 3)}
        item = ExportItem(i + 1, external_id, None, "k/x.JPG", 10, 10, "h" * 64, False)
        record = ExportRecord(item, result, 0.9, "consensus", None)
        split = ["train", "val"][i % 2]
        index.add(record, split, labels_of(result) if i % 2 else None)
        line = {
            "item_id": i + 1,
            "external_id": external_id,
            "split": split,
            "labels": sorted(set(labels_of(result))),
            "result_sha256": hashlib.sha256(_SORTED(result).encode()).hexdigest(),
        }
        expected.append(_SORTED(line) + "\n")
    index.finish()
    box.write_zip(tmp_path / "i.zip")
    box.close()
    with zipfile.ZipFile(tmp_path / "i.zip") as archive:
        assert archive.read("index.jsonl").decode() == "".join(expected)


def test_media_suffix_is_that_of_a_posix_path():
    from pathlib import PurePosixPath

    for key in ["a/b/c.JPG", "x.tar.gz", ".hidden", "noext", "a.", "dir.d/file", "", None, "a/b/"]:
        reference = PurePosixPath(key or "").suffix.lower() or ".bin"
        assert media_suffix(key) == reference, key
