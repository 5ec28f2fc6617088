"""Label Studio beside Jinbiao: start it, set up the same workload, drive next + submit.

Label Studio is not a dependency of Jinbiao. Install it into a virtual environment of its own,
outside the repository, and point ``--ls-venv`` at it::

    python3.11 -m venv /tmp/lsvenv && /tmp/lsvenv/bin/pip install label-studio==1.23.2

What this module does (facts of ``shared/notes/peers.md``):

* starts ``label-studio start`` on 127.0.0.1 with a fresh data folder, its default SQLite
  database, legacy API tokens on and the version check off, and waits for ``/health``;
* creates a text-classification project with ``maximum_annotations`` (overlap) and imports
  ``n`` tasks in chunks through ``POST /api/projects/{id}/import``;
* signs annotators up through the invite link (a session with its CSRF cookie) and reads each
  one's API token from ``GET /api/current-user/token``;
* gives ``bench_distribution`` an asynchronous cycle for ``peers.loadgen``:
  ``GET /api/projects/{id}/next`` then ``POST /api/tasks/{task_id}/annotations``;
* counts overlap violations at the end straight from Label Studio's SQLite file (read-only):
  tasks with more annotations than ``maximum_annotations``, and annotators with a task twice.

One annotator per client: Label Studio hands a user back the task it already holds.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from .loadgen import ClientStats, Connection, dumps, loads

ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench-Passw0rd-admin"
ADMIN_TOKEN = "0123456789abcdef0123456789abcdef01234567"  # a scratch server on loopback only


def label_config(labels: list[str]) -> str:
    choices = "".join(f'<Choice value="{label}"/>' for label in labels)
    return (
        '<View><Text name="text" value="$text"/>'
        f'<Choices name="label" toName="text">{choices}</Choices></View>'
    )


@dataclass
class Annotator:
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"}


class LabelStudio:
    """One Label Studio server in a scratch data folder."""

    def __init__(self, *, venv: Path, data_dir: Path, port: int) -> None:
        self.venv, self.data_dir, self.port = venv, data_dir, port
        self.base = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "label-studio.log"

    # -- process ------------------------------------------------------------------------------

    def version(self) -> str:
        out = subprocess.run(
            [str(self.venv / "bin" / "pip"), "show", "label-studio"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        found = [x.split(":", 1)[1].strip() for x in out.splitlines() if x.startswith("Version")]
        return found[0] if found else "?"

    def start(self, timeout: float = 300) -> float:
        """Start the server; returns the seconds until ``/health`` answered."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update(
            LATEST_VERSION_CHECK="false",
            LABEL_STUDIO_BASE_DATA_DIR=str(self.data_dir),
            LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
            DATA_UPLOAD_MAX_MEMORY_SIZE=str(1 << 30),
        )
        argv = [
            str(self.venv / "bin" / "label-studio"),
            "start",
            "--no-browser",
            "--internal-host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--username",
            ADMIN_EMAIL,
            "--password",
            ADMIN_PASSWORD,
            "--user-token",
            ADMIN_TOKEN,
            "--enable-legacy-api-token",
        ]
        started = time.monotonic()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"Label Studio exited; see {self.log_path}")
            try:
                if httpx.get(f"{self.base}/health", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(1)
        self.stop()
        raise RuntimeError("Label Studio did not start in time")

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    def pids(self) -> list[int]:
        from .loadgen import children

        return children(self.process.pid) if self.process is not None else []

    # -- setup --------------------------------------------------------------------------------

    def admin(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base, headers={"Authorization": f"Token {ADMIN_TOKEN}"}, timeout=600
        )

    def create_project(self, *, title: str, labels: list[str], overlap: int) -> int:
        with self.admin() as http:
            answer = http.post(
                "/api/projects/",
                json={
                    "title": title,
                    "label_config": label_config(labels),
                    "maximum_annotations": overlap,
                },
            )
            answer.raise_for_status()
            return answer.json()["id"]

    def import_tasks(
        self, project_id: int, texts: Callable[[int], str], count: int, chunk: int = 10_000
    ) -> float:
        """Import ``count`` text tasks; returns the seconds it took."""
        started = time.perf_counter()
        with self.admin() as http:
            for first in range(0, count, chunk):
                tasks = [{"text": texts(n)} for n in range(first, min(count, first + chunk))]
                answer = http.post(f"/api/projects/{project_id}/import", json=tasks)
                answer.raise_for_status()
        return time.perf_counter() - started

    def add_annotators(self, count: int, *, tag: str) -> list[Annotator]:
        """Sign up ``count`` users through the invite link; each with its API token."""
        with self.admin() as http:
            invite = http.get("/api/invite").json()["token"]
        found = []
        for n in range(count):
            email = f"ls-{tag}-{n}@example.com"
            with httpx.Client(base_url=self.base, timeout=120) as session:
                path = f"/user/signup/?token={invite}"
                session.get(path)
                answer = session.post(
                    path,
                    data={
                        "email": email,
                        "password": f"bench-Passw0rd-{n}",
                        "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
                        "how_find_us": "Other",
                        "allow_newsletters": "false",
                    },
                    headers={"Referer": f"{self.base}/user/signup/"},
                )
                if answer.status_code not in (200, 302):
                    raise RuntimeError(f"sign-up of {email}: {answer.status_code}")
                token = session.get("/api/current-user/token").json()["token"]
            found.append(Annotator(email, token))
        return found

    # -- checks -------------------------------------------------------------------------------

    def check(self, project_id: int, overlap: int) -> dict[str, int]:
        """Overlap violations of the project, from Label Studio's own database."""
        path = self.data_dir / "label_studio.sqlite3"
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=60) as db:
            over = db.execute(
                "SELECT count(*) FROM (SELECT task_id FROM task_completion "
                "WHERE project_id = ? AND NOT was_cancelled GROUP BY task_id "
                "HAVING count(*) > ?)",
                (project_id, overlap),
            ).fetchone()[0]
            twice = db.execute(
                "SELECT count(*) FROM (SELECT task_id FROM task_completion "
                "WHERE project_id = ? GROUP BY task_id, completed_by_id HAVING count(*) > 1)",
                (project_id,),
            ).fetchone()[0]
            total = db.execute(
                "SELECT count(*) FROM task_completion WHERE project_id = ?", (project_id,)
            ).fetchone()[0]
        return {"items_over_overlap": over, "annotator_item_twice": twice, "annotations": total}

    def log_count(self, needle: str) -> int:
        """How many lines of the server log contain ``needle`` (e.g. "database is locked")."""
        try:
            lines = self.log_path.read_text(errors="replace").split("\n")
        except FileNotFoundError:
            return 0
        return sum(needle in line for line in lines)


def make_cycle(project_id: int, answer: Callable[[int], str]) -> Any:
    """next + submit for one Label Studio annotator; ``answer(task_id)`` is the chosen label."""

    async def cycle(conn: Connection, member: Annotator, stats: ClientStats) -> str:
        started = time.perf_counter()
        status, body, _ = await conn.request(
            "GET", f"/api/projects/{project_id}/next", headers=member.headers
        )
        stats.next_latencies.append(time.perf_counter() - started)
        if status == 404:  # nothing left for this user
            stats.nothing_left += 1
            return "done"
        if status != 200:
            stats.error(f"next {status}")
            return "error"
        task_id = loads(body)["id"]
        payload = dumps(
            {
                "result": [
                    {
                        "from_name": "label",
                        "to_name": "text",
                        "type": "choices",
                        "value": {"choices": [answer(task_id)]},
                    }
                ],
                "lead_time": 0.9,
            }
        )
        started = time.perf_counter()
        status, _, _ = await conn.request(
            "POST", f"/api/tasks/{task_id}/annotations", headers=member.headers, body=payload
        )
        stats.submit_latencies.append(time.perf_counter() - started)
        if status not in (200, 201):
            stats.error(f"submit {status}")
            return "error"
        return "submitted"

    return cycle
