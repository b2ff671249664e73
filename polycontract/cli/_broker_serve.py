"""``polycontract broker serve``: run the Pact-Broker-compatible HTTP API on uvicorn.

The database is migrated once before the server starts; with ``--workers N`` uvicorn starts N
processes, each opening its own connection pool (use PostgreSQL for several workers: SQLite
serialises writers). Access logs are JSON lines on stderr. ``--auth-file`` (or
``POLYCONTRACT_BROKER_TOKENS``) turns token authentication on (see `polycontract.broker._api.auth`).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import socket
import sys
from collections.abc import Callable
from typing import Any

import click

from polycontract.cli._broker_common import output_option, reporting_errors
from polycontract.errors import UsageError

__all__ = ["app_from_environment", "broker", "configure_logging", "serve"]

#: Environment variables that hand the database URL and log level to worker processes.
DB_ENV = "POLYCONTRACT_BROKER_DB"
LOG_LEVEL_ENV = "POLYCONTRACT_BROKER_LOG_LEVEL"


def configure_logging(level: str) -> None:
    """Send ``polycontract.broker`` logs (the JSON access lines among them) to stderr, once per process."""
    logger = logging.getLogger("polycontract.broker")
    logger.setLevel(level.upper())
    if not any(getattr(h, "_polycontract", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler._polycontract = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.propagate = False


def app_from_environment() -> object:
    """uvicorn factory for worker processes: the app over the database named by ``POLYCONTRACT_BROKER_DB``."""
    from polycontract.broker import Broker, connect
    from polycontract.broker.server import AUTH_FILE_ENV, WEBHOOK_POLICY_ENV, WebhookPolicy, create_app, load_auth

    configure_logging(os.environ.get(LOG_LEVEL_ENV, "info"))
    auth = load_auth(os.environ.get(AUTH_FILE_ENV))
    database = connect(os.environ[DB_ENV])
    if not isinstance(database, Broker):  # the server keeps pacts in a database, not in another broker server
        database.close()
        raise UsageError(f"{DB_ENV} must name a database (sqlite:///… or postgresql://…), not a broker server")
    database.webhook_policy = WebhookPolicy.from_env(os.environ.get(WEBHOOK_POLICY_ENV))
    return create_app(database, auth=auth, close_broker=True)  # closed on shutdown: webhooks in flight finish


def _seconds_option(name: str, default: float, text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A ``SECONDS`` option between 0.1 and 3600 (whole seconds when ``default`` is an int, as uvicorn's)."""
    kind = click.IntRange(1, 3600) if isinstance(default, int) else click.FloatRange(0.1, 3600)
    return click.option(name, default=default, show_default=True, type=kind, metavar="SECONDS", help=text)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def broker() -> None:
    """Run the polycontract broker as a server."""


