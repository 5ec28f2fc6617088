"""Classification by keyboard only, the flow from one item to the next, the two measurements."""

from __future__ import annotations

import base64
import statistics
import time

import pytest
from browser_pngs import part_image
from browser_ui import shot, sign_in, submit_and_capture, wait_item

N_MEASURED = 50
REPORTS = [
    "传感器电压异常，控制柜跳闸。",
    "Spindle bearing worn, replaced and re-aligned.",
    "液压泵漏油，密封圈老化。",
    "Conveyor motor overheats after 2 h of operation.",
    "焊接机器人报警 E-104，送丝不畅。",
]
HOTKEYS = ["e", "m", "o"]
LABEL_OF = {"e": "electrical_fault", "m": "mechanical_fault", "o": "other"}


def keyboard_session(page, project: dict, n: int) -> tuple[list[dict], float]:
    """Label n items with hotkeys and Enter only; returns the submit answers and the seconds."""
    answers: list[dict] = []
    page.on("response", lambda r: answers.append(r) if "/submit" in r.url else None)
    page.goto(f"/#/projects/{project['id']}/annotate")
    start = page.get_by_role("button", name="Start")
    start.wait_for()
    assert page.evaluate("document.activeElement.textContent") == "Start"  # focus is on Start
    started = time.perf_counter()
    page.keyboard.press("Enter")
    current = wait_item(page)
    for i in range(n):
        page.keyboard.press(HOTKEYS[i % 3])
        page.keyboard.press("Enter")
        current = wait_item(page, after=current) if i < n - 1 else current
    page.wait_for_function("n => window.jinbiaoMetrics.submitted >= n", arg=n)
    elapsed = time.perf_counter() - started
    return [a.json() for a in answers], elapsed


def test_text_classification_by_hotkeys_only_and_measurements(page, seed, measurements, artifacts):
    items = [{"text": f"{REPORTS[i % len(REPORTS)]}（#{i}）"} for i in range(N_MEASURED + 5)]
    project = seed.project("text_classification", items)
    sign_in(page, seed.annotator)
    answers, elapsed = keyboard_session(page, project, N_MEASURED + 1)
    assert [a["result"] for a in answers] == [
        {"label": LABEL_OF[HOTKEYS[i % 3]]} for i in range(N_MEASURED + 1)
    ]

    # the first value is Start → first item; the next 50 are Enter → next item interactive
    durations = page.evaluate("window.jinbiaoMetrics.enterToInteractive")[1 : N_MEASURED + 1]
    assert len(durations) == N_MEASURED
    median = statistics.median(durations)
    per_minute = (N_MEASURED + 1) / (elapsed / 60)
    measurements.append(
        f"Enter → next item interactive, median over {N_MEASURED} items: {median:.1f} ms "
        f"(p90 {statistics.quantiles(durations, n=10)[-1]:.1f} ms)"
    )
    measurements.append(
        f"scripted annotator, text classification by hotkeys: "
        f"{per_minute:.0f} annotations per minute"
    )
    shot(page, artifacts, "annotate-text-classification")
    assert median < 1000


def test_measurement_with_network_latency(page, seed, measurements):
    """The same flow over a slower network (Chromium adds 40 ms to every request), where the
    round trips between two items show: one per item now, two before."""
    latency_ms = 40
    items = [{"text": f"{REPORTS[i % len(REPORTS)]}（远程 #{i}）"} for i in range(N_MEASURED + 5)]
    project = seed.project("text_classification", items)
    sign_in(page, seed.annotator)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": latency_ms, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    _answers, elapsed = keyboard_session(page, project, N_MEASURED + 1)
    durations = page.evaluate("window.jinbiaoMetrics.enterToInteractive")[1 : N_MEASURED + 1]
    assert len(durations) == N_MEASURED
    measurements.append(
        f"with {latency_ms} ms added to every request: Enter → next item interactive, median over "
        f"{N_MEASURED}: {statistics.median(durations):.1f} ms; "
        f"{(N_MEASURED + 1) / (elapsed / 60):.0f} annotations per minute"
    )


