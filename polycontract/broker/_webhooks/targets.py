"""Where a webhook may send: the scheme and host allow-lists, and the addresses nobody should reach by accident.

A webhook makes the broker send a request, with secrets, to a URL a user chose; on a server that is a way into
the network it runs in (cloud metadata, databases on loopback, internal services). `WebhookPolicy` says what is
allowed, as the Pact Broker's ``webhook_scheme_whitelist`` / ``webhook_host_whitelist`` do (pact_broker
``lib/pact_broker/webhooks/check_host_whitelist.rb``, ``lib/pact_broker/doc/views/webhooks.markdown``,
"Webhook Whitelist"), and more: an address that is not public (private, loopback, link-local, unspecified,
multicast, shared, reserved, or a cloud metadata address) is refused unless an allow entry names it.

The rules are pure functions of the URL and the addresses its host resolves to (`check_url`, `check_addresses`);
`resolve` asks DNS. The same rules run when a webhook is created and again on every delivery, against the
address the request then connects to (`polycontract.broker._webhooks.sending`), so a changed DNS answer
cannot slip through. Host names are lowercased without a trailing dot, and the other ways of writing an IPv4
address (``2130706433``, ``0x7f.1``, ``017700000001``, ``127.1``) are read as the address they mean.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from polycontract.errors import UsageError

__all__ = [
    "DEFAULT_SCHEMES",
    "POLICY_ENV",
    "Address",
    "Target",
    "TargetRefused",
    "WebhookPolicy",
    "check_addresses",
    "check_target",
    "check_url",
    "literal_address",
    "resolve",
]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: The schemes a server allows by default: https only, as the Pact Broker's ``webhook_scheme_whitelist``.
DEFAULT_SCHEMES = ("https",)
#: The environment variable that hands a server's policy to its worker processes (`WebhookPolicy.to_env`).
POLICY_ENV = "POLYCONTRACT_BROKER_WEBHOOK_POLICY"

#: Cloud instance metadata services: refused even when a name entry admits private addresses.
_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200", "168.63.129.16")
)
_METADATA_NAMES = frozenset(
    {"metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"}
)
#: IPv6 prefixes that carry an IPv4 address in their last 32 bits (IPv4-compatible, NAT64).
_EMBEDDING = tuple(ipaddress.ip_network(n) for n in ("::/96", "64:ff9b::/96", "64:ff9b:1::/48"))


class TargetRefused(UsageError):
    """A webhook URL the policy does not allow; the message names the rule and the setting that would allow it."""


@dataclass(frozen=True, kw_only=True)
class Target:
    """A webhook URL's parts as checked: ``address`` is set when the host is an IP address (in any form)."""

    scheme: str
    host: str
    port: int
    address: Address | None


