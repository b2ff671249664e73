"""The JSON Schema search: a value valid under one schema that another rejects (jsonschema decides).

Public through `polycontract.compat.counterexamples`; jsonschema and hypothesis are imported only when it runs.
"""

from __future__ import annotations

from typing import Any

from polycontract.compat._load import load_document
from polycontract.compat._outcomes import DEFAULT_BUDGET, Counterexample, search
from polycontract.errors import SchemaError

__all__ = ["jsonschema_search"]


def jsonschema_search(
    accepting: Any,
    rejecting: Any,
    *,
    budget: int = DEFAULT_BUDGET,
    seed: int = 0,
    accepting_name: str = "old",
    rejecting_name: str = "new",
    pointer: str | None = None,
) -> Counterexample:
    """Search a JSON value valid under ``accepting`` and invalid under ``rejecting`` (jsonschema decides).

    With ``pointer`` (a finding's JSON pointer into the schema), only a rejection there counts: an error
    whose schema path leads to the pointer, or lies under it.

    >>> jsonschema_search({"type": "number"}, {"type": "integer"}).value
    0.5
    """
    from jsonschema.validators import Draft202012Validator, validator_for

    a_doc = load_document(accepting, name=accepting_name, kind="JSON Schema")
    r_doc = load_document(rejecting, name=rejecting_name, kind="JSON Schema")
    for doc, name in ((a_doc, accepting_name), (r_doc, rejecting_name)):
        if not isinstance(doc, dict | bool):
            raise SchemaError(f"a JSON Schema is an object or a boolean, not {type(doc).__name__}", source=name)
    validator = validator_for(r_doc, default=Draft202012Validator)(r_doc)

    target = None if pointer is None else [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]

    def rejected(value: Any) -> str | None:
        for error in validator.iter_errors(value):
            at = [str(p) for p in error.absolute_schema_path]
            if target is None or at[: len(target)] == target or target[: len(at)] == at:
                where = "/" + "/".join(str(p) for p in error.absolute_path)
                return f"{where}: {error.message}"
        return None

    from polycontract.strategies import from_json_schema

    return search(
        lambda: from_json_schema(a_doc),
        rejected,
        budget=budget,
        seed=seed,
        writer=accepting_name,
        reader=rejecting_name,
    )
