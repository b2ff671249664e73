"""The command line loads only what a command uses: ``--help`` no command module, can-i-deploy over HTTP no SQL.

Each case runs the console-script entry point (`polycontract.cli.main`) in a fresh interpreter and lists
``sys.modules`` at exit. A budget is the module count measured when it was set plus some headroom: a change
that pushes a command past it should say why in the budget's comment, or load the new module lazily.
Nothing here depends on wall time; ``benchmarks/bench_cli_start.py`` measures that.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from polycontract.broker import Broker, connect
from polycontract.broker._api.app import create_app
from polycontract.broker._client.tls import DeferredContext
from polycontract.model import HttpInteraction, PactDocument, Request, Response
from tests.broker.http_twin import Served

#: Packages no light command may load (yaml only where a command reads YAML; none of these does).
FORBIDDEN = (
    "sqlalchemy",
    "alembic",
    "starlette",
    "uvicorn",
    "jsonschema",
    "openapi_spec_validator",
    "openapi_schema_validator",
    "fastavro",
    "hypothesis",
    "yaml",
    "psycopg",
    "pytest",
    "rich",
    "pygments",
)

#: ``polycontract --help``: 123 modules measured (Python 3.11, click 8.5, httpx 0.29) -> budget 140.
HELP_BUDGET = 140
#: ``polycontract version``: 116 measured -> 135.
VERSION_BUDGET = 135
#: ``polycontract can-i-deploy --broker http://…``: 282 measured while it went through httpx; 152 since the broker
#: client asks a broker reached directly with the standard library and loads records only for the calls that return
#: them; 152 (153 with ``-o json``) with the schema matrix loaded only by the schema checks and the shared HTTP/1.1
#: reader (``polycontract._http1``) in its place (Python 3.11, click 8.5) -> 158.
CAN_I_DEPLOY_BUDGET = 158
#: What a plain-HTTP broker command has no use for: httpx and what it imports, TLS, the stdlib's HTTP client.
HTTP_CLIENT_FORBIDDEN = (
    "httpx",
    "httpcore",
    "h11",
    "h2",
    "anyio",
    "sniffio",
    "certifi",
    "idna",
    "ssl",
    "_ssl",
    "http",
    "email",
    "urllib.request",
    "logging",
)

_RUN = """
import json, sys
from polycontract.cli import main
sys.argv = ["polycontract", *json.loads(sys.argv[1])]
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code
loaded = sorted(name for name, module in sys.modules.items() if module is not None)
sys.stderr.write("\\nMODULES " + json.dumps({"code": code, "modules": loaded}) + "\\n")
"""


def _modules(*args: str) -> tuple[object, list[str]]:
    """Run ``polycontract ARGS`` in a fresh interpreter: its exit code and every module it loaded."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLYCONTRACT_BROKER", "PYTHON"))}
    done = subprocess.run(
        [sys.executable, "-c", _RUN, json.dumps(list(args))], capture_output=True, text=True, env=env, timeout=120
    )
    line = next(x for x in reversed(done.stderr.splitlines()) if x.startswith("MODULES "))
    found = json.loads(line.removeprefix("MODULES "))
    return found["code"], found["modules"]


def _loaded(modules: list[str], package: str) -> list[str]:
    return [m for m in modules if m == package or m.startswith(package + ".")]


def _check(modules: list[str], budget: int) -> None:
    loaded = {p: _loaded(modules, p) for p in FORBIDDEN}
    assert {p: m for p, m in loaded.items() if m} == {}
    assert len(modules) <= budget, f"{len(modules)} modules loaded, budget {budget}"


def test_help_lists_every_command_without_importing_one() -> None:
    code, modules = _modules("--help")
    assert code == 0
    assert [m for m in modules if m.startswith("polycontract.cli.")] == []
    assert _loaded(modules, "httpx") == []
    _check(modules, HELP_BUDGET)


