"""The OpenAPI description of `polycontract.broker._api.labels`'s routes (merged by `_api.openapi.document`)."""

from __future__ import annotations

from typing import Any

from polycontract.broker._api.openapi import answers as a
from polycontract.broker._api.openapi import schemas as s

__all__ = ["label_operations", "label_schemas"]

Schema = dict[str, Any]

_LABEL = "/pacticipants/{pacticipant}/labels/{label}"


def label_operations() -> dict[str, dict[str, Schema]]:
    """Operations by path and method."""
    label = ("PacticipantLabel", "The label")
    return {
        "/pacticipants/label/{label}": {
            "get": s.operation(
                "The pacticipants with a label",
                "pacticipantsWithLabel",
                {"200": ("Pacticipants", "The pacticipants with the label")},
                (),
            )
        },
        _LABEL: {
            "get": s.operation("A pacticipant's label", "getPacticipantLabel", {"200": label}, (404,)),
            "put": s.operation(
                "Label a pacticipant (created when new)",
                "putPacticipantLabel",
                {"200": label, "201": ("PacticipantLabel", "The new label")},
                (413,),
                write=True,
            ),
            "delete": s.operation(
                "Take a label off a pacticipant",
                "deletePacticipantLabel",
                {"204": (None, "Deleted")},
                (404,),
                write=True,
            ),
        },
    }


def label_schemas() -> dict[str, Schema]:
    """The answer schemas of these routes, for ``components.schemas``."""
    return {
        "PacticipantLabel": a.hal_document(
            ["name"], {"name": {"type": "string"}, "_links": a.links("self", "pacticipant")}
        )
    }
