"""Pact files: atomic writes, merging with what is on disk, and refusing to clobber what is not a pact."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from polycontract import Pact, PolycontractError, UsageError, match
from polycontract.codec import load_pact
from polycontract.files import merge_pacts, pact_file_name, read_pacts, update_pact, write_pact
from polycontract.model import PactDocument as PactModel


def declared(*descriptions: str, status: int = 200, spec: str = "V4") -> PactModel:
    pact = Pact(consumer="web", provider="users", spec=spec)
    for description in descriptions:
        pact.given("a user", id=1).upon_receiving(description).with_request("GET", f"/{description}").will_respond_with(
            status, body={"id": match.integer(1)}
        )
    return pact.to_model()


def test_writes_one_sorted_file_per_pair(tmp_path: Path) -> None:
    written = write_pact(declared("b", "a"), tmp_path)
    assert written.path == tmp_path / "web-users.json"
    assert written.interactions == 2
    doc = json.loads(written.path.read_text())
    assert [i["description"] for i in doc["interactions"]] == ["a", "b"]
    assert doc["metadata"]["pactSpecification"]["version"] == "4.0"
    assert sorted(os.listdir(tmp_path)) == ["web-users.json"]  # no temporary or lock file left behind


def test_writes_the_requested_spec(tmp_path: Path) -> None:
    written = write_pact(declared("a"), tmp_path, spec="V3")
    assert load_pact(written.path).spec == "V3"


def test_merges_with_the_existing_file_and_redeclared_interactions_replace_old_ones(tmp_path: Path) -> None:
    write_pact(declared("a", "b"), tmp_path)
    written = write_pact(declared("b", "c", status=201), tmp_path)
    pact = load_pact(written.path)
    assert [(i.description, i.response.status) for i in pact.interactions] == [("a", 200), ("b", 201), ("c", 201)]  # type: ignore[union-attr]
    assert written.interactions == 3


def test_overwrite_mode_drops_what_was_there(tmp_path: Path) -> None:
    write_pact(declared("a"), tmp_path)
    assert write_pact(declared("b"), tmp_path, mode="overwrite").interactions == 1


def test_writing_twice_gives_identical_bytes(tmp_path: Path) -> None:
    first = write_pact(declared("b", "a"), tmp_path).path.read_bytes()
    assert write_pact(declared("a", "b"), tmp_path).path.read_bytes() == first


def test_an_invalid_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "web-users.json"
    target.write_text("{ not json")
    with pytest.raises(PolycontractError, match=r"refusing to overwrite .*web-users\.json: it is not a valid pact"):
        write_pact(declared("a"), tmp_path)
    assert target.read_text() == "{ not json"


def test_a_file_of_another_pair_is_never_overwritten(tmp_path: Path) -> None:
    other = Pact(consumer="web app", provider="users").to_model()
    target = tmp_path / "web-users.json"
    target.write_text(json.dumps({"consumer": {"name": "web"}, "provider": {"name": "orders"}, "interactions": []}))
    with pytest.raises(PolycontractError, match="holds the pact web -> orders"):
        write_pact(declared("a"), tmp_path)
    assert pact_file_name(other.consumer, other.provider) == "web_app-users.json"


def test_an_unwritable_directory_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(UsageError, match=r"pact directory=.*file/pacts"):
        write_pact(declared("a"), blocker / "pacts")


def test_merge_refuses_conflicting_fragments_and_names_the_interaction() -> None:
    with pytest.raises(UsageError, match="description='a' with 'a user' is declared twice with different content"):
        merge_pacts([declared("a"), declared("a", status=500)])


def test_merge_keeps_identical_interactions_once() -> None:
    assert len(merge_pacts([declared("a", "b"), declared("b", "c")]).interactions) == 3


def test_merge_refuses_other_pairs() -> None:
    with pytest.raises(UsageError, match="cannot merge the pact web -> orders"):
        merge_pacts([declared("a"), PactModel(consumer="web", provider="orders")])


def test_read_pacts_loads_fragments(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    paths = [write_pact(declared(d), tmp_path / d).path for d in ("one", "two")]
    assert len(merge_pacts(read_pacts(paths)).interactions) == 2


def test_a_stale_lock_is_reported_with_its_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from polycontract import files

    (tmp_path / ".web-users.json.lock").write_text("")
    monkeypatch.setattr(files, "LOCK_TIMEOUT", 0.05)
    with pytest.raises(PolycontractError, match=r"\.web-users\.json\.lock has been held"):
        files._locked(tmp_path / "web-users.json", 0.05).__enter__()


def _merged_by_keys(pacts: list[PactModel]) -> list[tuple[str, object]]:
    """What `merge_pacts` keeps, in its order, computed the long way: every interaction keyed and sorted."""
    from polycontract.files import interaction_key

    merged = {interaction_key(i): i for pact in pacts for i in pact.interactions}
    ordered = sorted(merged.items(), key=lambda item: (item[0], item[1].type_name))
    return [(i.description, i.provider_states) for _, i in ordered]


def test_merge_orders_distinct_descriptions_as_the_interaction_keys_do() -> None:
    # No two descriptions alike: sorted by description without building the keys, in the keys' order.
    pacts = [declared("b", "a", "B", "é", "a b"), declared("c", "Z", "0")]
    merged = merge_pacts(pacts)
    assert [(i.description, i.provider_states) for i in merged.interactions] == _merged_by_keys(pacts)
    assert [i.description for i in merged.interactions] == ["0", "B", "Z", "a", "a b", "b", "c", "é"]


def test_merge_with_a_shared_description_orders_by_provider_states_too() -> None:
    from polycontract import model

    def interaction(description: str, *states: tuple[str, dict[str, object]]) -> model.HttpInteraction:
        given = tuple(model.ProviderState(name=name, params=params) for name, params in states)
        return model.HttpInteraction(description=description, provider_states=given)

    pact = model.PactDocument(
        consumer="web",
        provider="users",
        interactions=(
            interaction("x", ("s", {"id": 2})),
            interaction("x", ("s", {"id": 1})),
            interaction("a"),
            interaction("x"),
            interaction("x", ("s", {"id": 1})),  # the same again: kept once
        ),
    )
    merged = merge_pacts([pact])
    assert [(i.description, i.provider_states) for i in merged.interactions] == _merged_by_keys([pact])
    assert len(merged.interactions) == 4


def test_a_large_pact_is_written_as_dumps_pact_writes_it(tmp_path: Path) -> None:
    # More pieces of text than one batch of `_replace_atomically`, non-ASCII text included.
    from polycontract.codec import dumps_pact
    from polycontract.files import _BATCH

    model = declared(*(f"get é {n}" for n in range(_BATCH // 4)))
    written = write_pact(model, tmp_path)
    assert written.path.read_bytes() == (dumps_pact(merge_pacts([model])) + "\n").encode("utf-8")


def test_update_pact_removes_the_file_when_nothing_is_left(tmp_path: Path) -> None:
    write_pact(declared("a"), tmp_path)

    written = update_pact("web", "users", tmp_path, lambda existing: None)

    assert written.removed and written.interactions == 0
    assert not (tmp_path / "web-users.json").exists()


def test_update_pact_hands_over_what_the_file_holds_and_keeps_its_spec(tmp_path: Path) -> None:
    write_pact(declared("a"), tmp_path, spec="V3")
    seen: list[PactModel | None] = []

    def update(existing: PactModel | None) -> PactModel | None:
        seen.append(existing)
        return existing

    written = update_pact("web", "users", tmp_path, update)

    assert seen[0] is not None and [i.description for i in seen[0].interactions] == ["a"]
    assert written.interactions == 1
    assert json.loads((tmp_path / "web-users.json").read_text())["metadata"]["pactSpecification"]["version"] == "3.0.0"
