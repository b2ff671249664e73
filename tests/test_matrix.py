"""can-i-deploy decisions over plain data: every case of the broker semantics notes, sections 3-4."""

from __future__ import annotations

from datetime import datetime, timedelta

from polycontract.matrix import Decision, Estate, Ignore, LiveVersion, Publication, Verification, decide, rows

T0 = datetime(2026, 1, 1, 12, 0, 0)
H1 = "1" * 64
H2 = "2" * 64


def pub(consumer: str, version: str, provider: str, content: str) -> Publication:
    return Publication(consumer=consumer, consumer_version=version, provider=provider, content_hash=content)


def ver(
    provider: str, version: str, content: str, success: bool, minute: int = 0, pending: bool = False
) -> Verification:
    return Verification(
        provider=provider,
        provider_version=version,
        content_hash=content,
        success=success,
        verified_at=T0 + timedelta(minutes=minute),
        pending=pending,
    )


def deployed(name: str, version: str, instance: str | None = None) -> LiveVersion:
    return LiveVersion(pacticipant=name, version=version, target="prod", application_instance=instance)


def released(name: str, version: str) -> LiveVersion:
    return LiveVersion(pacticipant=name, version=version, target="prod", kind="released")


def estate(
    publications: tuple[Publication, ...] = (),
    verifications: tuple[Verification, ...] = (),
    live: tuple[LiveVersion, ...] = (),
    extra_versions: tuple[tuple[str, str], ...] = (),
) -> Estate:
    known = {(p.consumer, p.consumer_version) for p in publications}
    known |= {(v.provider, v.provider_version) for v in verifications}
    known |= {(lv.pacticipant, lv.version) for lv in live}
    return Estate(
        publications=publications,
        verifications=verifications,
        live=live,
        versions=frozenset(known | set(extra_versions)),
    )


def statuses(decision: Decision) -> list[str]:
    return [r.status for r in decision.reasons]


def test_consumer_with_verified_pact_against_deployed_provider_is_safe() -> None:
    e = estate((pub("web", "1.0", "auth", H1),), (ver("auth", "2.0", H1, True),), (deployed("auth", "2.0"),))
    d = decide(e, "web", "1.0", target="prod")
    assert d.ok is True
    assert statuses(d) == ["ok"]
    assert d.rows[0].provider_version == "2.0" and d.rows[0].success is True


def test_identical_content_from_a_new_consumer_version_reuses_the_verification() -> None:
    e = estate(
        (pub("web", "1.0", "auth", H1), pub("web", "1.1", "auth", H1)),
        (ver("auth", "2.0", H1, True),),
        (deployed("auth", "2.0"),),
    )
    d = decide(e, "web", "1.1", target="prod")
    assert d.ok is True
    assert "web 1.1" in d.reasons[0].message


def test_changed_content_is_not_covered_by_the_old_verification() -> None:
    e = estate(
        (pub("web", "1.0", "auth", H1), pub("web", "1.1", "auth", H2)),
        (ver("auth", "2.0", H1, True),),
        (deployed("auth", "2.0"),),
    )
    d = decide(e, "web", "1.1", target="prod")
    assert d.ok is None
    assert d.next_actions == ("provider auth 2.0 must verify pact content 22222222 from web 1.1",)


def test_an_older_consumer_version_is_judged_by_its_own_pact() -> None:
    e = estate(
        (pub("web", "1.0", "auth", H1), pub("web", "1.1", "auth", H2)),
        (ver("auth", "2.0", H1, True), ver("auth", "2.0", H2, False)),
        (deployed("auth", "2.0"),),
    )
    assert decide(e, "web", "1.0", target="prod").ok is True
    assert decide(e, "web", "1.1", target="prod").ok is False


def test_a_failure_is_fixed_by_deploying_a_newer_provider_that_verifies() -> None:
    pubs = (pub("web", "1.0", "auth", H1),)
    results = (ver("auth", "2.0", H1, False), ver("auth", "2.1", H1, True, minute=5))
    before = decide(estate(pubs, results, (deployed("auth", "2.0"),)), "web", "1.0", target="prod")
    after = decide(estate(pubs, results, (deployed("auth", "2.1"),)), "web", "1.0", target="prod")
    assert before.ok is False
    assert "failed" in before.reasons[0].message
    assert after.ok is True