def test_version_imports_only_its_own_command() -> None:
    code, modules = _modules("version")
    assert code == 0
    assert [m for m in modules if m.startswith("polycontract.cli.")] == [
        "polycontract.cli._broker_common",
        "polycontract.cli._version",
    ]
    _check(modules, VERSION_BUDGET)


@pytest.fixture(scope="module")
def served_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A broker server on 127.0.0.1 port 0 where web 1.0 may go to prod (users 2.0 there verified its pact)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('broker') / 'broker.db'}"
    broker = connect(url)
    assert isinstance(broker, Broker)
    pact = PactDocument(
        consumer="web",
        provider="users",
        interactions=(
            HttpInteraction(
                description="get user 7",
                request=Request(method="GET", path="/users/7"),
                response=Response(status=200, body={"id": 7}),
            ),
        ),
    )
    broker.create_environment("prod", production=True)
    broker.publish_pact(pact, consumer_version="1.0", branch="main")
    broker.publish_verification(
        provider="users", provider_version="2.0", consumer="web", consumer_version="1.0", success=True
    )
    broker.record_deployment("users", "2.0", "prod")
    served = Served(create_app(broker))
    try:
        yield served.url
    finally:
        served.stop()
        broker.close()


@pytest.mark.parametrize("output", ["table", "json"])
def test_can_i_deploy_over_http_loads_no_database_server_or_schema_code(served_broker: str, output: str) -> None:
    code, modules = _modules(
        "can-i-deploy", "-a", "web", "-e", "1.0", "--to-environment", "prod", "--broker", served_broker, "-o", output
    )
    assert code == 0  # the answer came back: yes
    assert "polycontract.broker._client.http_broker" in modules
    for room in ("_store", "_embedded", "_api", "_webhooks"):
        assert _loaded(modules, f"polycontract.broker.{room}") == []
    assert _loaded(modules, "polycontract.codec") == []
    assert _loaded(modules, "polycontract.verifier") == []
    assert {p: m for p in HTTP_CLIENT_FORBIDDEN if (m := _loaded(modules, p))} == {}
    _check(modules, CAN_I_DEPLOY_BUDGET)


def test_the_help_listing_is_click_s_own(tmp_path: Path) -> None:
    """The summaries ``--help`` shows without importing commands are each command's own first paragraph,
    shortened as click shortens it, at every terminal width."""
    import click

    from polycontract.cli import COMMANDS, SUMMARIES, cli

    assert sorted(SUMMARIES) == sorted(COMMANDS)
    for width in (50, 80, 120):
        ctx = click.Context(cli, info_name="polycontract", terminal_width=width, max_content_width=width)
        eager = ctx.make_formatter()
        click.Group.format_commands(cli, ctx, eager)  # imports every command, as click alone would
        lazy = ctx.make_formatter()
        cli.format_commands(ctx, lazy)
        assert lazy.getvalue() == eager.getvalue()
    for name in COMMANDS:
        command = cli.get_command(click.Context(cli), name)
        assert command is not None and command.help is not None
        assert SUMMARIES[name] == command.help.partition("\n\n")[0].strip(), name


def test_httpx_loads_without_its_own_command_line() -> None:
    """The console script keeps httpx from importing ``httpx._main``; httpx must still load whole."""
    code = (
        "import sys\nfrom polycontract.cli import _skip_httpx_command_line\n_skip_httpx_command_line()\n"
        "import httpx\nassert httpx.Client and httpx.MockTransport\nprint(sorted(m for m in sys.modules"
        " if m.split('.')[0] in ('rich', 'pygments')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_a_plain_http_broker_client_verifies_tls_as_httpx_does_when_tls_is_used() -> None:
    import httpx

    context = DeferredContext()
    context.set_alpn_protocols(["http/1.1"])
    tls = context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="broker.example")
    default = httpx.create_ssl_context()
    assert tls.context is not context
    assert tls.context.verify_mode == ssl.CERT_REQUIRED and tls.context.check_hostname
    assert tls.context.verify_flags == default.verify_flags
    assert tls.context.options == default.options
    assert tls.context.get_ca_certs() == default.get_ca_certs()
    assert context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="x").context is tls.context
