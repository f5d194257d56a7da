"""Where a webhook may send: public partner endpoints only.

The worker that delivers webhooks runs inside the deployment, next to PostgreSQL, Redis, the
application and the cloud's metadata service: an unchecked URL would let any client with the
``write`` scope make it call them (server-side request forgery). One rule, checked when a
webhook is registered (API, admin, any ``full_clean``) and again at every delivery:

- ``https`` (plain ``http`` only with ``WEBHOOK_ALLOW_HTTP``), no user name or password;
- a host name, not an address literal in any spelling (``127.1``, ``2130706433``, ``0x7f.1``,
  ``[::ffff:127.0.0.1]``), and not a name of this application (``SITE_URL``, ``ALLOWED_HOSTS``);
- not a port of the internal services (``WEBHOOK_REFUSED_PORTS``, the database's and Redis');
- every address the name resolves to is public, or inside a network the operator opened with
  ``WEBHOOK_ALLOWED_PRIVATE_NETWORKS`` (empty by default).

A delivery connects to the very address it checked, sending the original ``Host`` and TLS server
name: a second look-up could answer differently (DNS rebinding). Redirects are never followed.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import urllib3
from django.conf import settings
from django.http.request import validate_host
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from npm_tracker.core.errors import DomainError, ErrorCode

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
DEFAULT_PORTS = {"https": 443, "http": 80}
# NAT64 prefix (RFC 6052): its last 32 bits are an IPv4 address reached through the gateway.
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class DestinationRefused(DomainError):
    """A webhook URL the rule above refuses. ``reason`` is the English text for the log."""

    def __init__(self, message, params: dict | None = None):
        super().__init__(message, code=ErrorCode.WEBHOOK_URL_REFUSED, params=params)
        with translation.override("en"):
            self.reason = str(message) % (params or {})


class DeliveryFailed(Exception):
    """The endpoint could not be reached (connection, TLS, time-out): the exception's name."""


@dataclass(frozen=True)
class Destination:
    """A checked URL: where to connect (``address``) and what to tell the endpoint."""

    scheme: str
    host: str
    port: int
    target: str
    address: str

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def check_registration(url: str) -> None:
    """Refuse ``url`` as a webhook destination (``DestinationRefused``). A name that does not
    resolve yet is accepted: every delivery checks it again."""
    destination(url, unresolved_ok=True)


def destination(url: str, *, unresolved_ok: bool = False) -> Destination:
    """The checked destination of ``url``, resolved once; raises ``DestinationRefused``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise DestinationRefused(_("Enter a valid URL.")) from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and settings.WEBHOOK_ALLOW_HTTP):
        raise DestinationRefused(_("Use an https URL."))
    if "@" in parts.netloc:
        raise DestinationRefused(_("Leave the user name and password out of the URL."))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise DestinationRefused(_("Enter a valid URL."))
    port = port or DEFAULT_PORTS[scheme]
    if port in refused_ports():
        raise DestinationRefused(
            _("Port %(port)s belongs to an internal service: use another port."),
            {"port": port},
        )
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    literal = _literal(host)
    if literal is not None:
        if not _opened(literal):
            raise DestinationRefused(_("Use the partner's host name, not an address."))
        return Destination(scheme, host, port, target, str(literal))
    if _is_this_application(host):
        raise DestinationRefused(_("A webhook cannot call this application itself."))
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        if unresolved_ok:
            return Destination(scheme, host, port, target, "")
        raise DestinationRefused(_("%(host)s does not resolve."), {"host": host}) from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    for address in addresses:
        if not (_is_public(address) or _opened(address)):
            raise DestinationRefused(
                _("%(host)s resolves to %(address)s, which is not a public address."),
                {"host": host, "address": str(address)},
            )
    return Destination(scheme, host, port, target, str(addresses[0]))


def post(destination: Destination, body: bytes, headers: dict, timeout: float) -> int:
    """POST ``body`` to the checked address, redirects not followed; the HTTP status.

    Raises ``DeliveryFailed`` when the endpoint cannot be reached."""
    options: dict = {"timeout": urllib3.Timeout(total=timeout), "retries": False, "maxsize": 1}
    if destination.scheme == "https":
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            destination.address,
            destination.port,
            server_hostname=destination.host,
            assert_hostname=destination.host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            **options,
        )
    else:
        pool = urllib3.HTTPConnectionPool(destination.address, destination.port, **options)
    try:
        with pool:
            response = pool.urlopen(
                "POST",
                destination.target,
                body=body,
                headers={**headers, "Host": destination.host_header},
                redirect=False,
                assert_same_host=False,
            )
            return response.status
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise DeliveryFailed(type(exc).__name__) from exc


def refused_ports() -> set[int]:
    """The ports of the internal services: the configured list, the database's and Redis'."""
    ports = set(settings.WEBHOOK_REFUSED_PORTS)
    database_port = settings.DATABASES["default"].get("PORT")
    if database_port:
        ports.add(int(database_port))
    try:
        redis_port = urlsplit(settings.REDIS_URL).port
    except ValueError:
        redis_port = None
    if redis_port:
        ports.add(redis_port)
    return ports


def _literal(host: str) -> Address | None:
    """``host`` as an address if it is one, in any spelling the resolver accepts."""
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        pass
    try:
        # inet_aton reads the legacy forms too: 127.1, 2130706433, 0x7f.1, 0177.0.0.1.
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return _is_public(embedded)
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address.is_loopback
        or address.is_link_local
        or address.is_private
    )


def _opened(address: Address) -> bool:
    """Inside a network the operator opened explicitly (a partner on a private link)."""
    networks = (
        ipaddress.ip_network(network, strict=False)
        for network in settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS
    )
    return any(address in network for network in networks if network.version == address.version)


def _is_this_application(host: str) -> bool:
    site = urlsplit(settings.SITE_URL).hostname
    names = [name for name in settings.ALLOWED_HOSTS if name != "*"]
    return host == site or validate_host(host, names)
