"""Which webhook targets a policy allows: every address form a webhook could use to reach inside the network.

The rules follow the Pact Broker's webhook whitelists (pact_broker ``lib/pact_broker/webhooks/check_host_whitelist.rb``:
names, IP addresses and CIDR ranges; ``lib/pact_broker/doc/views/webhooks.markdown``, "Webhook Whitelist": https
only by default) and go further: an address that is not public is refused unless an entry allows it, on the
addresses the host resolves to. DNS is a stub here; the real server is tested in ``test_http_webhook_safety.py``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import pytest

from polycontract.broker._webhooks.events import render_url
from polycontract.broker._webhooks.sending import TargetSlots
from polycontract.broker._webhooks.targets import (
    Address,
    TargetRefused,
    WebhookPolicy,
    check_target,
    literal_address,
)
from polycontract.errors import UsageError

DNS = {
    "ci.example.com": ["93.184.216.34"],
    "internal-ci.example.com": ["10.1.2.3"],
    "split.example.com": ["93.184.216.34", "10.0.0.7"],
    "rebound.example.com": ["127.0.0.1"],
    "metadata.example.com": ["169.254.169.254"],
}


def stub_dns(host: str, port: int) -> Sequence[Address]:
    if host not in DNS:
        raise TargetRefused(f"host {host!r} does not resolve: stub")
    return [ipaddress.ip_address(a) for a in DNS[host]]


STRICT = WebhookPolicy.strict(schemes=["https", "http"])


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://127.0.0.1:5432/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://100.64.0.1/",
        "http://100.100.100.200/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0x7f.1/",
        "http://017700000001/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://[::1]/",
        "http://[::]/",
        "http://[fe80::1]/",
        "http://[fd00:ec2::254]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://[64:ff9b::a00:1]/",
        "http://[2002:7f00:1::]/",
        "http://localhost:9292/",
        "http://LOCALHOST./",
        "http://api.localhost/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://metadata.google.internal./",
        "http://rebound.example.com/",
        "http://metadata.example.com/",
        "http://split.example.com/",
    ],
)
def test_a_strict_policy_refuses_every_way_of_writing_an_inside_address(url: str) -> None:
    with pytest.raises(TargetRefused, match=r"refused unless --webhook-allow-host|local or cloud metadata name"):
        check_target(url, STRICT, stub_dns)


def test_a_public_target_is_allowed_and_its_checked_addresses_are_the_ones_to_connect_to() -> None:
    assert check_target("https://ci.example.com/build?job=1", STRICT, stub_dns) == [
        ipaddress.ip_address("93.184.216.34")
    ]
    assert check_target("https://93.184.216.34/", STRICT, stub_dns) == [ipaddress.ip_address("93.184.216.34")]


def test_a_host_that_does_not_resolve_is_refused_at_once() -> None:
    with pytest.raises(TargetRefused, match="does not resolve"):
        check_target("https://nowhere.invalid/", STRICT, stub_dns)


def test_the_server_default_allows_https_only_as_the_pact_broker() -> None:
    with pytest.raises(TargetRefused, match=r"scheme 'http' is not allowed \(allowed: https; see --webhook-allow"):
        check_target("http://ci.example.com/", WebhookPolicy.strict(), stub_dns)
    assert check_target("https://ci.example.com/", WebhookPolicy.strict(), stub_dns)


def test_an_allow_list_admits_only_its_hosts_by_name_wildcard_or_range() -> None:
    policy = WebhookPolicy.strict(hosts=["ci.example.com", "*.hooks.example.org", "203.0.113.0/24"])
    assert check_target("https://ci.example.com/", policy, stub_dns)
    assert check_target("https://203.0.113.9/", policy, stub_dns)
    assert policy.names_host("a.b.hooks.example.org") and not policy.names_host("hooks.example.org.evil.com")
    with pytest.raises(TargetRefused, match="not in the allow-list"):
        check_target("https://93.184.216.34/", policy, stub_dns)
    with pytest.raises(TargetRefused, match="not in the allow-list"):
        check_target("https://split.example.com/", policy, stub_dns)


def test_an_inside_address_is_allowed_only_when_an_entry_names_it() -> None:
    by_name = WebhookPolicy.strict(hosts=["internal-ci.example.com"])
    assert check_target("https://internal-ci.example.com/", by_name, stub_dns)
    by_range = WebhookPolicy.strict(schemes=["http"], hosts=["127.0.0.0/8"])
    assert check_target("http://127.0.0.1:8080/", by_range, stub_dns)
    assert check_target("http://2130706433/", by_range, stub_dns)
    assert check_target("http://[::ffff:127.0.0.1]/", by_range, stub_dns)
    with pytest.raises(
        TargetRefused, match="a cloud metadata address"
    ):  # a name entry never opens the metadata service
        check_target("https://metadata.example.com/", WebhookPolicy.strict(hosts=["metadata.example.com"]), stub_dns)
    assert check_target("https://169.254.169.254/", WebhookPolicy.strict(hosts=["169.254.169.254"]), stub_dns)


def test_a_host_written_as_a_template_is_refused_under_a_strict_policy() -> None:
    with pytest.raises(TargetRefused, match="may not use placeholders"):
        check_target("https://${pactbroker.providerName}.example.com/", STRICT, stub_dns)


def test_the_permissive_policy_of_the_embedded_broker_asks_no_dns_and_allows_loopback() -> None:
    def no_dns(host: str, port: int) -> Sequence[Address]:
        raise AssertionError("no DNS for a permissive policy")

    assert check_target("http://127.0.0.1:9999/hook", WebhookPolicy.permissive(), no_dns) == []
    with pytest.raises(TargetRefused, match="scheme 'ftp'"):
        check_target("ftp://127.0.0.1/", WebhookPolicy.permissive(), no_dns)


@pytest.mark.parametrize(
    ("written", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0177.0.0.01", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1.258", "10.1.1.2"),
        ("[::ffff:7f00:1]", "::ffff:7f00:1"),
        ("169.254.169.254.", "169.254.169.254"),
    ],
)
def test_other_forms_of_an_ip_address_are_read_as_the_address_they_mean(written: str, address: str) -> None:
    assert literal_address(written) == ipaddress.ip_address(address)


@pytest.mark.parametrize("name", ["example.com", "1.2.3.4.5", "08.0.0.1", "256.1.1.1", "1.2.3.0x100", "com"])
def test_names_are_not_read_as_addresses(name: str) -> None:
    assert literal_address(name) is None


@pytest.mark.parametrize("entry", ["not a host", "10.0.0.0/33", "a/b", "*.", "ci.example.com:443"])
def test_an_allow_entry_that_cannot_be_a_host_is_a_usage_error(entry: str) -> None:
    with pytest.raises(UsageError, match="allow-host"):
        WebhookPolicy.strict(hosts=[entry])


def test_the_policy_travels_to_worker_processes_unchanged() -> None:
    policy = WebhookPolicy.strict(schemes=["http", "https"], hosts=["*.example.com", "10.0.0.0/8"])
    assert WebhookPolicy.from_env(policy.to_env()) == policy
    assert WebhookPolicy.from_env(None) == WebhookPolicy.strict()


def test_url_template_values_are_percent_encoded_so_a_name_cannot_add_query_parameters() -> None:
    """As pact_broker ``lib/pact_broker/webhooks/webhook_request_template.rb`` (``build_url``: ``CGI::escape``)."""
    url = render_url(
        "https://ci.example.com/build?consumer=${pactbroker.consumerName}&pact=${pactbroker.pactUrl}",
        {"consumerName": "web&token=stolen#x", "pactUrl": "https://broker/pacts/provider/a b"},
    )
    assert url == (
        "https://ci.example.com/build?consumer=web%26token%3Dstolen%23x"
        "&pact=https%3A%2F%2Fbroker%2Fpacts%2Fprovider%2Fa%20b"
    )


def test_a_target_holds_one_slot_so_a_slow_one_cannot_take_every_worker() -> None:
    slots = TargetSlots(per_target=1)
    with slots.hold("https://slow.example.com/a") as first, slots.hold("https://slow.example.com:443/b") as second:
        assert first and not second
        with slots.hold("https://healthy.example.com/") as other:
            assert other
    with slots.hold("https://slow.example.com/a") as again:
        assert again
