"""Polygons kept as arrays at both ends of the recompute: answers read from their stored JSON
text straight into a ``PolygonTable`` (``table_from_json``) equal the table flattened from the
parsed dicts, column for column and bit for bit; the consensus written as JSON text from its
arrays (``json_texts``, ``ConsensusResults``) equals ``json.dumps`` of the result dicts,
character for character; and the lazy results behave as the list of dicts they stand for."""

from __future__ import annotations

import json

import numpy as np
import pytest

from quality.polygons import (
    ConsensusResults,
    PolygonTable,
    fuse_results,
    json_texts,
    table_from_json,
)
from tests.quality.test_polygons_batched import random_answer, random_truth

COLUMNS = (
    "answer_item",
    "answer_ok",
    "polygon_answer",
    "polygon_label",
    "ring_polygon",
    "ring_hole",
    "ring_offsets",
)


def crowd(seed: int, n_items: int = 120) -> tuple[list, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    rows = []
    for item in range(n_items):
        h, w = (int(v) for v in rng.integers(8, 90, 2))
        truth = random_truth(rng, h, w)
        for _ in range(int(rng.integers(1, 5))):
            rows.append((item, random_answer(rng, h, w, truth), h, w))
    rows = [rows[i] for i in rng.permutation(len(rows)).tolist()]
    return (
        [r[1] for r in rows],
        np.array([r[0] for r in rows]),
        np.array([r[2] for r in rows]),
        np.array([r[3] for r in rows]),
    )


def jsonb_order(value):
    """Keys as PostgreSQL's ``jsonb`` prints them: shorter first, then by bytes."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (len(k.encode()), k.encode()))
        return {k: jsonb_order(value[k]) for k in keys}
    if isinstance(value, list):
        return [jsonb_order(v) for v in value]
    return value


def assert_same_table(got: PolygonTable | None, want: PolygonTable) -> None:
    assert got is not None
    for name in COLUMNS:
        assert np.array_equal(getattr(got, name), getattr(want, name)), name
    assert got.xy.shape == want.xy.shape
    assert np.array_equal(got.xy.view(np.int64), want.xy.view(np.int64))  # bit for bit
    assert got.labels == want.labels


@pytest.mark.parametrize(
    "encode",
    [
        json.dumps,  # SQLite: as SQLAlchemy wrote it
        lambda r: json.dumps(jsonb_order(r)),  # PostgreSQL: result::text of jsonb
        lambda r: json.dumps(r, separators=(",", ":")).encode(),  # compact bytes
        lambda r: json.dumps(r, indent=2, ensure_ascii=False),  # white space, raw UTF-8
    ],
)
def test_table_from_json_equals_flattened_dicts(encode) -> None:
    results, items, _, _ = crowd(7)
    results = [*results, None, {}, {"ok": None}, {"polygons": None, "ok": False}]
    results.append({"polygons": [], "ok": True, "note": {"a": [1, "]", {"b": '}\\"'}]}})
    results.append(
        {
            "polygons": [
                {"label": '划痕 "x"', "points": [[1e-05, 2], [3.5e2, -0.0], [0.1, 7]]},
                {
                    "label": "b",
                    "holes": [],
                    "points": [[312.70833333333337, 1.0000000000000002], [4, 5], [6, 1]],
                },
                {"points": [[1, 1], [2, 2], [3, 1]], "label": "a", "holes": None},
            ]
        }
    )
    items = np.r_[items, np.arange(6) + 1000]
    want = PolygonTable.from_results(results, items=items)
    got = table_from_json([encode(r) for r in results], items=items)
    assert_same_table(got, want)


@pytest.mark.parametrize(
    "text",
    [
        '{"polygons": [{"label": "a", "points": [[1, 2, 3], [4, 5], [6, 7]]}]}',
        '{"polygons": [{"label": "a", "points": [["1", 2], [4, 5], [6, 7]]}]}',
        '{"polygons": [{"label": 3, "points": [[1, 2], [4, 5], [6, 7]]}]}',
        '{"polygons": {"label": "a"}}',
        '{"ok": 1}',
        '{"polygons": [{"label": "a", "points": [[1, 2], [4, 5], [6, 7]]}',
        '{"polygons": [], "polygons": []}',
    ],
)
def test_table_from_json_leaves_other_shapes_to_the_dicts(text: str) -> None:
    assert table_from_json([text]) is None


def test_fuse_results_from_text_equals_from_dicts() -> None:
    results, items, heights, widths = crowd(11)
    weights = np.random.default_rng(3).uniform(0, 1, len(results))
    texts = [json.dumps(jsonb_order(r)) for r in results]
    from_dicts = fuse_results(results, items, weights, height=heights, width=widths)
    from_text = fuse_results(
        [None] * len(results), items, weights, height=heights, width=widths, texts=texts
    )
    assert from_text.results(with_confidence=True) == from_dicts.results(with_confidence=True)
    assert np.array_equal(from_text.answer_score, from_dicts.answer_score)
    assert np.array_equal(from_text.confidence, from_dicts.confidence)
    # a text the reader does not take: the dicts are flattened instead, same consensus
    texts[0] = texts[0].replace('"polygons"', '"polygons": [], "polygons"', 1)
    assert table_from_json(texts) is None
    again = fuse_results(results, items, weights, height=heights, width=widths, texts=texts)
    assert again.results(with_confidence=True) == from_dicts.results(with_confidence=True)


@pytest.mark.parametrize("with_confidence", [False, True])
def test_json_texts_equal_json_dumps_of_the_results(with_confidence: bool) -> None:
    results, items, heights, widths = crowd(5, n_items=200)
    fused = fuse_results(results, items, height=heights, width=widths)
    dicts = fused.results(with_confidence=with_confidence)
    assert sum(len(r["polygons"]) for r in dicts) > 100
    assert any("holes" in p for r in dicts for p in r["polygons"])
    assert json_texts(fused, with_confidence=with_confidence) == [json.dumps(r) for r in dicts]


def test_json_texts_of_labels_that_need_escaping() -> None:
    square = [[0, 0], [4, 0], [4, 4], [0, 4]]
    results = [
        {"polygons": [{"label": 'é "q" \\ \t', "points": square}]},
        {"polygons": [{"label": 'é "q" \\ \t', "points": square}]},
        {"ok": True},
    ]
    fused = fuse_results(results, [0, 0, 1])
    assert json_texts(fused, with_confidence=True) == [
        json.dumps(r) for r in fused.results(with_confidence=True)
    ]


def test_consensus_results_behave_as_the_list_of_dicts() -> None:
    results, items, heights, widths = crowd(9, n_items=40)
    fused = fuse_results(results, items, height=heights, width=widths)
    dicts = fused.results(with_confidence=True)
    lazy = ConsensusResults(fused, with_confidence=True)
    assert len(lazy) == len(dicts) and lazy == dicts and list(lazy) == dicts
    assert lazy[3] == dicts[3] and lazy[-1] == dicts[-1] and lazy[2:5] == dicts[2:5]
    gold = [{"polygons": [], "ok": True}, {"polygons": [], "ok": False}]
    index = np.array([5, 0, 7])
    taken = lazy.take(index)
    assert taken == [dicts[i] for i in index]
    joined = taken + gold
    assert isinstance(joined, ConsensusResults)
    assert joined == [dicts[5], dicts[0], dicts[7], *gold]
    assert joined.take(np.array([3, 0])) == [gold[0], dicts[5]]
    before = gold + taken
    assert isinstance(before, ConsensusResults)
    assert before == [*gold, dicts[5], dicts[0], dicts[7]]
    assert (before + gold[:1]).json_texts() == [
        json.dumps(r) for r in [*gold, dicts[5], dicts[0], dicts[7], gold[0]]
    ]
    fresh = ConsensusResults(fused, with_confidence=True).take(index) + gold
    assert fresh.json_texts() == [json.dumps(r) for r in joined]


@pytest.mark.parametrize("n_names", [1, 5, 64, 65, 200])
def test_distinct_labels_compiled_equal_the_sorted_keys(n_names: int) -> None:
    """``_distinct_ranges`` groups the label byte ranges the same way whether the compiled
    comparison (up to 64 distinct labels) or the sorted keys (more) do it: labels of every
    length, prefixes of one another, equal bytes at different places."""
    from quality.polygons._table import _distinct_ranges

    rng = np.random.default_rng(n_names)
    names = [("ab" * 20)[: 1 + k % 40] + str(k // 40) * (k % 3) for k in range(n_names)]
    picked = rng.integers(0, n_names, 3000)
    pieces, start, end, at = [], [], [], 0
    for k in picked.tolist():
        gap = b"x" * int(rng.integers(0, 3))
        data = names[k].encode()
        pieces.append(gap + data)
        start.append(at + len(gap))
        end.append(at + len(gap) + len(data))
        at += len(gap) + len(data)
    buf = np.frombuffer(b"".join(pieces), dtype=np.uint8)
    ranges, which = _distinct_ranges(buf, np.array(start), np.array(end))
    raw = buf.tobytes()
    found = [raw[a:b].decode() for a, b in ranges]
    assert sorted(found) == sorted({names[k] for k in picked.tolist()})
    assert [found[w] for w in which.tolist()] == [names[k] for k in picked.tolist()]


@pytest.mark.parametrize(
    "texts",
    [
        ['{"polygons": []}', '{"ok": true}', "", "[1.5, 2]"],
        ["caf\u00e9", '{"label": "\u00e9"}', "plain"],  # not ASCII: encoded one by one
        [b'{"ok": true}', '{"ok": false}'],  # bytes among them
        [],
        [""],
    ],
)
def test_joined_utf8_equals_the_encoded_texts(texts: list) -> None:
    """The joined view (ASCII ``str``: the joined string's own bytes, no copy) holds the texts'
    UTF-8 side by side, each one's size in bytes, and stays valid once every other reference
    to the texts and the joined string is gone."""
    import gc

    from quality.polygons._utf8 import joined_utf8

    expected = [t.encode() if isinstance(t, str) else t for t in texts]
    buf, sizes = joined_utf8([t[:] for t in texts])
    gc.collect()
    assert buf.dtype == np.uint8 and not buf.flags.writeable
    assert buf.tobytes() == b"".join(expected)
    assert sizes.tolist() == [len(e) for e in expected]
    big = [json.dumps({"points": [[i, i * 0.5]] * (i % 7)}) for i in range(2000)]
    buf, sizes = joined_utf8(big)
    del big
    gc.collect()
    assert (
        buf.tobytes()
        == "".join(json.dumps({"points": [[i, i * 0.5]] * (i % 7)}) for i in range(2000)).encode()
    )


@pytest.mark.parametrize("with_confidence", [False, True])
def test_copy_text_filled_in_place_equals_the_lines_of_json_texts(with_confidence: bool) -> None:
    """``copy_text`` counts its bytes first (``results_size``) and writes them into a new
    ``bytes`` object in place: the same lines as the JSON texts framed by their fields, on a
    crowd with holes, negative numbers in the frame, non-ASCII fields and labels that COPY
    must escape."""
    from quality.polygons.results import copy_escape, copy_text

    results, items, heights, widths = crowd(21, n_items=150)
    names = ["dent", 'é "q" \\ \t', "划痕"]
    for k, r in enumerate(results):
        for j, polygon in enumerate(r.get("polygons") or []):
            polygon["label"] = names[(k + j) % 3]
    fused = fuse_results(results, items, height=heights, width=widths)
    texts = json_texts(fused, with_confidence=with_confidence)
    before = [f"{-i}\t" for i in range(len(texts))]
    after = [f"\t{0.1 * i!r}\t{'é' * (i % 3)}\n" for i in range(len(texts))]
    got = copy_text(fused, before, after, with_confidence=with_confidence)
    assert isinstance(got, bytes) and b'"holes"' in got
    want = "".join(f"{b}{copy_escape(t)}{a}" for b, t, a in zip(before, texts, after, strict=True))
    assert got == want.encode()
    assert hash(got) == hash(want.encode())


@pytest.mark.parametrize("miscount", [-40, -1, 1, 40])
def test_copy_text_refuses_a_miscounted_size_without_writing_past_it(
    miscount: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The compiled writer does not check bounds, so it checks room per item itself: with the
    exact size miscounted either way, ``copy_text`` raises instead of writing past the ``bytes``
    it was given (the items whose bounds no longer fit are written to a scratch buffer and
    copied in only when they fill the rest exactly)."""
    from quality.polygons import _format
    from quality.polygons.results import copy_text

    results, items, heights, widths = crowd(23, n_items=40)
    fused = fuse_results(results, items, height=heights, width=widths)
    n = len(fused.ok)
    before, after = [f"{i}\t" for i in range(n)], ["\n"] * n
    exact = copy_text(fused, before, after)
    counted = _format.results_size
    monkeypatch.setattr(_format, "results_size", lambda *a: counted(*a) + miscount)
    with pytest.raises(AssertionError, match="miscounted"):
        copy_text(fused, before, after)
    monkeypatch.setattr(_format, "results_size", counted)
    assert copy_text(fused, before, after) == exact


def test_write_results_stops_before_an_item_that_does_not_fit() -> None:
    """Given less room than the items' bounds, the writer stops before the first item whose
    bound does not fit, having written the ones before it, and resumes from there."""
    from quality.polygons.results import _write, _writer_args

    results, items, heights, widths = crowd(29, n_items=30)
    fused = fuse_results(results, items, height=heights, width=widths)
    args, bounds = _writer_args(fused, with_confidence=False)
    texts = json_texts(fused)
    sizes = np.array([len(t) for t in texts])
    assert (sizes <= bounds).all()
    room = int(sizes[:10].sum() + bounds[10]) - 1  # item 10 does not fit after the first 10
    written = np.r_[0, np.cumsum(sizes)]
    want = next(k for k in range(len(texts)) if written[k] + bounds[k] > room)
    assert 0 < want <= 10
    buffer = np.zeros(room, dtype=np.uint8)
    offsets, stop = _write(buffer, args, bounds)
    assert stop == want
    assert str(buffer[: offsets[stop]].tobytes(), "ascii") == "".join(texts[:stop])
    rest = np.zeros(int(bounds[stop:].sum()), dtype=np.uint8)
    tail, end = _write(rest, args, bounds, first=stop)
    assert end == len(texts)
    assert str(rest[: tail[-1]].tobytes(), "ascii") == "".join(texts[stop:])


def test_new_bytes_is_written_through_its_view() -> None:
    from quality.polygons._utf8 import new_bytes

    data, view = new_bytes(5)
    view[:] = np.frombuffer(b"hello", dtype=np.uint8)
    assert data == b"hello" and type(data) is bytes
    empty, none = new_bytes(0)
    assert empty == b"" and len(none) == 0


def test_table_from_json_in_a_given_order_equals_the_reordered_texts() -> None:
    """``order``: the texts read where they lie, in that order — the same table as from the
    reordered list (labels first met in another order, numbers beyond the fast path too)."""
    results, items, _, _ = crowd(17, n_items=60)
    texts = [json.dumps(jsonb_order(r)) for r in results]
    texts[3] = (
        '{"polygons": [{"label": "zz", "points": [[312.70833333333337, 1], [5, 9], [9, 1]]}]}'
    )
    order = np.argsort(items, kind="stable")
    want = table_from_json([texts[r] for r in order.tolist()], items=items[order])
    assert want is not None
    assert_same_table(table_from_json(texts, items=items[order], order=order), want)
    backwards = order[::-1].copy()
    assert_same_table(
        table_from_json(texts, items=items[backwards], order=backwards),
        table_from_json([texts[r] for r in backwards.tolist()], items=items[backwards]),
    )


def test_int_size_counts_the_digits_the_writer_writes() -> None:
    from quality.polygons._format import _int, _int_size

    values = [0, 1, 9, 10, 99, 100, 999, 1000, 12345, 10**15, -1, -9, -10, -999, -1000, -(10**12)]
    values += np.random.default_rng(2).integers(-(10**9), 10**9, 500).tolist()
    for v in values:
        buf = np.zeros(32, dtype=np.uint8)
        end = _int(buf, 0, v)
        assert buf[:end].tobytes() == str(v).encode()
        assert _int_size(v) == len(str(v))
