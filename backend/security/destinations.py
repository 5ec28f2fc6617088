"""Where the server may call a project's outside model: public addresses, and the networks the
operator allows (``JINBIAO_MODEL_ENDPOINT_NETWORKS``).

Why: any organization's owner sets the URL (``ModelEndpoint``), and the API (``suggest``) and the
workers (``endpoint_run``) then send requests to it from inside the deployment. Unchecked, that
reaches loopback services, the cloud metadata address (169.254.169.254) and the private network,
and the drop's reason (``unreachable``: "Connection refused", ``http_error``: "HTTP 404") tells
which ports answer — a server-side request forgery (OWASP, "Server Side Request Forgery
Prevention Cheat Sheet"). So, as GitLab does for webhooks ("Allow requests to the local
network", off by default), only globally routable addresses are called unless the operator names
networks (an in-house model server on 10.0.0.0/8, say).

The check is made on the addresses the host name resolves to when the call is made, and the call
goes to that checked address (``pinned``: the URL's host replaced by the address, with the name
kept as the ``Host`` header and the TLS server name), so a name that resolves to a public address
for the check and to a private one for the connection (DNS rebinding) gets nowhere.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from backend.settings import get_settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class DestinationRefused(ValueError):
    """The URL's host is, or resolves to, an address the server may not call."""


@dataclass(frozen=True)
class Pinned:
    """The URL to request (host replaced by a checked address), and the request's extras."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, str] = field(default_factory=dict)


def allowed(address: Address) -> bool:
    """Globally routable, or inside a network the operator allows."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_global and not address.is_multicast:
        return True
    return any(address in network for network in _allowed_networks())


def check_literal(url: str) -> None:
    """At save time, without a DNS lookup: a host that is an address (or ``localhost``) the
    server may not call is refused (``DestinationRefused``, the reason in its message)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        address: Address = ipaddress.ip_address("127.0.0.1")
    else:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return  # a name: checked when it is called (``pinned``)
    if not allowed(address):
        raise DestinationRefused(_refusal(host, address))


def pinned(url: str) -> Pinned:
    """The request for ``url`` sent to a checked address of its host (``DestinationRefused``
    when any address it resolves to may not be called, or when it does not resolve)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise DestinationRefused(f"{host} does not resolve: {exc}") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses:
        raise DestinationRefused(f"{host} does not resolve")
    for address in addresses:
        if not allowed(address):
            raise DestinationRefused(_refusal(host, address))
    address = addresses[0]
    literal = f"[{address}]" if address.version == 6 else str(address)
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    target = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    if _is_address(host):
        return Pinned(target)
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    return Pinned(target, {"Host": parts.netloc.rsplit("@", 1)[-1]}, extensions)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [
        ipaddress.ip_network(text, strict=False) for text in get_settings().model_endpoint_networks
    ]


def _refusal(host: str, address: Address) -> str:
    named = host if host == str(address) else f"{host} ({address})"
    return (
        f"{named} is a loopback, private, link-local or reserved address; the server calls "
        "outside models on public addresses only, unless its operator allows the network "
        "(JINBIAO_MODEL_ENDPOINT_NETWORKS)"
    )
