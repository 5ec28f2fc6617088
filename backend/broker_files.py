"""The embedded broker: kombu's filesystem transport with messages that appear whole.

kombu's ``filesystem`` transport writes a message straight into its final file name
(``<time>_<uuid>.<queue>.msg``) and only then takes a lock, while a consumer moves away and reads
any file of that name it lists. A consumer that lists the file between its creation and the
first write reads an empty payload, and the worker dies with an "Unrecoverable error:
JSONDecodeError" (seen under load in ``tests/workers/test_quality_loop.py``). Here a message is
written under a name no consumer matches (``….msg.part``) and renamed into place, which is atomic
on one file system, so a consumer sees a message whole or not at all.

Installed for the ``filesystem://`` URL by ``backend.queue`` in every process (API and worker).
"""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

PARTIAL_SUFFIX = ".part"


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + PARTIAL_SUFFIX
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


def install() -> None:
    """Make ``filesystem://`` mean this transport in this process."""
    TRANSPORT_ALIASES["filesystem"] = f"{__name__}:Transport"
