"""Argument checks both brokers make before they do anything: a wrong call fails the same way embedded and over HTTP.

Each check raises `polycontract.errors.UsageError` naming the argument, or returns the value in the form the
broker keeps (a `SchemaKind`, an upper-cased level, selectors as objects, a moment in UTC).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from polycontract.broker._values.names import checked_name
from polycontract.broker._values.test_results import normalize
from polycontract.errors import UsageError

if TYPE_CHECKING:
    from polycontract.broker._values.selectors import ConsumerVersionSelector
    from polycontract.broker._values.selectors import SelectorInput as SelectorInput
    from polycontract.matrix import FuzzPolicy
    from polycontract.schema_matrix import SchemaKind

__all__ = [
    "WEBHOOK_ID",
    "as_utc",
    "check_kind",
    "check_level",
    "checked_contacts",
    "checked_display_name",
    "checked_environment_name",
    "checked_fuzz_policy",
    "checked_keep_latest",
    "checked_label",
    "checked_url",
    "checked_webhook_id",
    "checked_wip_since",
    "deploy_target",
    "parse_result",
    "parse_selectors",
    "parse_test_results",
    "utc",
    "verification_kind",
    "wip_flag",
]

#: What can-i-deploy may do with fuzz results (`polycontract.matrix.FuzzPolicy`).
_FUZZ_POLICIES: tuple[FuzzPolicy, ...] = ("ignore", "count", "require")

#: The longest URL stored (longer ones are refused, not cut).
MAX_URL = 2048

#: A webhook id chosen by the caller: 16 to 64 letters, digits, ``-`` or ``_`` (a UUID fits).
WEBHOOK_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")


def checked_url(value: str | None, name: str) -> str | None:
    """``value`` when it is None or a non-empty URL of at most `MAX_URL` characters; a `UsageError` otherwise."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{name}={value!r} must be a non-empty URL")
    if len(value) > MAX_URL:
        raise UsageError(f"{name} is {len(value)} characters long; at most {MAX_URL} are stored")
    return value


def checked_display_name(display_name: str | None) -> str | None:
    """``display_name`` when it is None or a non-empty name of at most 255 characters; a `UsageError` otherwise."""
    if display_name is not None and (not display_name.strip() or len(display_name) > 255):
        raise UsageError(f"display_name={display_name!r} must be a non-empty name of at most 255 characters")
    return display_name


def deploy_target(to_environment: str | None, to_main_branch: bool, to_tag: str | None) -> str:
    """The target can-i-deploy names for exactly one of its three questions; `UsageError` otherwise."""
    if [to_environment is not None, to_main_branch, to_tag is not None].count(True) != 1:
        raise UsageError("can_i_deploy needs exactly one of to_environment=…, to_main_branch=True or to_tag=…")
    if to_environment is not None:
        return to_environment
    return f"the latest versions tagged {to_tag}" if to_tag is not None else "the main branches"


def check_kind(kind: str) -> SchemaKind:
    """``kind`` as a `SchemaKind`, or a `UsageError` listing the kinds."""
    from polycontract.schema_matrix import KINDS  # a command that checks no schema does not load the schema matrix

    for known in KINDS:
        if kind.lower() == known:
            return known
    raise UsageError(f"kind={kind!r} is not a schema kind (expected one of {', '.join(KINDS)})")


def check_level(level: str) -> str:
    """``level`` upper-cased, or a `UsageError` listing the compatibility levels."""
    from polycontract.schema_matrix import LEVELS  # as in check_kind

    if level.upper() not in LEVELS:
        raise UsageError(f"level={level!r} is not a compatibility level (expected one of {', '.join(LEVELS)})")
    return level.upper()


def checked_label(label: str) -> str:
    """``label`` NFC-normalised when it is a valid name (`checked_name`: no ``/``, nothing invisible, at most 255
    characters); a `UsageError` otherwise."""
    return checked_name(label, "label")