@broker.command()
@click.option(
    "--db",
    "db_url",
    envvar=DB_ENV,
    default=None,
    metavar="URL",
    help="sqlite:///file.db or postgresql://… [env POLYCONTRACT_BROKER_DB; default .polycontract/broker.db]",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=9292, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Server processes.")
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    help="Log level (info shows one JSON access line per request).",
)
@click.option(
    "--auth-file",
    envvar="POLYCONTRACT_BROKER_AUTH_FILE",
    default=None,
    type=click.Path(dir_okay=False),
    help="Tokens with roles (JSON, YAML or TOML) [env POLYCONTRACT_BROKER_AUTH_FILE; else POLYCONTRACT_BROKER_TOKENS"
    " as JSON; neither: no auth].",
)
@click.option(
    "--public-url",
    envvar="POLYCONTRACT_BROKER_PUBLIC_URL",
    default=None,
    metavar="URL",
    help="The URL clients use to reach the broker (as the Pact Broker's PACT_BROKER_BASE_URL): every link and"
    " webhook ${pactbroker.pactUrl} starts with it [env POLYCONTRACT_BROKER_PUBLIC_URL; default: http://HOST:PORT"
    " when listening on one address, else links use the address each connection reached; never the Host header].",
)
@click.option(
    "--allow-anonymous",
    is_flag=True,
    help="Serve without tokens on an address other than loopback (refused by default: anyone who reaches the"
    " port could read and write every pact).",
)
@_seconds_option(
    "--header-timeout",
    10.0,
    "A request head must arrive whole within this time (from the connection, or from its first byte on a"
    " kept-alive connection); else 408 and the connection is closed.",
)
@_seconds_option(
    "--body-timeout",
    60.0,
    "A request body must arrive whole within this time of its head; else 408 and the connection is closed.",
)
@_seconds_option("--keep-alive-timeout", 5, "An idle kept-alive connection is closed after this time.")
@click.option(
    "--max-connections",
    default=2048,
    show_default=True,
    type=click.IntRange(1, 1_000_000),
    metavar="N",
    help="Connections each worker process holds at once; one more gets a fast 503 and is closed. Lowered to fit"
    " the file-descriptor limit (ulimit -n), with a warning.",
)
@click.option(
    "--sqlite-synchronous",
    envvar="POLYCONTRACT_BROKER_SQLITE_SYNCHRONOUS",
    default="full",
    show_default=True,
    type=click.Choice(["full", "extra", "normal"], case_sensitive=False),
    help="SQLite's durability: full writes every commit to disk before answering; normal (the embedded default"
    " of the command line) may lose the last commits when the machine loses power [env"
    " POLYCONTRACT_BROKER_SQLITE_SYNCHRONOUS].",
)
@click.option(
    "--webhook-allow-scheme",
    "webhook_schemes",
    multiple=True,
    default=("https",),
    show_default=True,
    type=click.Choice(["https", "http"], case_sensitive=False),
    envvar="POLYCONTRACT_BROKER_WEBHOOK_ALLOW_SCHEME",
    help="A URL scheme webhooks may use; repeat for both (as the Pact Broker's webhook_scheme_whitelist)"
    " [env POLYCONTRACT_BROKER_WEBHOOK_ALLOW_SCHEME, space-separated].",
)
@click.option(
    "--webhook-allow-host",
    "webhook_hosts",
    multiple=True,
    metavar="HOST",
    envvar="POLYCONTRACT_BROKER_WEBHOOK_ALLOW_HOST",
    help="A host webhooks may call: a name (ci.example.com), *.example.com, an IP address or a CIDR range; repeat"
    " for more. With any, webhooks may call only those. Private, loopback, link-local and cloud metadata"
    " addresses are refused unless an entry allows them (checked on creation and on every delivery, after DNS)"
    " [env POLYCONTRACT_BROKER_WEBHOOK_ALLOW_HOST, space-separated].",
)
@output_option
def serve(
    db_url: str | None,
    host: str,
    port: int,
    workers: int,
    log_level: str,
    auth_file: str | None,
    public_url: str | None,
    allow_anonymous: bool,
    header_timeout: float,
    body_timeout: float,
    keep_alive_timeout: int,
    max_connections: int,
    sqlite_synchronous: str,
    webhook_schemes: tuple[str, ...],
    webhook_hosts: tuple[str, ...],
    output: str,
) -> None:
    """Serve the Pact Broker HTTP API (the Pact CLI and verifiers use it unchanged).

    With ``--output json`` one JSON line goes to stdout once the port accepts connections:
    ``{"event": "listening", "url": "http://127.0.0.1:9292", "workers": 1, "database": …, "auth": …}``
    (the real port when ``--port 0``); logs stay on stderr.
    """
    try:
        import starlette  # noqa: F401  (checked here: the app needs it)
        import uvicorn  # noqa: F401
    except ImportError:
        click.echo(
            "error: the server needs starlette and uvicorn: install polycontract with the server extra,"
            " e.g. pip install -e '.[server]' in its checkout",
            err=True,
        )
        raise click.exceptions.Exit(2) from None
    from polycontract.broker import DEFAULT_URL, connect
    from polycontract.broker.server import (
        AUTH_FILE_ENV,
        PUBLIC_URL_ENV,
        SQLITE_SYNCHRONOUS_ENV,
        WEBHOOK_POLICY_ENV,
        WebhookPolicy,
        load_auth,
    )

    if (db_url is not None and not db_url.strip()) or (db_url is None and os.environ.get(DB_ENV) == ""):
        # click reads an empty variable as unset: a missing secret must not serve an empty local broker
        source = "--db" if db_url is not None else DB_ENV
        click.echo(f"error: {source} is set but empty: give the database URL, or unset it for {DEFAULT_URL}", err=True)
        raise click.exceptions.Exit(2)
    url = db_url or DEFAULT_URL
    with reporting_errors():  # a broken token configuration or public URL fails here, before any worker starts
        auth = load_auth(os.path.abspath(auth_file) if auth_file else None)
        webhook_policy = WebhookPolicy.strict(schemes=webhook_schemes, hosts=webhook_hosts)
        public = _public_url(public_url, host, port)
    if auth is None and not _loopback(host):
        if not allow_anonymous:
            click.echo(
                f"error: --host {host} is reachable from other machines and no tokens are configured, so anyone"
                " who reaches it could read and write every pact: configure tokens (--auth-file or"
                " POLYCONTRACT_BROKER_TOKENS), listen on 127.0.0.1, or pass --allow-anonymous",
                err=True,
            )
            raise click.exceptions.Exit(2)
        click.echo(f"warning: --allow-anonymous: anyone who reaches {host}:{port} can read and write", err=True)
    os.environ[SQLITE_SYNCHRONOUS_ENV] = sqlite_synchronous.lower()  # read by every engine, here and in workers
    with reporting_errors(), connect(url):  # migrate once, and fail fast on a bad URL
        pass
    os.environ[DB_ENV] = url
    os.environ[LOG_LEVEL_ENV] = log_level
    os.environ[WEBHOOK_POLICY_ENV] = webhook_policy.to_env()
    os.environ[PUBLIC_URL_ENV] = public
    if not public:
        click.echo(
            f"warning: no --public-url while listening on {host}:{port}: links use the address each connection"
            " reached, and webhook URLs (${pactbroker.pactUrl}) are relative; set --public-url to the URL clients use",
            err=True,
        )
    if auth_file:
        os.environ[AUTH_FILE_ENV] = os.path.abspath(auth_file)
    state = f"auth on: {len(auth.entries)} token(s)" if auth is not None else "auth off: anyone can read and write"
    click.echo(
        f"polycontract broker on http://{host}:{port} ({workers} worker(s)) over {_hidden(url)}; {state}", err=True
    )
    from polycontract.cli._uvicorn_tcp import TcpConfig

    config = TcpConfig(
        "polycontract.cli._broker_serve:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
        timeout_keep_alive=keep_alive_timeout,
        header_timeout=header_timeout,
        body_timeout=body_timeout,
        max_connections=max_connections,
    )
    ready: dict[str, Any] = {
        "event": "listening",
        "publicUrl": public or None,
        "workers": workers,
        "database": _hidden(url),
        "auth": "on" if auth is not None else "off",
    }

    def announce(bound_port: int) -> None:
        if output == "json":
            click.echo(json.dumps({**ready, "url": f"http://{_url_host(host)}:{bound_port}"}))

    if workers > 1:
        from uvicorn.supervisors import Multiprocess

        sock = config.bind_socket()
        sock.listen(config.backlog)  # connections queue from now on, until a worker accepts them
        announce(sock.getsockname()[1])
        Multiprocess(config, sockets=[sock]).run()
    else:
        _announcing_server(config, announce).run()


