"""`decide` and `rows` with fuzz verifications: ignored by default, counted or required only when asked."""

from __future__ import annotations

import pytest

from polycontract.errors import UsageError
from polycontract.matrix import Estate, LiveVersion, Publication, Verification, decide, rows

CONTENT = "ab" * 32


def _estate(*verifications: Verification) -> Estate:
    return Estate(
        publications=(Publication(consumer="web", consumer_version="1", provider="auth", content_hash=CONTENT),),
        verifications=verifications,
        live=(LiveVersion(pacticipant="auth", version="7", target="prod"),),
        versions=frozenset({("web", "1"), ("auth", "7")}),
    )


def _example(success: bool = True) -> Verification:
    return Verification(provider="auth", provider_version="7", content_hash=CONTENT, success=success)


def _fuzz(success: bool) -> Verification:
    return Verification(provider="auth", provider_version="7", content_hash=CONTENT, success=success, kind="fuzz")


def test_a_failed_fuzz_verification_changes_nothing_by_default() -> None:
    with_fuzz = decide(_estate(_example(), _fuzz(False)), "web", "1", target="prod")
    without = decide(_estate(_example()), "web", "1", target="prod")

    assert with_fuzz == without
    assert with_fuzz.ok is True


def test_a_passing_fuzz_verification_is_not_a_pass_by_default() -> None:
    decision = decide(_estate(_fuzz(True)), "web", "1", target="prod")

    assert decision.ok is None
    assert [r.status for r in decision.reasons] == ["unverified"]


def test_count_blocks_on_a_failed_fuzz_verification_with_a_reason_naming_fuzz() -> None:
    decision = decide(_estate(_example(), _fuzz(False)), "web", "1", target="prod", fuzz="count")

    assert decision.ok is False
    assert [r.status for r in decision.reasons] == ["ok", "failed"]
    assert "fuzz verification" in decision.reasons[1].message
    assert [row.kind for row in decision.rows] == ["example", "fuzz"]


def test_count_does_not_need_a_fuzz_verification() -> None:
    decision = decide(_estate(_example()), "web", "1", target="prod", fuzz="count")

    assert decision.ok is True
    assert [r.status for r in decision.reasons] == ["ok"]


def test_require_makes_a_missing_fuzz_verification_block() -> None:
    decision = decide(_estate(_example()), "web", "1", target="prod", fuzz="require")

    assert decision.ok is None
    assert decision.reasons[1].status == "unverified"
    assert "no fuzz verification" in decision.reasons[1].message
    assert decision.next_actions == ("provider auth 7 must verify pact content abababab with --fuzz",)


def test_require_passes_with_a_passing_fuzz_verification() -> None:
    decision = decide(_estate(_example(), _fuzz(True)), "web", "1", target="prod", fuzz="require")

    assert decision.ok is True
    assert [r.status for r in decision.reasons] == ["ok", "ok"]


def test_a_fuzz_pass_never_stands_in_for_the_example_result() -> None:
    decision = decide(_estate(_example(False), _fuzz(True)), "web", "1", target="prod", fuzz="count")

    assert decision.ok is False
    assert [r.status for r in decision.reasons] == ["failed", "ok"]


def test_ignoring_the_counterpart_ignores_its_fuzz_reason_too() -> None:
    decision = decide(_estate(_example(), _fuzz(False)), "web", "1", target="prod", fuzz="count", ignore=["auth"])

    assert decision.ok is True
    assert [r.status for r in decision.reasons] == ["ignored", "ignored", "no-dependencies"]


def test_an_unknown_fuzz_policy_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="fuzz='always'"):
        decide(_estate(), "web", "1", target="prod", fuzz="always")  # type: ignore[arg-type]


def test_matrix_rows_mark_fuzz_verifications_after_the_example_row() -> None:
    publication = _estate().publications
    found = rows(publication, [_fuzz(False), _example()])

    assert [(r.kind, r.success) for r in found] == [("example", True), ("fuzz", False)]


def test_a_publication_with_only_a_fuzz_result_still_shows_its_unverified_example_row() -> None:
    found = rows(_estate().publications, [_fuzz(True)])

    assert [(r.kind, r.provider_version, r.success) for r in found] == [("example", None, None), ("fuzz", "7", True)]