def test_image_classification_by_hotkeys_only(page, seed, artifacts):
    items = [
        {"image_base64": base64.b64encode(part_image(i)).decode(), "external_id": f"img-{i}.png"}
        for i in range(4)
    ]
    project = seed.project("image_classification", items)
    sign_in(page, seed.annotator)
    answers: list = []
    page.on("response", lambda r: answers.append(r) if "/submit" in r.url else None)
    page.goto(f"/#/projects/{project['id']}/annotate")
    page.get_by_role("button", name="Start").wait_for()
    page.keyboard.press("Enter")
    current = wait_item(page)
    page.keyboard.press("2")
    assert page.locator(".label-button[data-label='dent']").get_attribute("aria-pressed") == "true"
    shot(page, artifacts, "annotate-image-classification")
    for key in "213":
        page.keyboard.press(key)
        page.keyboard.press("Enter")
        current = wait_item(page, after=current)
    page.keyboard.press("Enter")  # no label yet: a hint, nothing is sent
    page.wait_for_selector(".toast-warn")
    page.wait_for_function("() => window.jinbiaoMetrics.submitted >= 3")
    assert [a.json()["result"] for a in answers] == [
        {"label": "dent"},
        {"label": "scratch"},
        {"label": "ok"},
    ]


def _background(request: str) -> bool:
    return any(part in request for part in ("my-stats", "me/earnings", "/heartbeat"))


def test_next_item_follows_submit_with_no_other_round_trip(page, seed):
    """After Enter the page sends one request, submit?next=true, and shows the lease it answers.

    The old item is dimmed in the same task as the key press; the next item comes from the
    submit's answer (``next``), so there is no /next between two items.
    """
    project = seed.project(
        "text_classification", [{"text": f"工单 {i}：电机过热。"} for i in range(4)]
    )
    sign_in(page, seed.annotator)
    page.goto(f"/#/projects/{project['id']}/annotate")
    page.get_by_role("button", name="Start").click()
    current = wait_item(page)
    page.keyboard.press("e")
    requests: list[str] = []
    page.on(
        "request",
        lambda r: (
            requests.append(f"{r.method} {r.url.split('/api/v1/')[-1]}")
            if "/api/v1/" in r.url
            else None
        ),
    )
    with page.expect_response(lambda r: "/submit" in r.url) as info:
        dimmed = page.evaluate("""() => new Promise(resolve => {
            document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));
            resolve(document.getElementById('stage').classList.contains('submitting'));
        })""")
    assert dimmed, "the old item is dimmed in the same task as the key press"
    nxt = wait_item(page, after=current)
    assert nxt != current
    answer = info.value.json()
    assert answer["next"]["assignment_id"] == int(nxt)  # the item shown is the submit's `next`
    assert page.get_attribute("#stage", "data-item-id") == str(answer["next"]["item"]["id"])
    # Not blocking: the stats refresh after the item is shown (my-stats, pay's me/earnings) and
    # pay's fire-and-forget final heartbeat (the last seconds of working time on the item).
    blocking = [r for r in requests if not _background(r)]
    assert blocking == [f"POST assignments/{current}/submit?next=true"], requests

    # the last item: the submit answers next = null and the page says nothing is left, still
    # with one request per item
    current = nxt
    for _ in range(2):
        page.keyboard.press("m")
        page.keyboard.press("Enter")
        current = wait_item(page, after=current)
    page.keyboard.press("m")
    page.keyboard.press("Enter")
    page.wait_for_selector("#stage[data-state='empty']")
    blocking = [r for r in requests if not _background(r)]
    assert len(blocking) == 4 and all("/submit?next=true" in r for r in blocking), requests


def test_empty_state_when_nothing_is_left(page, seed, artifacts):
    project = seed.project("text_classification", [{"text": "唯一的一条：按钮失灵。"}])
    sign_in(page, seed.annotator)
    page.goto(f"/#/projects/{project['id']}/annotate")
    page.get_by_role("button", name="Start").click()
    wait_item(page)
    page.keyboard.press("o")
    page.keyboard.press("Enter")
    page.wait_for_selector("#stage[data-state='empty']")
    assert "Nothing left" in page.inner_text("#stage")
    shot(page, artifacts, "annotate-empty")


