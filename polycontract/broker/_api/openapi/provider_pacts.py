"""The OpenAPI description of `polycontract.broker._api.provider_pacts`'s routes (merged by `_api.openapi.document`)."""

from __future__ import annotations

from typing import Any

from polycontract.broker._api.openapi import answers as a
from polycontract.broker._api.openapi import schemas as s

__all__ = ["provider_pact_operations", "provider_pact_schemas"]

Schema = dict[str, Any]

_STR: Schema = {"type": "string"}
_PROV = "/pacts/provider/{provider}"
_PACT = _PROV + "/consumer/{consumer}"


def _get(summary: str, operation_id: str, schema: str, text: str) -> dict[str, Schema]:
    return {"get": s.operation(summary, operation_id, {"200": (schema, text)}, (404,))}


def provider_pact_operations() -> dict[str, dict[str, Schema]]:
    """Operations by path and method."""
    links, versions, states = "Links to the pacts", "The pact versions, newest first", "The provider states"
    return {
        _PROV + "/branch": _get(
            "Every pact of each consumer's main branch", "mainBranchProviderPacts", "LatestProviderPacts", links
        ),
        _PROV + "/branch/latest": _get(
            "Each consumer's newest pact on its main branch",
            "latestMainBranchProviderPacts",
            "LatestProviderPacts",
            links,
        ),
        _PROV + "/branch/{branch}": _get(
            "Every pact of consumer versions on a branch", "branchProviderPacts", "LatestProviderPacts", links
        ),
        _PROV + "/branch/{branch}/latest": _get(
            "Each consumer's newest pact on a branch", "latestBranchProviderPacts", "LatestProviderPacts", links
        ),
        _PACT + "/branch": _get(
            "The pact's versions on the consumer's main branch",
            "mainBranchPactVersions",
            "BranchPactVersions",
            versions,
        ),
        _PACT + "/branch/latest": _get(
            "The pact's newest version on the consumer's main branch",
            "latestMainBranchPactVersions",
            "BranchPactVersions",
            versions,
        ),
        _PACT + "/branch/{branch}": _get(
            "The pact's versions on a branch", "branchPactVersions", "BranchPactVersions", versions
        ),
        _PACT + "/branch/{branch}/latest": _get(
            "The pact of the newest consumer version on a branch",
            "latestBranchPact",
            "PactDocument",
            "The pact (X-Pact-Consumer-Version names the consumer version)",
        ),
        _PROV + "/provider-states": _get(
            "Provider states of each consumer's newest main-branch pact", "providerStates", "ProviderStates", states
        ),
        _PROV + "/provider-states/branch/{branch}": _get(
            "Provider states of each consumer's newest pact on a branch",
            "branchProviderStates",
            "ProviderStates",
            states,
        ),
        _PROV + "/provider-states/environment/{uuid}": _get(
            "Provider states of the pacts of consumer versions deployed or released to an environment (name or uuid)",
            "environmentProviderStates",
            "ProviderStates",
            states,
        ),
    }


def provider_pact_schemas() -> dict[str, Schema]:
    """The answer schemas of these routes, for ``components.schemas``."""
    state = s.obj(["name", "consumers"], {"name": _STR, "params": {}, "consumers": s.array(_STR)})
    version = s.obj(["number"], {"number": _STR})
    pact = s.obj(
        ["createdAt", "_embedded", "_links"],
        {
            "createdAt": _STR,
            "_embedded": s.obj(["consumerVersion"], {"consumerVersion": version}),
            "_links": a.links("self"),
        },
    )
    return {
        "ProviderStates": s.obj(["providerStates"], {"providerStates": s.array(state)}),
        "BranchPactVersions": a.hal_document(
            ["_embedded"],
            {
                "_embedded": s.obj(["pacts"], {"pacts": s.array(pact)}),
                "_links": a.links("self", "consumer", "provider", arrays=("pact-versions",)),
            },
        ),
    }
