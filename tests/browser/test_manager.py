"""Manager pages: create a project with the label editor, upload images with a progress bar."""

from __future__ import annotations

import httpx
from browser_pngs import part_image
from browser_ui import shot, sign_in

N_IMAGES = 26  # more than one batch of 20 files: two uploads, one progress bar


def test_create_project_and_upload_images(page, seed, artifacts, tmp_path):
    page.goto("/#/login")
    shot(page, artifacts, "login")
    sign_in(page, seed.manager)
    page.get_by_role("link", name="New project").first.click()
    page.get_by_label("Name", exact=True).fill("钢板表面缺陷 steel plates")
    page.get_by_label("Kind").select_option("image_boxes")
    page.get_by_label("Instructions").fill("框出划痕和凹坑。Box every scratch and dent.")
    page.get_by_label("Label name 1").fill("scratch")
    page.get_by_label("Hotkey 1").fill("s")
    page.get_by_role("button", name="Add label").click()
    page.get_by_label("Label name 2").fill("dent")
    page.get_by_label("Colour 2").fill("#00aa55")
    page.get_by_label("Hotkey 2").fill("d")
    page.get_by_label("Overlap (annotations per item)").fill("2")
    page.get_by_label("Maximum overlap").fill("3")
    page.get_by_label("Gold rate (0–1)").fill("0.05")
    page.get_by_label("Reward per item").fill("0.12")
    shot(page, artifacts, "project-create")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url("**/#/projects/*/import")
    project_id = int(page.url.split("/projects/")[1].split("/")[0])

    with httpx.Client(
        base_url=f"{seed.base_url}/api/v1",
        headers={"Authorization": f"Bearer {seed.manager.token}"},
    ) as c:
        project = c.get(f"/projects/{project_id}").json()
    assert project["kind"] == "image_boxes"
    assert [(lab["name"], lab["hotkey"]) for lab in project["labels"]] == [
        ("scratch", "s"),
        ("dent", "d"),
    ]
    assert project["labels"][1]["color"].lower() == "#00aa55"
    assert (project["overlap"], project["max_overlap"], project["reward_per_item"]) == (2, 3, 0.12)

    files = []
    for i in range(N_IMAGES):
        path = tmp_path / f"plate-{i:02d}.png"
        path.write_bytes(part_image(i, 800, 600))
        files.append(str(path))
    page.evaluate("""() => { window.__progress = [];
        const bar = document.getElementById('upload-progress');
        new MutationObserver(() => window.__progress.push(Number(bar.value)))
          .observe(bar, { attributes: true }); }""")
    page.get_by_label("Files (images, zip, JSONL, CSV)").set_input_files(files)
    page.get_by_role("button", name="Upload").click()
    page.wait_for_selector("[data-upload-done]")
    assert page.get_attribute("#upload-progress", "data-value") == "100"
    assert page.evaluate("document.getElementById('upload-progress').value") == 100
    seen = page.evaluate("window.__progress")
    assert seen and seen[-1] == 100 and seen == sorted(seen), seen
    assert page.inner_text("[data-total='created']") == str(N_IMAGES)
    assert page.locator(".batch-list li").count() == 3  # two batches and the "finished" line
    shot(page, artifacts, "import")

    page.get_by_role("link", name="Progress").click()
    page.wait_for_selector("[data-figure='items']")
    assert page.inner_text("[data-figure='items']") == str(N_IMAGES)
    shot(page, artifacts, "progress")

    page.get_by_role("link", name="Quality").click()
    page.wait_for_selector(".empty-state, .figures-table")
    shot(page, artifacts, "quality-empty")
    page.get_by_role("link", name="Exports").click()
    page.wait_for_selector(".empty-state, .figures-table")
    shot(page, artifacts, "exports")
    page.get_by_role("link", name="Edit").click()
    page.wait_for_selector(".project-form")
    assert page.get_by_label("Label name 2").input_value() == "dent"


def test_project_list_in_chinese_by_role(page, seed, artifacts):
    seed.project("text_classification", [{"text": "示例"}])
    sign_in(page, seed.manager, lang="zh")
    assert page.inner_text("h1") == "项目"
    assert page.get_by_role("link", name="新建项目").count() >= 1
    shot(page, artifacts, "projects-manager-zh")
    page.get_by_label("语言").select_option("en")
    page.wait_for_selector("h1:text('Projects')")
    assert page.evaluate("localStorage.getItem('jinbiao.lang')") == "en"

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_selector("form h1:text('Sign in')")
    sign_in(page, seed.annotator)
    page.wait_for_selector(".project-row a:text('Start')")  # the list has rendered
    assert page.get_by_role("link", name="New project").count() == 0  # annotators do not manage
    assert page.get_by_role("link", name="Edit").count() == 0
    assert page.locator(".project-row a:text('Start')").count() >= 1
    shot(page, artifacts, "projects-annotator")


def test_language_follows_the_browser_and_upload_errors_are_listed(browser, ui_base_url, seed):
    context = browser.new_context(base_url=ui_base_url, locale="zh-CN")
    page = context.new_page()
    page.goto("/#/login")
    assert page.inner_text("h1") == "登录"
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    context.close()

    project = seed.project("image_classification", [])
    context = browser.new_context(base_url=ui_base_url, locale="en-GB")
    page = context.new_page()
    sign_in(page, seed.manager)
    page.goto(f"/#/projects/{project['id']}/import")
    page.get_by_label("Files (images, zip, JSONL, CSV)").set_input_files(
        [
            {"name": "broken.png", "mimeType": "image/png", "buffer": b"not an image"},
            {"name": "good.png", "mimeType": "image/png", "buffer": part_image(1)},
        ]
    )
    page.get_by_role("button", name="Upload").click()
    page.wait_for_selector("[data-upload-done]")
    assert page.inner_text("[data-total='created']") == "1"
    assert page.inner_text("[data-total='errors']") == "1"
    assert "broken.png" in page.inner_text(".errors-table")
    context.close()


def test_build_a_dataset_version(page, seed, artifacts):
    project = seed.project(
        "text_classification", [{"text": "减速机异响。"}, {"text": "Coolant leak."}]
    )
    sign_in(page, seed.manager)
    page.goto(f"/#/projects/{project['id']}/exports")
    page.wait_for_selector(".empty-state, form")
    if page.locator(".empty-state").count():  # the server has no exports yet
        shot(page, artifacts, "exports")
        return
    page.get_by_label("Format").select_option("raw_jsonl")
    page.get_by_label("Source").select_option("raw")
    page.get_by_role("button", name="Build").click()
    row = page.wait_for_selector("tr[data-version-status]")
    assert row.get_attribute("data-version-status") in {"queued", "building", "ready", "failed"}
    shot(page, artifacts, "exports")