@pytest.fixture(scope="session")
def measurements(request):
    lines: list[str] = []
    request.config._jinbiao_measurements = lines  # printed by the terminal summary in conftest
    return lines


def test_undo_redo_skip_and_language_switch_keep_the_item(page, seed):
    project = seed.project(
        "text_classification", [{"text": f"巡检记录 {i}：皮带跑偏。"} for i in range(3)]
    )
    sign_in(page, seed.annotator)
    page.goto(f"/#/projects/{project['id']}/annotate")
    page.get_by_role("button", name="Start").click()
    first = wait_item(page)
    pressed = "document.querySelector('.label-button[aria-pressed=true]')?.dataset.label ?? null"
    page.keyboard.press("e")
    page.keyboard.press("m")
    assert page.evaluate(pressed) == "mechanical_fault"
    page.keyboard.press("Control+z")
    assert page.evaluate(pressed) == "electrical_fault"
    page.keyboard.press("Control+z")
    assert page.evaluate(pressed) is None
    page.keyboard.press("Control+y")
    assert page.evaluate(pressed) == "electrical_fault"

    page.get_by_label("Language").select_option("zh")  # the page is drawn again in Chinese
    page.wait_for_selector("button:has-text('提交')")
    assert wait_item(page) == first  # same lease, same item, same answer so far
    assert page.evaluate(pressed) == "electrical_fault"

    with page.expect_request(lambda r: r.url.endswith(f"/assignments/{first}/skip")):
        page.keyboard.press("Shift+Enter")
    second = wait_item(page, after=first)
    assert second != first
    page.get_by_label("语言").select_option("en")


def test_image_flow_measurement(page, seed, measurements):
    """The same measurement on images: the next item's media is fetched and decoded first."""
    n = 20
    items = [
        {
            "image_base64": base64.b64encode(part_image(i, 1280, 960)).decode(),
            "external_id": f"m{i}.png",
        }
        for i in range(n + 2)
    ]
    project = seed.project("image_classification", items)
    sign_in(page, seed.annotator)
    page.goto(f"/#/projects/{project['id']}/annotate")
    page.get_by_role("button", name="Start").click()
    current = wait_item(page)
    for i in range(n):
        page.keyboard.press("123"[i % 3])
        page.keyboard.press("Enter")
        current = wait_item(page, after=current)
    durations = page.evaluate("window.jinbiaoMetrics.enterToInteractive")[1 : n + 1]
    assert len(durations) == n
    measurements.append(
        f"Enter → next image interactive (1280×960 PNG fetched and decoded), median over {n}: "
        f"{statistics.median(durations):.1f} ms"
    )


def test_a_reload_gives_back_the_answer_in_progress(page, seed):
    """A tester lost a drawn outline to F5: the server hands the same item back after a reload,
    and the page now starts from this tab's draft of it, not from empty; once the item is
    submitted its draft is gone."""
    project = seed.project(
        "text_classification", [{"text": "主轴振动（#1）"}, {"text": "漏油（#2）"}]
    )
    sign_in(page, seed.annotator)
    page.goto(f"/#/projects/{project['id']}/annotate")
    page.get_by_role("button", name="Start").click()
    first = wait_item(page)
    item = page.get_attribute("#stage", "data-item-id")
    page.keyboard.press("m")  # mechanical_fault, not submitted
    pressed = "document.querySelector('.label-button[aria-pressed=true]')?.dataset.label ?? null"
    assert page.evaluate(pressed) == "mechanical_fault"
    page.reload()
    page.get_by_role("button", name="Start").click()
    wait_item(page)
    assert page.get_attribute("#stage", "data-item-id") == item  # the same item back
    assert page.evaluate(pressed) == "mechanical_fault"  # and the answer in progress with it
    answer = submit_and_capture(page)
    assert answer["result"] == {"label": "mechanical_fault"}
    assert first and item
    assert page.evaluate(f"sessionStorage.getItem('jinbiao.draft.{project['id']}.{item}')") is None