@dataclass(frozen=True, kw_only=True)
class WebhookPolicy:
    """Which webhook targets are allowed.

    ``schemes``: the URL schemes allowed. ``hosts``: allow entries, each an exact host name
    (``ci.example.com``), a wildcard (``*.example.com``: any name under it), an IP address or a CIDR range
    (``10.1.0.0/16``); when there are any, a target must match one. ``restrict_addresses``: refuse
    addresses that are not public unless an entry names them (a matching name entry, or an address entry that
    holds the address; metadata addresses only by an address entry).

    The embedded broker (a library in the user's own process) uses `permissive`; ``polycontract broker serve``
    uses `strict` with the settings given to it.

    >>> WebhookPolicy.strict(hosts=["*.example.com", "10.0.0.0/8"]).hosts
    ('*.example.com', '10.0.0.0/8')
    """

    schemes: tuple[str, ...] = DEFAULT_SCHEMES
    hosts: tuple[str, ...] = ()
    restrict_addresses: bool = True
    _names: tuple[str, ...] = field(default=(), repr=False, compare=False)
    _networks: tuple[Network, ...] = field(default=(), repr=False, compare=False)

    @classmethod
    def permissive(cls) -> WebhookPolicy:
        """http and https to any host and address: for a broker inside the user's own process."""
        return cls(schemes=("https", "http"), restrict_addresses=False)

    @classmethod
    def strict(cls, *, schemes: Iterable[str] = DEFAULT_SCHEMES, hosts: Iterable[str] = ()) -> WebhookPolicy:
        """A policy for a shared server; `UsageError` for a scheme or host entry that cannot be one."""
        chosen = tuple(dict.fromkeys(s.strip().lower() for s in schemes))
        for scheme in chosen:
            if scheme not in ("http", "https"):
                raise UsageError(f"webhook scheme {scheme!r} must be http or https")
        if not chosen:
            raise UsageError("give at least one webhook scheme (https, http)")
        entries = tuple(dict.fromkeys(h.strip() for h in hosts if h.strip()))
        names: list[str] = []
        networks: list[Network] = []
        for entry in entries:
            network = _network(entry)
            if network is not None:
                networks.append(network)
            elif _is_name_entry(entry):
                names.append(_normal_name(entry))
            else:
                raise UsageError(
                    f"webhook allow-host {entry!r} must be a host name, *.domain, an IP address or a CIDR range"
                )
        return cls(schemes=chosen, hosts=entries, _names=tuple(names), _networks=tuple(networks))

    def to_env(self) -> str:
        """This strict policy as the text `from_env` reads back."""
        return json.dumps({"schemes": list(self.schemes), "hosts": list(self.hosts)})

    @classmethod
    def from_env(cls, text: str | None) -> WebhookPolicy:
        """The strict policy `to_env` wrote; the strict default when there is none (a server never runs open)."""
        if not text:
            return cls.strict()
        setting = json.loads(text)
        return cls.strict(schemes=setting["schemes"], hosts=setting["hosts"])

    def names_host(self, host: str) -> bool:
        """Whether a name entry matches ``host`` (exactly, or under a ``*.`` wildcard)."""
        host = _normal_name(host)
        return any(host == n or (n.startswith("*.") and host.endswith(n[1:])) for n in self._names)

    def holds(self, address: Address) -> bool:
        """Whether an address entry (an IP or a CIDR range) holds ``address`` or the IPv4 address it carries."""
        candidates = (address, *_embedded_v4(address))
        return any(a.version == n.version and a in n for n in self._networks for a in candidates)


def _network(entry: str) -> Network | None:
    try:
        return ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return None


def _is_name_entry(entry: str) -> bool:
    name = entry[2:] if entry.startswith("*.") else entry
    labels = _normal_name(name).split(".")
    return bool(name) and all(label and all(c.isalnum() or c in "-_" for c in label) for label in labels)


def _normal_name(host: str) -> str:
    return host.strip().lower().rstrip(".")