def checked_contacts(contacts: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``contacts`` as stored: each ``{name, details?}`` with a non-empty single-line ``name`` and an object of
    ``details`` (pact_broker ``lib/pact_broker/api/contracts/environment_schema.rb``); a `UsageError` otherwise."""
    if isinstance(contacts, str | bytes | Mapping):
        raise UsageError(f"contacts={contacts!r} must be a list of {{name, details?}} objects")
    out = []
    for index, contact in enumerate(contacts):
        if not isinstance(contact, Mapping):
            raise UsageError(f"contacts[{index}]={contact!r} must be an object {{name, details?}}")
        unknown = sorted(set(contact) - {"name", "details"})
        name, details = contact.get("name"), contact.get("details")
        if unknown:
            raise UsageError(f"contacts[{index}] has unknown members {unknown}; a contact is {{name, details?}}")
        if not isinstance(name, str) or not name.strip() or "\n" in name:
            raise UsageError(f"contacts[{index}].name={name!r} must be a non-empty single-line name")
        if details is not None and not isinstance(details, Mapping):
            raise UsageError(f"contacts[{index}].details={details!r} must be an object")
        out.append({"name": name, **({} if details is None else {"details": dict(details)})})
    return out


def checked_environment_name(name: str) -> str:
    """``name`` NFC-normalised when it is a valid environment name (`checked_name`); a `UsageError` otherwise."""
    return checked_name(name, "environment")


def checked_keep_latest(keep_latest: int) -> int:
    """``keep_latest`` for a prune: at least 1, or a `UsageError`."""
    if keep_latest < 1:
        raise UsageError(f"keep_latest={keep_latest!r} must be at least 1")
    return keep_latest


def checked_webhook_id(webhook_id: str | None) -> str | None:
    """A caller-chosen webhook id matching `WEBHOOK_ID` (or None: the broker picks one); a `UsageError` otherwise."""
    if webhook_id is not None and not WEBHOOK_ID.fullmatch(webhook_id):
        raise UsageError(f"webhook_id={webhook_id!r} must be 16 to 64 letters, digits, '-' or '_' (e.g. a UUID)")
    return webhook_id


def parse_selectors(selectors: Iterable[SelectorInput] | None) -> tuple[ConsumerVersionSelector, ...]:
    """Selectors as objects (JSON dicts parsed); none given means the defaults."""
    from polycontract.broker._values.selectors import DEFAULT_SELECTORS, ConsumerVersionSelector

    if selectors is None:
        return DEFAULT_SELECTORS
    parsed = tuple(
        s if isinstance(s, ConsumerVersionSelector) else ConsumerVersionSelector.from_json(s) for s in selectors
    )
    return parsed or DEFAULT_SELECTORS


def as_utc(moment: date | datetime) -> datetime:
    """A date (midnight UTC) or datetime as an aware UTC datetime (naive means UTC)."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(), tzinfo=UTC)
    return utc(moment)


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already (as the databases store them)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def checked_wip_since(include_pending: bool, include_wip_since: date | datetime | None) -> datetime | None:
    """``include_wip_since`` in UTC; WIP pacts are always pending, so asking for them needs ``include_pending``."""
    if include_wip_since is None:
        return None
    if not include_pending:
        raise UsageError("include_wip_since needs include_pending=True: WIP pacts are always pending")
    return as_utc(include_wip_since)


def parse_result(item: Mapping[str, Any]) -> tuple[str, bool, bool]:
    """One item of a verification run: its (content hash, success, pending), or a `UsageError` saying what is off."""
    if not isinstance(item, Mapping):
        raise UsageError(f"a verification result is a mapping with content_hash and success, got {item!r}")
    digest, success, pending = item.get("content_hash"), item.get("success"), item.get("pending", False)
    if not isinstance(digest, str) or not digest:
        raise UsageError(f"verification result {dict(item)!r} needs content_hash (a pact content hash)")
    if not isinstance(success, bool) or not isinstance(pending, bool):
        raise UsageError(f"verification result {dict(item)!r} needs success (and pending) as True/False")
    return digest, success, pending


def wip_flag(item: Mapping[str, Any]) -> bool:
    """The item's ``wip`` flag: the pact was verified as work in progress (the Pact Broker's verifications.wip)."""
    wip = item.get("wip", False)
    if not isinstance(wip, bool):
        raise UsageError(f"verification result {dict(item)!r} needs wip as True/False")
    return wip


def checked_fuzz_policy(fuzz: str) -> FuzzPolicy:
    """``fuzz`` as a `FuzzPolicy` (what can-i-deploy does with fuzz results: ``ignore``, ``count`` or ``require``),
    or a `UsageError` naming them."""
    for policy in _FUZZ_POLICIES:
        if fuzz == policy:
            return policy
    raise UsageError(f"fuzz={fuzz!r} is not one of 'ignore', 'count', 'require'")


def verification_kind(item: Mapping[str, Any]) -> str:
    """The item's ``kind``: ``example`` (the default: the pact's examples) or ``fuzz`` (generated requests)."""
    kind = item.get("kind", "example")
    if kind not in ("example", "fuzz"):
        raise UsageError(f"verification result kind={kind!r} is not 'example' or 'fuzz'")
    return str(kind)


def parse_test_results(item: Mapping[str, Any]) -> dict[str, Any] | None:
    """The bounded, stored form of an item's ``test_results`` (None when it has none)."""
    try:
        return normalize(item.get("test_results"), where="test_results")
    except UsageError as exc:
        raise UsageError(f"the result for pact content {str(item.get('content_hash', ''))[:8]}: {exc}") from None
