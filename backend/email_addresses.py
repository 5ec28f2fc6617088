"""E-mail addresses as accounts and invitations take them: pydantic's ``EmailStr``
(email-validator), with intranet domains allowed.

email-validator refuses the special-use domain names of RFC 6761 and RFC 6762 by default. Firms
that run Jinbiao on their own network often have addresses under ``.local`` (the habit of
Windows domains: ``zhang.wei@factory.local``), and an invitation to such an address could not be
made at all. ``local`` is therefore allowed; the other names (``test``, ``invalid``,
``localhost``, ``onion``, ``arpa``) never carry mail and stay refused. Every schema takes
addresses through :data:`Email`, so importing it applies the rule before any is validated.
"""

from __future__ import annotations

import email_validator
from pydantic import EmailStr

INTRANET_DOMAINS = ("local",)

for _name in INTRANET_DOMAINS:
    if _name in email_validator.SPECIAL_USE_DOMAIN_NAMES:
        email_validator.SPECIAL_USE_DOMAIN_NAMES.remove(_name)

Email = EmailStr
"""The type of every e-mail field (see the module's docstring)."""

INVALID_PREFIX = "value is not a valid email address"
"""How pydantic begins the message of an address it refuses (``errors`` gives it a stable
type, ``email_invalid``, that the UI translates)."""