def literal_address(host: str) -> Address | None:
    """The IP address ``host`` writes, in any form a resolver would read (``0x7f.1``, ``2130706433``); else None."""
    text = host.strip().strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        pass
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = []
    for part in parts:
        try:
            if part.lower().startswith("0x"):
                numbers.append(int(part[2:] or "0", 16))
            elif len(part) > 1 and part.startswith("0"):
                numbers.append(int(part, 8))
            else:
                numbers.append(int(part, 10) if part.isdigit() else -1)
        except ValueError:
            return None
    *head, last = numbers
    if any(not 0 <= n <= 255 for n in head) or not 0 <= last < 256 ** (5 - len(numbers)):
        return None
    value = last
    for index, number in enumerate(head):
        value |= number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _embedded_v4(address: Address) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, IPv4-compatible, NAT64)."""
    if isinstance(address, ipaddress.IPv4Address):
        return ()
    found = [a for a in (address.ipv4_mapped, address.sixtofour) if a is not None]
    if address.teredo is not None:
        found.extend(address.teredo)
    if address.ipv4_mapped is None and any(address in n for n in _EMBEDDING) and address != ipaddress.ip_address("::"):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return tuple(found)


def _kind(address: Address) -> str | None:
    """Why ``address`` is not a public one ("loopback", "private", …), or None when it is."""
    for candidate in (address, *_embedded_v4(address)):
        if candidate in _METADATA_ADDRESSES:
            return "a cloud metadata"
        for kind, test in (
            ("an unspecified", candidate.is_unspecified),
            ("a loopback", candidate.is_loopback),
            ("a link-local", candidate.is_link_local),
            ("a multicast", candidate.is_multicast),
            ("a private", candidate.is_private),
            ("a reserved", candidate.is_reserved),
            ("a non-public", not candidate.is_global),
        ):
            if test:
                return kind
    return None


def check_url(url: str, policy: WebhookPolicy) -> Target:
    """``url``'s scheme, host and port as `Target`; `TargetRefused` naming the rule it breaks.

    Checks what needs no DNS: the scheme, a host template, the host allow-list for a name, and the address
    rules for a host written as an IP address.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"it is not a URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in policy.schemes:
        raise TargetRefused(
            f"scheme {scheme!r} is not allowed (allowed: {', '.join(policy.schemes)}; see --webhook-allow-scheme)"
        )
    host = _normal_name(parts.hostname or "")
    if not host:
        raise TargetRefused("it names no host")
    target = Target(
        scheme=scheme, host=host, port=port or (443 if scheme == "https" else 80), address=literal_address(host)
    )
    if not policy.restrict_addresses and not policy.hosts:
        return target
    if "${" in host or "$%7b" in host:
        raise TargetRefused(f"host {host!r} may not use placeholders: the host is checked when the webhook is made")
    if target.address is not None:
        check_addresses(target, [target.address], policy)
    elif host in _METADATA_NAMES or host == "localhost" or host.endswith(".localhost"):
        if host not in (n for n in policy._names if not n.startswith("*.")):
            raise TargetRefused(
                f"host {host!r} is a local or cloud metadata name, refused unless --webhook-allow-host names it"
            )
    elif policy.hosts and not policy.names_host(host) and not policy._networks:
        raise TargetRefused(f"host {host!r} is not in the allow-list (--webhook-allow-host)")
    return target


def check_addresses(target: Target, addresses: Sequence[Address], policy: WebhookPolicy) -> None:
    """`TargetRefused` unless every address ``target``'s host resolves to is allowed for it."""
    if not addresses:
        raise TargetRefused(f"host {target.host!r} resolves to no address")
    named = target.address is None and policy.names_host(target.host)
    for address in addresses:
        held = policy.holds(address)
        if policy.hosts and not (named or held):
            raise TargetRefused(f"host {target.host!r} ({address}) is not in the allow-list (--webhook-allow-host)")
        if not policy.restrict_addresses:
            continue
        kind = _kind(address)
        if kind is None or held or (named and kind != "a cloud metadata"):
            continue
        verb = "resolves to" if target.address is None else "is"
        shown = (
            f"host {address} is"
            if target.host.strip("[]") == str(address)
            else f"host {target.host!r} {verb} {address},"
        )
        raise TargetRefused(
            f"{shown} {kind} address: refused unless --webhook-allow-host allows it"
            " (an address or CIDR range" + (")" if kind == "a cloud metadata" else ", or the host name)")
        )


Resolver = Callable[[str, int], Sequence[Address]]


def resolve(host: str, port: int) -> list[Address]:
    """Every address DNS gives for ``host`` (`TargetRefused` when it gives none)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise TargetRefused(f"host {host!r} does not resolve: {exc}") from None
    addresses: list[Address] = []
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def check_target(url: str, policy: WebhookPolicy, resolver: Resolver = resolve) -> list[Address]:
    """Check ``url`` against ``policy``, resolving its host; the allowed addresses to connect to.

    `TargetRefused` for anything the policy refuses (a host that does not resolve among them). A permissive
    policy asks no DNS and answers ``[]``: connect as usual.
    """
    target = check_url(url, policy)
    if not policy.restrict_addresses and not policy.hosts:
        return []
    addresses = [target.address] if target.address is not None else list(resolver(target.host, target.port))
    check_addresses(target, addresses, policy)
    return addresses
