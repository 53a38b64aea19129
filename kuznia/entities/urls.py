"""URLs the server fetches on a user's behalf (package indexes, package URLs).

A user must not make the server reach what only the server can reach: loopback,
link-local (cloud metadata at 169.254.169.254), private and other internal
addresses are refused unless an admin allows them (``KUZNIA_ALLOW_PRIVATE_URLS=1``,
or the hosts listed in ``KUZNIA_ALLOWED_URL_HOSTS``, e.g. an internal PyPI mirror).
"""

from __future__ import annotations

import ipaddress
import os
import socket
from urllib.parse import urlsplit

from kuznia.errors import InvalidInput


def _allowed_hosts() -> set[str]:
    return {h.strip().lower() for h in os.environ.get("KUZNIA_ALLOWED_URL_HOSTS", "").split(",") if h.strip()}


def _internal(address: str) -> bool:
    """Anything but a globally routable unicast address. ``is_private`` alone misses e.g. the
    shared range 100.64.0.0/10 (carrier-grade NAT, also used inside clouds and clusters)."""
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return _internal(str(ip.ipv4_mapped))
    return (not ip.is_global or ip.is_loopback or ip.is_link_local or ip.is_private or ip.is_multicast
            or ip.is_reserved or ip.is_unspecified)


def check_fetchable_url(url: str, what: str) -> str:
    """``url`` if it is http(s) and its host resolves only to public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"{what}: {url!r} must be an http(s) URL with a host")
    host = parts.hostname.lower()
    if os.environ.get("KUZNIA_ALLOW_PRIVATE_URLS") == "1" or host in _allowed_hosts():
        return url
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)}
    except (socket.gaierror, UnicodeError):
        raise InvalidInput(f"{what}: the host {host!r} cannot be resolved") from None
    blocked = sorted(a for a in addresses if _internal(a.split("%")[0]))
    if blocked:
        raise InvalidInput(
            f"{what}: {host} points at an internal address ({', '.join(blocked)}); the server will not fetch it. "
            "An admin can allow it with KUZNIA_ALLOWED_URL_HOSTS."
        )
    return url
