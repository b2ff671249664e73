"""What a webhook's reader may see: its configuration and delivery log with every secret shown as ``***``.

A webhook carries credentials in its headers, in its URL (``user:password@``, ``?token=…``, a token as a path
segment) and in its body template. They are stored and sent as written, but only an admin token reads them
back; every other reader — read and write tokens, a server without auth, the `Broker` methods themselves —
gets the redacted view built here. Pure functions, no I/O.

Which values are secret, and why:

- a **header** value when its name is a credential's (the Pact Broker redacts ``/authorization/i`` and
  ``/token/i``, pact_broker ``lib/pact_broker/webhooks/webhook_request_template.rb`` ``HEADERS_TO_REDACT``;
  here also every name containing key, secret, auth, pass, pwd, signature, cookie, session, credential, …),
  when it starts with an authorization scheme (``Bearer …``, ``Basic …``, ``Token …``), or when it is shaped
  like a token (16 or more characters of letters *and* digits, no spaces) whatever its name. Other header
  values (``Content-Type``, ``X-Team``) stay readable: a team debugging its webhook needs them, and header
  names are the one place where credentials follow a naming convention;
- every **URL** credential (user and password), every literal **query** value and every token-shaped **path**
  segment (a Slack or Discord hook's last segment): query names there are arbitrary (``code``, ``sig``, ``t``);
- every literal text in the **body** template: a JSON body's keys, numbers, booleans and
  ``${pactbroker.…}`` placeholders stay, the strings written around them read ``***``.

Delivery logs (an error message, the receiver's answer, which may echo the request) are redacted with the
webhook's own secrets (`secrets_of`) and with patterns that find credentials whatever their value
(`redacted_text`), as pact_broker ``lib/pact_broker/webhooks/redact_logs.rb`` does.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlsplit, urlunsplit

from polycontract.broker._values.records import Webhook, WebhookAttempt

__all__ = [
    "MASK",
    "is_secret_header",
    "is_secret_name",
    "mask_headers",
    "masked_body",
    "masked_query",
    "masked_url",
    "redacted_attempt",
    "redacted_text",
    "redacted_webhook",
    "secrets_of",
]

#: What a secret reads as.
MASK = "***"

_SECRET_PARTS = (
    "auth", "key", "token", "secret", "pass", "pwd", "signature", "cookie", "session", "credential", "private",
    "bearer", "jwt", "hmac", "cert",
)  # fmt: skip
_SECRET_NAMES = frozenset({"sig", "code", "pw", "sas", "x-honeycomb-team"})
_SCHEME = re.compile(
    r"(?i)^\s*(?:bearer|basic|token|digest|negotiate|bot|apikey|api-key|key|sso-key|ssws|oauth|hawk|aws4-hmac-sha256)\s+\S"
)
_TOKEN = re.compile(r"[A-Za-z0-9+/=_.:~%-]{16,}")
_PLACEHOLDER = re.compile(r"(\$\{pactbroker\.[A-Za-z]+\})")
#: Credentials in free text whatever their value: ``Bearer x``, ``"api_key": "x"``, ``token=x``, ``X-Auth: x``.
_NAMES = r"[\w.-]*(?:auth|key|token|secret|pass|pwd|signature|cookie|session|credential|private|jwt|hmac)[\w.-]*"
_IN_TEXT = (
    re.compile(r"(?i)\b((?:bearer|basic|token|digest|bot|ssws|hawk)\s+)[^\s\"',;}\]]+"),
    re.compile(rf"(?i)(\"{_NAMES}\"\s*:\s*\")(?:[^\"\\]|\\.)*"),
    re.compile(rf"(?i)(\b{_NAMES}\s*[=:]\s*)[^\s&\"',;}}\]]+"),
    re.compile(r"(//)[^/@\s\"']+(?=@)"),
)
#: A secret shorter than this is not looked for in logs (it would mask ordinary words).
_MIN_SECRET = 4


def is_secret_name(name: str) -> bool:
    """Whether a header, query parameter or JSON field called ``name`` holds a credential."""
    lowered = name.strip().lower()
    return lowered in _SECRET_NAMES or any(part in lowered for part in _SECRET_PARTS)


def _token_shaped(value: str) -> bool:
    """A run of 16+ letters-and-digits without spaces: an API key, a hook id, a signature."""
    literal = _PLACEHOLDER.sub("", value).strip()
    return bool(_TOKEN.fullmatch(literal)) and any(c.isdigit() for c in literal) and any(c.isalpha() for c in literal)


def is_secret_header(name: str, value: str = "") -> bool:
    """Whether a header's value is a credential: by its name, its authorization scheme or its token shape."""
    return is_secret_name(name) or bool(_SCHEME.match(value)) or _token_shaped(value)


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """``headers`` with every secret value replaced by `MASK`."""
    return {k: MASK if is_secret_header(k, v) else v for k, v in headers.items()}


def _masked_literal(text: str) -> str:
    """``text`` with its placeholders kept and every literal run between them shown as `MASK`."""
    return "".join(p if _PLACEHOLDER.fullmatch(p) or not p.strip() else MASK for p in _PLACEHOLDER.split(text))


