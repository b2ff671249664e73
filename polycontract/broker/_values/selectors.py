"""Consumer version selectors: which consumer versions' pacts a provider verifies.

They mirror the Pact Broker's ``consumerVersionSelectors`` (JSON keys ``mainBranch``, ``branch``,
``fallbackBranch``, ``matchingBranch``, ``deployedOrReleased``, ``deployed``, ``released``,
``environment``, ``latest``, ``consumer``, and the legacy ``tag`` and ``fallbackTag``).

>>> ConsumerVersionSelector.from_json({"deployed": True, "environment": "prod"}).describe()
'deployed to prod'
>>> ConsumerVersionSelector(main_branch=True).to_json()
{'mainBranch': True}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from polycontract.errors import UsageError

__all__ = ["DEFAULT_SELECTORS", "ConsumerVersionSelector", "SelectorInput"]

#: JSON key -> (attribute, expected type).
_KEYS: dict[str, tuple[str, type]] = {
    "mainBranch": ("main_branch", bool),
    "branch": ("branch", str),
    "matchingBranch": ("matching_branch", bool),
    "deployedOrReleased": ("deployed_or_released", bool),
    "deployed": ("deployed", bool),
    "released": ("released", bool),
    "environment": ("environment", str),
    "latest": ("latest", bool),
    "consumer": ("consumer", str),
    "tag": ("tag", str),
    "fallbackTag": ("fallback_tag", str),
    "fallbackBranch": ("fallback_branch", str),
}


@dataclass(frozen=True, kw_only=True)
class ConsumerVersionSelector:
    """One way of choosing consumer versions, optionally narrowed to one ``consumer``.

    Exactly one kind: ``main_branch`` (latest on each consumer's main branch), ``branch`` (latest on
    that branch), ``matching_branch`` (latest on the branch named like the provider's),
    ``deployed_or_released`` / ``deployed`` / ``released`` (every version currently live, optionally
    in ``environment``), ``environment`` alone (deployed or released there), or ``latest`` alone (the
    newest version of each consumer, discouraged: it races). ``latest=False`` on a branch kind selects
    every version on the branch instead of the newest. ``fallback_branch`` stands in, per consumer,
    for a ``branch`` that consumer has no pact on. The legacy ``tag`` kind selects every version with
    that tag, or with ``latest=True`` the newest per consumer (``fallback_tag`` standing in as for
    branches), as the Pact Broker does.
    """

    main_branch: bool = False
    branch: str | None = None
    matching_branch: bool = False
    deployed_or_released: bool = False
    deployed: bool = False
    released: bool = False
    environment: str | None = None
    latest: bool | None = None
    consumer: str | None = None
    tag: str | None = None
    fallback_tag: str | None = None
    fallback_branch: str | None = None

    def __post_init__(self) -> None:
        kinds = [name for name, value in self._kinds().items() if value]
        if len(kinds) > 1:
            raise UsageError(f"a consumer version selector has one kind, got {', '.join(kinds)}: split it in two")
        branchy = self.main_branch or self.branch is not None or self.matching_branch
        if (branchy or self.tag is not None) and self.environment is not None:
            raise UsageError("environment= narrows deployed/released selectors, not branch or tag selectors")
        if not branchy and self.tag is None and self.latest is False:
            raise UsageError("latest=False only applies to branch and tag selectors (every version on it)")
        if self.fallback_tag is not None and (self.tag is None or self.latest is not True):
            raise UsageError("fallbackTag needs tag and latest=true (the newest version with the fallback tag)")
        if self.fallback_branch is not None and (self.branch is None or self.latest is False):
            raise UsageError("fallbackBranch needs branch (and is the newest version on the fallback branch)")
        live = self.deployed_or_released or self.deployed or self.released
        if live and self.latest:
            raise UsageError("latest=True does not apply to deployed/released selectors: every live version counts")
        if not kinds and self.environment is None and not self.latest:
            raise UsageError(
                "this consumer version selector selects nothing: give mainBranch, branch, matchingBranch, "
                "deployedOrReleased, deployed, released, environment, latest or tag"
            )
        for name in ("branch", "environment", "consumer", "tag", "fallback_tag", "fallback_branch"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise UsageError(f"{name}={value!r} must be a non-empty string")

    def _kinds(self) -> dict[str, bool]:
        return {
            "mainBranch": self.main_branch,
            "branch": self.branch is not None,
            "matchingBranch": self.matching_branch,
            "deployedOrReleased": self.deployed_or_released,
            "deployed": self.deployed,
            "released": self.released,
            "tag": self.tag is not None,
        }

    @property
    def wants_deployed(self) -> bool:
        """True when currently deployed versions match."""
        return self.deployed or self.deployed_or_released or (self.environment is not None and not self.released)

    @property
    def wants_released(self) -> bool:
        """True when released-and-supported versions match."""
        return self.released or self.deployed_or_released or (self.environment is not None and not self.deployed)

    @property
    def is_live(self) -> bool:
        """True for the deployed/released/environment kinds."""
        return self.wants_deployed or self.wants_released

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ConsumerVersionSelector:
        """Parse the Pact Broker's JSON form; a `UsageError` names any key or value it cannot use."""
        if not isinstance(data, Mapping):
            raise UsageError(f"a consumer version selector is a JSON object, got {data!r}")
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in _KEYS:
                raise UsageError(f"unknown consumer version selector key {key!r} (known: {', '.join(_KEYS)})")
            attribute, kind = _KEYS[key]
            if not isinstance(value, kind):
                raise UsageError(f"consumer version selector {key}={value!r} must be a {kind.__name__}")
            values[attribute] = value
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        """The Pact Broker's JSON form (only the keys that are set)."""
        out: dict[str, Any] = {}
        for key, (attribute, _kind) in _KEYS.items():
            value = getattr(self, attribute)
            if value is not None and value is not False:
                out[key] = value
        if self.latest is False:
            out["latest"] = False
        return out

    def describe(self) -> str:
        """What the selector chooses, in words (used in the reasons a pact is verified)."""
        if self.main_branch:
            text = "latest from the main branch" if self.latest is not False else "every version on the main branch"
        elif self.branch is not None:
            text = f"latest from branch {self.branch}" if self.latest is not False else f"on branch {self.branch}"
            text += f" (else latest from branch {self.fallback_branch})" if self.fallback_branch else ""
        elif self.matching_branch:
            text = "latest from the branch matching the provider's"
        elif self.tag is not None:
            text = f"latest with tag {self.tag}" if self.latest else f"every version with tag {self.tag}"
            text += f" (else latest with tag {self.fallback_tag})" if self.fallback_tag else ""
        elif self.is_live:
            kind = "deployed or released" if self.wants_deployed and self.wants_released else None
            kind = kind or ("deployed" if self.wants_deployed else "released")
            text = f"{kind} to {self.environment}" if self.environment else f"{kind} in any environment"
        else:
            text = "latest version"
        return text + (f" of {self.consumer}" if self.consumer else "")


#: What the broker selects when the provider gives no selectors (as the Pact Broker does).
DEFAULT_SELECTORS = (ConsumerVersionSelector(main_branch=True), ConsumerVersionSelector(deployed_or_released=True))

#: A selector as an object or in the Pact Broker's JSON form.
SelectorInput: TypeAlias = ConsumerVersionSelector | dict[str, Any]