def test_the_latest_verification_by_the_same_provider_version_wins() -> None:
    pubs = (pub("web", "1.0", "auth", H1),)
    results = (ver("auth", "2.0", H1, False, minute=1), ver("auth", "2.0", H1, True, minute=2))
    assert decide(estate(pubs, results, (deployed("auth", "2.0"),)), "web", "1.0", target="prod").ok is True
    flipped = (results[1], ver("auth", "2.0", H1, False, minute=3))
    assert decide(estate(pubs, flipped, (deployed("auth", "2.0"),)), "web", "1.0", target="prod").ok is False


def test_two_application_instances_of_a_provider_are_both_checked() -> None:
    """pact_broker#903: the newer instance verifying must not hide the older one failing."""
    e = estate(
        (pub("web", "1.0", "auth", H1),),
        (ver("auth", "2.0", H1, False), ver("auth", "2.1", H1, True, minute=5)),
        (deployed("auth", "2.0", "eu"), deployed("auth", "2.1", "us")),
    )
    d = decide(e, "web", "1.0", target="prod")
    assert d.ok is False
    assert statuses(d) == ["failed", "ok"]
    assert "auth 2.0 (deployed to prod, instance eu)" in d.reasons[0].message
    assert [r.provider_version for r in d.rows] == ["2.0", "2.1"]


def test_a_provider_is_checked_against_every_live_consumer_instance() -> None:
    e = estate(
        (pub("web", "1.0", "auth", H1), pub("web", "1.1", "auth", H2)),
        (ver("auth", "3.0", H2, True),),
        (deployed("web", "1.0", "eu"), deployed("web", "1.1", "us")),
    )
    d = decide(e, "auth", "3.0", target="prod")
    assert d.ok is None
    assert statuses(d) == ["unverified", "ok"]
    assert d.next_actions == ("provider auth 3.0 must verify pact content 11111111 from web 1.0",)


def test_every_supported_mobile_release_must_be_satisfied_by_the_provider() -> None:
    pubs = (pub("app", "1", "api", H1), pub("app", "2", "api", H2))
    live = (released("app", "1"), released("app", "2"))
    results = (ver("api", "5", H2, True), ver("api", "5", H1, False))
    d = decide(estate(pubs, results, live), "api", "5", target="prod")
    assert d.ok is False
    assert statuses(d) == ["failed", "ok"]
    assert "app 1 (released in prod)" in d.reasons[0].message


def test_a_release_whose_support_ended_no_longer_counts() -> None:
    pubs = (pub("app", "1", "api", H1), pub("app", "2", "api", H2))
    results = (ver("api", "5", H2, True), ver("api", "5", H1, False))
    assert decide(estate(pubs, results, (released("app", "2"),)), "api", "5", target="prod").ok is True


def test_a_provider_without_consumers_is_safe() -> None:
    d = decide(estate(extra_versions=(("api", "1"),)), "api", "1", target="prod")
    assert d.ok is True
    assert statuses(d) == ["no-dependencies"]


def test_a_provider_whose_consumers_are_not_deployed_is_safe() -> None:
    e = estate((pub("web", "1.0", "auth", H1),), extra_versions=(("auth", "2.0"),))
    assert decide(e, "auth", "2.0", target="prod").ok is True


def test_a_live_consumer_version_without_a_pact_with_the_provider_asks_nothing() -> None:
    e = estate(
        (pub("web", "2.0", "auth", H1),),
        live=(deployed("web", "1.0"),),
        extra_versions=(("auth", "9"),),
    )
    assert decide(e, "auth", "9", target="prod").ok is True


def test_a_consumer_with_two_providers_needs_both() -> None:
    pubs = (pub("web", "1.0", "auth", H1), pub("web", "1.0", "billing", H2))
    results = (ver("auth", "2.0", H1, True), ver("billing", "7", H2, True))
    partial = decide(estate(pubs, results, (deployed("auth", "2.0"),)), "web", "1.0", target="prod")
    assert partial.ok is None
    assert statuses(partial) == ["ok", "missing"]
    assert partial.next_actions == (
        "deploy or release a version of billing to prod that verifies pact content 22222222 from web 1.0",
    )
    full = decide(
        estate(pubs, results, (deployed("auth", "2.0"), deployed("billing", "7"))), "web", "1.0", target="prod"
    )
    assert full.ok is True


def test_an_empty_environment_is_unknown_for_a_consumer_and_safe_for_a_provider() -> None:
    e = estate((pub("web", "1.0", "auth", H1),), (ver("auth", "2.0", H1, True),))
    assert decide(e, "web", "1.0", target="prod").ok is None
    assert decide(e, "auth", "2.0", target="prod").ok is True