def masked_query(query: str) -> str:
    """A query string with every literal value masked (names and placeholders kept, as written)."""
    pairs = []
    for pair in query.split("&"):
        name, sep, value = pair.partition("=")
        pairs.append(f"{name}{sep}{_masked_literal(value)}" if sep else _masked_literal(name))
    return "&".join(pairs)


def _masked_path(path: str) -> str:
    return "/".join(MASK if _token_shaped(unquote(s)) else s for s in path.split("/"))


def masked_url(url: str) -> str:
    """``url`` with its credentials, literal query values, fragment and token-shaped path segments masked."""
    try:
        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")[2]
        if "@" in parts.netloc:
            colon = ":" in parts.netloc.rpartition("@")[0]
            host = MASK + (":" + MASK if colon else "") + "@" + host
        return urlunsplit(
            (
                parts.scheme,
                host,
                _masked_path(parts.path),
                masked_query(parts.query) if parts.query else "",
                _masked_literal(parts.fragment) if parts.fragment else "",
            )
        )
    except ValueError:  # unparsable: hide whatever credentials and query it may hold
        return re.sub(r"//[^/@]*@", "//***@", url.split("?", 1)[0].split("#", 1)[0]) + ("?***" if "?" in url else "")


def _masked_json(value: Any) -> Any:
    if isinstance(value, str):
        return _masked_literal(value)
    if isinstance(value, list):
        return [_masked_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _masked_json(v) for k, v in value.items()}
    return value


def masked_body(template: str) -> str:
    """A body template (JSON text) with every literal string masked; a text body's form values or text likewise."""
    value = json.loads(template)
    if isinstance(value, str):
        form = "=" in value and not any(c.isspace() for c in value)
        return json.dumps(masked_query(value) if form else _masked_literal(value))
    return json.dumps(_masked_json(value))


def redacted_webhook(hook: Webhook) -> Webhook:
    """``hook`` as any reader but an admin sees it."""
    return dataclasses.replace(
        hook,
        url=masked_url(hook.url),
        headers=mask_headers(hook.headers),
        body_template=masked_body(hook.body_template),
    )


def _literals(text: str) -> list[str]:
    return [p for p in _PLACEHOLDER.split(text) if p.strip() and not _PLACEHOLDER.fullmatch(p)]


def _json_strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | dict):
        for item in value.values() if isinstance(value, dict) else value:
            yield from _json_strings(item)


def _credential_parts(value: str) -> list[str]:
    """A header value's credential and, for ``Basic``, the decoded user and password."""
    scheme, _, credential = value.strip().partition(" ")
    found = [value, credential] if credential else [value]
    if scheme.lower() == "basic" and credential:
        try:
            decoded = base64.b64decode(credential, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return found
        found += [decoded, *decoded.split(":", 1)]
    return found


def secrets_of(hook: Webhook) -> frozenset[str]:
    """The literal values of ``hook`` (unredacted) that its redacted view hides: what its delivery log must not show."""
    found: list[str] = []
    for name, value in hook.headers.items():
        if is_secret_header(name, value):
            found += [p for part in _credential_parts(value) for p in _literals(part)]
    try:
        parts = urlsplit(hook.url)
        userinfo = parts.netloc.rpartition("@")[0]
        found += [s for s in userinfo.split(":") if s] + [s for s in parts.path.split("/") if _token_shaped(s)]
        for pair in parts.query.split("&"):
            found += _literals(pair.partition("=")[2])
        found += _literals(parts.fragment)
    except ValueError:
        found.append(hook.url)
    body = json.loads(hook.body_template)
    for text in _json_strings(body):
        found += _literals(text)
    for pair in body.split("&") if isinstance(body, str) else ():
        found += _literals(pair.partition("=")[2])
    return frozenset(s for s in found if s and len(s.strip()) >= _MIN_SECRET)


def _variants(secret: str) -> set[str]:
    """How ``secret`` may appear in a log: as written, percent-encoded, decoded, JSON-escaped."""
    return {secret, quote(secret, safe=""), quote_plus(secret), unquote(secret), unquote_plus(secret)} | {
        json.dumps(secret)[1:-1]
    }


def redacted_text(text: str | None, secrets: Iterable[str] = ()) -> str | None:
    """``text`` (an error message, a receiver's answer) with ``secrets`` and credential-looking values masked.

    A log keeps the first characters of an answer only, so a secret cut at its end is masked too.
    """
    if not text:
        return text
    variants = sorted({v for s in secrets for v in _variants(s) if len(v) >= _MIN_SECRET}, key=len, reverse=True)
    for variant in variants:
        text = text.replace(variant, MASK)
    for pattern in _IN_TEXT:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    for variant in variants:
        for cut in range(len(variant) - 1, _MIN_SECRET - 1, -1):
            if text.endswith(variant[:cut]):
                return text[: len(text) - cut] + MASK
    return text


def redacted_attempt(attempt: WebhookAttempt, secrets: Iterable[str] = ()) -> WebhookAttempt:
    """A delivery attempt with its error and the receiver's answer redacted (`redacted_text`)."""
    kept = tuple(secrets)
    return dataclasses.replace(
        attempt, error=redacted_text(attempt.error, kept), response=redacted_text(attempt.response, kept)
    )
