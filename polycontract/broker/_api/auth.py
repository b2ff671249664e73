"""Token authentication for the broker's HTTP API: bearer tokens (or HTTP basic auth) with roles.

Roles: ``read`` (GET only, plus ``POST …/for-verification``, which only reads), ``write`` (reads,
and writes on behalf of its named ``pacticipants``: publishing pacts as the consumer, verification
results as the provider, versions, branches, tags, deployments and releases of those pacticipants),
``admin`` (everything, environments included).

Tokens come from a file (JSON, YAML or TOML) or the ``POLYCONTRACT_BROKER_TOKENS`` environment
variable (JSON): a list of entries, or ``{"tokens": [...]}`` (TOML: ``[[tokens]]`` tables)::

    [{"name": "ci-web", "token_sha256": "<hex sha-256 of the token>", "role": "write", "pacticipants": ["web"]},
     {"name": "ops", "token": "<the token itself>", "role": "admin"}]

Prefer ``token_sha256``: the server keeps only SHA-256 digests, and checks a presented token by
hashing it and comparing digests with `hmac.compare_digest` against every entry (constant time).
HTTP basic auth is accepted for clients that only know it: the username is ignored and the
password is the token. Without a valid token every path but ``/health`` and ``/openapi.json`` answers 401 with
``WWW-Authenticate``; a valid token lacking the role or pacticipant scope gets 403. The token's
``name`` (never the token) goes into the access log line.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import json
import os
import re
import tomllib
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from polycontract._safe_documents import loads_yaml
from polycontract.broker._api.common import MAX_DEPTH, HttpError, error_response, parse_json, read_body
from polycontract.errors import UsageError

__all__ = [
    "AUTH_FILE_ENV",
    "ROLE_KEY",
    "SCOPE_KEY",
    "TOKENS_ENV",
    "AuthConfig",
    "Role",
    "TokenAuth",
    "TokenEntry",
    "load_auth",
    "token_sha256",
]

#: Environment variable holding the token entries as JSON.
TOKENS_ENV = "POLYCONTRACT_BROKER_TOKENS"
#: Environment variable naming the token file (how ``broker serve`` hands it to worker processes).
AUTH_FILE_ENV = "POLYCONTRACT_BROKER_AUTH_FILE"
#: ASGI scope key where the middleware records the authenticated token's name (read by the access log).
SCOPE_KEY = "polycontract.token_name"
#: ASGI scope key where the middleware records the authenticated token's role (``"admin"`` reads webhook secrets).
ROLE_KEY = "polycontract.token_role"
#: Shortest plain-text token accepted in a configuration (hashes are always 64 hex digits).
MIN_TOKEN_LENGTH = 16
_CHALLENGES = ('Bearer realm="polycontract-broker"', 'Basic realm="polycontract-broker"')
_ENTRY_KEYS = frozenset({"name", "token", "token_sha256", "role", "pacticipants"})
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_READ_METHODS = frozenset({"GET", "HEAD"})
_SEG = r"([^/]+)"
_FOR_VERIFICATION = re.compile(rf"^/pacts/provider/{_SEG}/for-verification$")
_PUT_PACT = re.compile(rf"^/pacts/provider/{_SEG}/consumer/{_SEG}/version/{_SEG}$")
_VERIFICATION = re.compile(
    rf"^/pacts/provider/{_SEG}/consumer/{_SEG}/pact-version/{_SEG}(?:/metadata/{_SEG})?/verification-results$"
)
_PACTICIPANT = re.compile(rf"^(?:/polycontract)?/pacticipants/{_SEG}(?:/.*)?$")
_LIVE_RECORD = re.compile(r"^/(deployed|released)-versions/(\d+)$")
#: Paths answered without a token: liveness and the API description (neither shows stored data).
_PUBLIC_PATHS = frozenset({"/health", "/openapi.json"})
#: Largest deployed/released version id a database holds (SQLite and PostgreSQL ``bigint``).
_MAX_RECORD_ID = 2**63 - 1


class Role(enum.Enum):
    """What a token may do."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


@dataclass(frozen=True)
class TokenEntry:
    """One configured token: its ``name`` (logged), SHA-256 ``digest``, ``role`` and write scope."""

    name: str
    digest: bytes
    role: Role
    pacticipants: frozenset[str] = frozenset()

    def may_write_for(self, pacticipant: str) -> bool:
        """Whether this token may write on behalf of ``pacticipant``."""
        return self.role is Role.ADMIN or (self.role is Role.WRITE and pacticipant in self.pacticipants)