def test_a_failure_published_while_pending_still_blocks_deployment() -> None:
    e = estate(
        (pub("web", "1.0", "auth", H1),),
        (ver("auth", "2.0", H1, False, pending=True),),
        (deployed("auth", "2.0"),),
    )
    d = decide(e, "web", "1.0", target="prod")
    assert d.ok is False
    assert "pending" in d.reasons[0].message
    assert d.rows[0].pending is True


def test_an_unknown_version_is_not_safe() -> None:
    d = decide(estate(), "web", "9.9", target="prod")
    assert d.ok is False
    assert d.reasons[0].status == "unknown-version"
    assert d.next_actions


def test_ignored_counterparts_are_reported_but_not_counted() -> None:
    e = estate(
        (pub("web", "1.0", "auth", H1), pub("web", "1.0", "billing", H2)),
        (ver("auth", "2.0", H1, True), ver("billing", "7", H2, False)),
        (deployed("auth", "2.0"), deployed("billing", "7")),
    )
    assert decide(e, "web", "1.0", target="prod").ok is False
    d = decide(e, "web", "1.0", target="prod", ignore=["billing"])
    assert d.ok is True
    assert statuses(d) == ["ok", "ignored"]
    assert d.reasons[1].message.startswith("Ignoring: ")
    assert [r.ignored for r in d.rows] == [False, True]


def test_ignoring_one_version_keeps_other_versions_counted() -> None:
    e = estate(
        (pub("web", "1.0", "auth", H1),),
        (ver("auth", "2.0", H1, False), ver("auth", "2.1", H1, False)),
        (deployed("auth", "2.0", "eu"), deployed("auth", "2.1", "us")),
    )
    assert decide(e, "web", "1.0", target="prod", ignore=[Ignore(pacticipant="auth", version="2.0")]).ok is False


def test_ignoring_an_unknown_pacticipant_warns() -> None:
    e = estate(extra_versions=(("api", "1"),))
    d = decide(e, "api", "1", target="prod", ignore=["ghost"])
    assert d.ok is True
    assert d.warnings == ("Cannot ignore ghost: not found in the broker",)


def test_rows_join_publications_to_every_verification_of_their_content() -> None:
    pubs = (pub("web", "1.0", "auth", H1), pub("web", "1.1", "auth", H1), pub("web", "1.2", "auth", H2))
    results = (ver("auth", "2.0", H1, True), ver("auth", "2.1", H1, False))
    found = [(r.consumer_version, r.provider_version, r.success) for r in rows(pubs, results)]
    assert found == [
        ("1.0", "2.0", True),
        ("1.0", "2.1", False),
        ("1.1", "2.0", True),
        ("1.1", "2.1", False),
        ("1.2", None, None),
    ]
    narrowed = rows(pubs, results, provider_versions=[("auth", "2.1")])
    assert [(r.consumer_version, r.provider_version) for r in narrowed] == [
        ("1.0", "2.1"),
        ("1.1", "2.1"),
        ("1.2", None),
    ]


def test_a_failed_verification_reports_the_failed_interaction_and_its_first_mismatches() -> None:
    from polycontract.matrix import InteractionFailure, MismatchDetail

    failure = InteractionFailure(
        description="a request for user 7",
        mismatches=tuple(MismatchDetail(path=f"$.body.f{i}", description="was missing") for i in range(5)),
    )
    estate = Estate(
        publications=(Publication(consumer="web", consumer_version="1", provider="auth", content_hash="ab" * 32),),
        verifications=(
            Verification(
                provider="auth", provider_version="3", content_hash="ab" * 32, success=False, failures=(failure,)
            ),
        ),
        live=(LiveVersion(pacticipant="web", version="1", target="prod"),),
        versions=frozenset({("web", "1"), ("auth", "3")}),
    )
    decision = decide(estate, "auth", "3", target="prod")
    [reason] = decision.reasons
    assert reason.report is not None
    assert reason.report.lines() == (
        'web 1 -> auth 3: "a request for user 7": $.body.f0: was missing',
        'web 1 -> auth 3: "a request for user 7": $.body.f1: was missing',
        'web 1 -> auth 3: "a request for user 7": $.body.f2: was missing',
        'web 1 -> auth 3: "a request for user 7": and 2 more mismatches',
    )
    assert reason.next_action is not None and "first deploy a version of auth that verifies it" in reason.next_action
    assert decision.rows[0].failures == (failure,)
