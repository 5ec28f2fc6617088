"""The data manager in Chromium: the filter lives in the address, an item opens with its
annotations side by side, and a manager marks it gold with the annotators' own label bar."""

from __future__ import annotations

from browser_ui import shot, sign_in

TEXTS = [
    "Motor hums at start",
    "Oil under the press",
    "Belt slips on pulley 3",
    "Fuse blown in cabinet B",
    "Door hinge squeaks",
    "Display flickers",
]


def _label(seed, project_id: int, count: int) -> list[int]:
    """The seed's annotator answers ``count`` items through the API; their ids."""
    done = []
    with seed.client(seed.annotator) as c:
        for _ in range(count):
            lease = c.post(f"/projects/{project_id}/next")
            assert lease.status_code == 200, lease.text
            submitted = c.post(
                f"/assignments/{lease.json()['assignment_id']}/submit",
                json={"result": {"label": "electrical_fault"}, "duration_ms": 800},
            )
            assert submitted.status_code == 201, submitted.text
            done.append(lease.json()["item"]["id"])
    return sorted(done)


def test_filter_in_the_address_open_an_item_and_mark_it_gold(page, seed, artifacts):
    project = seed.project(
        "text_classification",
        [{"text": text, "external_id": f"t-{i}"} for i, text in enumerate(TEXTS)],
        gold_rate=0.1,
    )
    pid = project["id"]
    done = _label(seed, pid, 2)
    sign_in(page, seed.manager)

    page.goto(f"/#/projects/{pid}/data?status=new")
    page.wait_for_selector(".dm-table tbody tr")
    rows = page.locator(".dm-table tbody tr")
    assert rows.count() == len(TEXTS) - 2
    shown = sorted(int(rows.nth(i).get_attribute("data-item-id")) for i in range(rows.count()))
    assert not set(shown) & set(done)
    assert page.locator("[data-gold-warning]").is_visible()  # gold rate 0.1, no gold item
    assert page.get_by_label("Status").input_value() == "new"

    page.get_by_label("Status").select_option("done")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_function("() => location.hash.includes('status=done')")
    page.wait_for_function("() => document.querySelectorAll('.dm-table tbody tr').length === 2")
    ids = page.locator(".dm-table tbody tr").evaluate_all(
        "rows => rows.map(r => Number(r.dataset.itemId))"
    )
    assert sorted(ids) == done
    shot(page, artifacts, "data-manager")

    page.locator(".dm-table tbody tr").first.get_by_role("link", name="Open").click()
    page.wait_for_selector(".dm-annotation")
    assert f"#/items/{ids[0]}?" in page.url and "status=done" in page.url
    card = page.locator(".dm-annotation")
    assert card.count() == 1
    assert "李标注" in card.first.inner_text()
    assert "electrical_fault" in card.first.inner_text()

    editor = page.locator(".dm-gold-editor")
    editor.get_by_role("button", name="other").click()
    with page.expect_response(lambda r: r.url.endswith(f"/projects/{pid}/gold")) as info:
        editor.get_by_role("button", name="Save as gold answer").click()
    assert info.value.status == 200, info.value.text()
    page.wait_for_selector("[data-gold-answer]")
    assert "other" in page.locator("[data-gold-answer]").inner_text()
    shot(page, artifacts, "item-view-gold")
    with seed.client(seed.manager) as c:
        gold = c.get(f"/projects/{pid}/gold").json()
        assert [(g["item_id"], g["answer"]) for g in gold] == [(ids[0], {"label": "other"})]
        item = c.get(f"/items/{ids[0]}").json()
        assert item["is_gold"] and item["gold"]["answer"] == {"label": "other"}

    page.get_by_role("button", name="Next →").click()
    page.wait_for_function(f"() => location.hash.startsWith('#/items/{ids[1]}?')")
    page.wait_for_selector(".dm-annotation")
    assert "status=done" in page.url