def token_sha256(token: str) -> str:
    """The hex SHA-256 digest of ``token`` (what ``token_sha256`` entries hold)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuthConfig:
    """The configured tokens; `authenticate` finds the entry for a presented secret."""

    entries: tuple[TokenEntry, ...]

    def authenticate(self, secret: str) -> TokenEntry | None:
        """The entry whose token is ``secret``, or None; compares digests in constant time against every entry."""
        digest = hashlib.sha256(secret.encode("utf-8")).digest()
        found: TokenEntry | None = None
        for entry in self.entries:  # no early exit: the time does not depend on which entry matched
            if hmac.compare_digest(entry.digest, digest):
                found = entry
        return found

    @classmethod
    def from_document(cls, document: Any, source: str) -> AuthConfig:
        """Entries from a parsed document: a list, or a mapping with a ``tokens`` list."""
        if isinstance(document, Mapping):
            unknown = set(document) - {"tokens"}
            if unknown:
                raise UsageError(f"{source}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; expected 'tokens'")
            document = document.get("tokens")
        if not isinstance(document, list) or not document:
            raise UsageError(f"{source}: expected a non-empty list of tokens (or {{'tokens': [...]}})")
        entries = tuple(_entry(item, f"{source}: tokens[{i}]") for i, item in enumerate(document))
        _unique((e.name for e in entries), source, "name")
        _unique((e.digest.hex() for e in entries), source, "token")
        return cls(entries)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> AuthConfig:
        """Entries from a JSON, YAML (``.yaml``/``.yml``) or TOML (``.toml``) file."""
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read the token file {file}: {exc.strerror or exc}") from None
        suffix = file.suffix.lower()
        try:
            if suffix in (".yaml", ".yml"):
                document: Any = loads_yaml(text, max_depth=MAX_DEPTH)
            elif suffix == ".toml":
                document = tomllib.loads(text)
            else:
                document = json.loads(text)
        except Exception as exc:  # each parser has its own error type; say which file is broken
            raise UsageError(f"the token file {file} is not valid {suffix.lstrip('.') or 'JSON'}: {exc}") from None
        return cls.from_document(document, str(file))

    @classmethod
    def from_json(cls, text: str, source: str = TOKENS_ENV) -> AuthConfig:
        """Entries from JSON text (the ``POLYCONTRACT_BROKER_TOKENS`` form)."""
        try:
            document = json.loads(text)
        except ValueError:
            raise UsageError(f"{source} is not valid JSON") from None  # the text may hold tokens: not echoed
        return cls.from_document(document, source)


def load_auth(path: str | os.PathLike[str] | None, environ: Mapping[str, str] | None = None) -> AuthConfig | None:
    """The auth configuration from ``path`` if given, else from ``POLYCONTRACT_BROKER_TOKENS``; None: auth off."""
    if path:
        return AuthConfig.from_file(path)
    text = (os.environ if environ is None else environ).get(TOKENS_ENV, "")
    return AuthConfig.from_json(text) if text.strip() else None


def _entry(item: Any, where: str) -> TokenEntry:
    if not isinstance(item, Mapping):
        raise UsageError(f"{where} must be a mapping")
    unknown = set(item) - _ENTRY_KEYS
    if unknown:
        raise UsageError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise UsageError(f"{where}.name is required and must be a non-empty string")
    where = f"{where} ({name})"
    plain, hashed = item.get("token"), item.get("token_sha256")
    if (plain is None) == (hashed is None):
        raise UsageError(f"{where}: give exactly one of token_sha256 or token")
    if plain is not None:
        if not isinstance(plain, str) or len(plain) < MIN_TOKEN_LENGTH:
            raise UsageError(f"{where}.token must be a string of at least {MIN_TOKEN_LENGTH} characters")
        digest = hashlib.sha256(plain.encode("utf-8")).digest()
    else:
        if not isinstance(hashed, str) or not _HEX64.fullmatch(hashed):
            raise UsageError(f"{where}.token_sha256 must be 64 hexadecimal digits")
        digest = bytes.fromhex(hashed)
    try:
        role = Role(item.get("role"))
    except ValueError:
        raise UsageError(f"{where}.role must be one of read, write, admin") from None
    scope = item.get("pacticipants")
    if role is Role.WRITE:
        if not isinstance(scope, list) or not scope or not all(isinstance(p, str) and p for p in scope):
            raise UsageError(f"{where}.pacticipants must be a non-empty list of names for role write")
        return TokenEntry(name, digest, role, frozenset(scope))
    if scope:
        raise UsageError(f"{where}.pacticipants applies only to role write")
    return TokenEntry(name, digest, role)


def _unique(values: Iterable[str], source: str, what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            shown = f" {value}" if what == "name" else ""
            raise UsageError(f"{source}: two entries have the same {what}{shown}")
        seen.add(value)


def _presented_secret(scope: Scope) -> str | None:
    """The token from ``Authorization: Bearer <token>`` or the password of ``Basic``; None when absent/garbled."""
    raw = next((value for key, value in scope.get("headers", ()) if key == b"authorization"), None)
    if raw is None:
        return None
    scheme, _, credentials = raw.decode("latin-1").strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer":
        return credentials or None
    if scheme.lower() == "basic":
        try:
            pair = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return None
        _, colon, password = pair.partition(":")
        return password if colon and password else None
    return None


class TokenAuth:
    """ASGI middleware enforcing `AuthConfig` on every HTTP request except ``/health`` and ``/openapi.json``."""

    def __init__(self, app: ASGIApp, config: AuthConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in _PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        secret = _presented_secret(scope)
        entry = self.config.authenticate(secret) if secret is not None else None
        if entry is None:
            refusal = error_response(401, "a valid broker token is required (Authorization: Bearer <token>)")
            for challenge in _CHALLENGES:
                refusal.headers.append("WWW-Authenticate", challenge)
            await refusal(scope, receive, send)
            return
        scope[SCOPE_KEY] = entry.name
        scope[ROLE_KEY] = entry.role.value
        method, path = str(scope.get("method", "")).upper(), str(scope.get("path", ""))
        if entry.role is Role.ADMIN or method in _READ_METHODS or _FOR_VERIFICATION.match(path):
            await self.app(scope, receive, send)
            return
        if entry.role is Role.READ:
            await error_response(403, f"token {entry.name} may only read")(scope, receive, send)
            return
        try:
            receive, pacticipants = await self._written_for(scope, receive, method, path)
        except HttpError as exc:  # a body too large (413) or not JSON (400): the answer the route would give
            await error_response(exc.status, exc.message, exc.errors)(scope, receive, send)
            return
        if pacticipants is None:
            message = f"{method} {path} needs an admin token"
        else:
            outside = sorted(p for p in pacticipants if not entry.may_write_for(p))
            message = f"token {entry.name} may not write for {', '.join(outside)}" if outside else ""
        if message:
            await error_response(403, message)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _written_for(
        self, scope: Scope, receive: Receive, method: str, path: str
    ) -> tuple[Receive, set[str] | None]:
        """The pacticipants a write request acts for (empty: it writes nothing); None: admin only.

        ``POST /contracts/publish`` names them in its body, which is read here and replayed to the app.
        """
        if method == "POST" and path == "/contracts/publish":
            body, receive = await _buffered(scope, receive)
            return receive, _publishers(body)
        if method == "PUT" and (found := _PUT_PACT.match(path)):
            return receive, {found.group(2)}
        if method == "POST" and (found := _VERIFICATION.match(path)):
            return receive, {found.group(1)}
        if method in ("PUT", "PATCH", "POST") and (found := _PACTICIPANT.match(path)):
            return receive, {found.group(1)}
        if method == "PATCH" and (found := _LIVE_RECORD.match(path)):
            return receive, await _record_owner(scope, found.group(1), int(found.group(2)))
        return receive, None


def _publishers(body: bytes) -> set[str]:
    """The pacticipants a ``/contracts/publish`` body publishes for (empty when the app will refuse it as 400).

    A body that is not strict JSON within the depth limit is refused here as the app would (`parse_json`).
    """
    if not body.strip():
        return set()
    document = parse_json(body)
    if not isinstance(document, dict):
        return set()
    names = [document.get("pacticipantName")]  # a list: a name may be any JSON value, a dict included
    contracts = document.get("contracts")
    for contract in contracts if isinstance(contracts, list) else ():
        if isinstance(contract, dict):
            names.append(contract.get("consumerName"))
    return {name for name in names if isinstance(name, str)}


async def _buffered(scope: Scope, receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body (413 beyond `MAX_BODY`, counted while read) and a ``receive`` that replays it."""

    async def chunks() -> AsyncIterator[bytes]:
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            yield message.get("body", b"")
            if not message.get("more_body", False):
                return

    body = await read_body(Headers(scope=scope), chunks())
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _record_owner(scope: Scope, kind: str, record_id: int) -> set[str]:
    """The pacticipant of deployed/released version ``record_id`` (empty when unknown: the app answers 404)."""
    from polycontract.broker._api import queries as reads

    if record_id > _MAX_RECORD_ID:  # no such row (the database's ids are 64-bit): the app answers 404
        return set()
    broker = scope["app"].state.broker
    lookup = reads.deployment if kind == "deployed" else reads.release
    record = await run_in_threadpool(lookup, broker, record_id)
    return set() if record is None else {record.pacticipant}