def _announcing_server(config: Any, announce: Callable[[int], None]) -> Any:
    """A uvicorn server that calls ``announce(port)`` once its socket listens."""
    import uvicorn

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if not self.should_exit and self.servers and self.servers[0].sockets:
                announce(self.servers[0].sockets[0].getsockname()[1])

    return AnnouncingServer(config)


def _public_url(given: str | None, host: str, port: int) -> str:
    """The checked public URL; by default ``http://HOST:PORT`` when both name one address ("" otherwise)."""
    from polycontract.broker.server import parse_public_url

    if given is not None and given.strip():
        return parse_public_url(given)
    if given is not None:  # set but empty: a missing setting must not silently fall back
        raise UsageError("--public-url is set but empty: give the URL clients use, e.g. https://pacts.example.com")
    if host in ("", "0.0.0.0", "::") or port == 0:
        return ""
    return f"http://{_url_host(host)}:{port}"


def _loopback(host: str) -> bool:
    """True when ``host`` names only loopback addresses (``localhost``, 127.0.0.0/8, ``::1``)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    if not host:
        return False
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return False
    return bool(found) and all(ipaddress.ip_address(str(address[4][0]).split("%")[0]).is_loopback for address in found)


def _url_host(host: str) -> str:
    """``host`` as a URL writes it: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host else host


def _hidden(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "the database"
