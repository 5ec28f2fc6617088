"""The UI's zh/en dictionaries share one key space: no module may define a key another one has
with a different text (``i18n_datamanager.js`` once turned the import progress "第 1/3 批" into
"批次" by defining ``batch`` again). ``addTranslations`` keeps the first text and lists every
such key in ``i18nClashes()``; Node loads every module that brings strings and the list must be
empty. The browser test ``test_i18n_zh`` checks the same in the running app."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "labeling_ui" / "js"

# Just enough of a browser for the modules' top level (i18n.js reads the language).
HARNESS = """
const noop = () => {};
globalThis.localStorage = { getItem: () => 'zh', setItem: noop, removeItem: noop };
if (!globalThis.navigator) globalThis.navigator = { language: 'zh-CN' };
globalThis.window = globalThis;
globalThis.addEventListener = noop;
globalThis.dispatchEvent = noop;
globalThis.location = { hash: '' };
globalThis.document = { documentElement: {}, addEventListener: noop };
const [dir, ...files] = process.argv.slice(2);
const i18n = await import(`${dir}/i18n.js`);
for (const file of files) await import(`${dir}/${file}`);
const found = i18n.i18nClashes();
// the check itself works: a second, different text for a known key is caught and not applied
const before = i18n.t('sign_in');
console.warn = noop;
i18n.addTranslations({ en: { sign_in: 'clash' }, zh: { sign_in: 'clash' } });
process.stdout.write(JSON.stringify({
  clashes: found, probe: i18n.i18nClashes().slice(found.length), kept: i18n.t('sign_in') === before,
}));
"""


def _modules_with_strings() -> list[str]:
    return sorted(
        path.relative_to(JS).as_posix()
        for path in JS.rglob("*.js")
        if path.name != "i18n.js" and re.search(r"\baddTranslations\(", path.read_text("utf-8"))
    )


def test_modules_with_strings_are_found() -> None:
    modules = _modules_with_strings()
    assert "i18n_datamanager.js" in modules and "errors.js" in modules


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_no_i18n_key_is_defined_twice_with_different_text(tmp_path: Path) -> None:
    # a copy marked as ES modules, so Node reads the files as the browser does
    shutil.copytree(JS, tmp_path / "js")
    (tmp_path / "js" / "package.json").write_text('{"type": "module"}')
    (tmp_path / "check.mjs").write_text(HARNESS)
    done = subprocess.run(
        ["node", str(tmp_path / "check.mjs"), str(tmp_path / "js"), *_modules_with_strings()],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["probe"] == ["en.sign_in", "zh.sign_in"] and result["kept"], result
    assert result["clashes"] == [], (
        "keys defined twice with different texts (rename one): " + ", ".join(result["clashes"])
    )
