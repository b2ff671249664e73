"""``polycontract ci init``: write a repository's CI pipeline, the same rails in every repository.

The rails (test → publish → verify → can-i-deploy → deploy → record-deployment, once per
environment in order) are those of ``examples/estate/*/.github/workflows/ci.yml``. A consumer
publishes its pacts; a provider verifies the broker's pacts (and its messages, through
``--messages`` or ``--message-url``) and publishes the results; both ask can-i-deploy before each
deployment and record it afterwards. ``--role both`` does all of it. The templates are in
`polycontract.cli._ci_pipelines`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from polycontract.cli._broker_common import output_option
from polycontract.cli._ci_options import (
    EXAMPLE_SPEC,
    INSTALL_VARIABLE,
    check_install,
    check_message_url,
    check_messages,
    message_descriptions,
)
from polycontract.cli._ci_pipelines import Rails, github, gitlab

__all__ = ["TARGETS", "ci"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

#: Where each CI system reads its pipeline, relative to the repository.
TARGETS = {"github": Path(".github/workflows/ci.yml"), "gitlab": Path(".gitlab-ci.yml")}


def _environments(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    if not names or not all(_NAME.match(name) for name in names):
        raise click.BadParameter(f"expected names separated by commas, e.g. dev,qa,prod; got {value!r}")
    if len(set(names)) != len(names):
        raise click.BadParameter(f"an environment is named twice in {value!r}")
    return names


@click.group()
def ci() -> None:
    """Set up a repository's CI for contract testing."""


@ci.command()
@click.option("--github", "system", flag_value="github", help="Write .github/workflows/ci.yml (GitHub Actions).")
@click.option("--gitlab", "system", flag_value="gitlab", help="Write .gitlab-ci.yml (GitLab CI).")
@click.option(
    "--role",
    type=click.Choice(["consumer", "provider", "both"]),
    required=True,
    help="consumer: publishes pacts; provider: verifies them; both: does both.",
)
@click.option("--service", help="The application's name in the broker [default: the directory's name].")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The repository's root.",
)
@click.option(
    "--environments",
    default="dev,qa,prod",
    show_default=True,
    callback=_environments,
    help="Deployment environments, in promotion order.",
)
@click.option(
    "--provider-url",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="Provider roles: where the service listens during verification.",
)
@click.option(
    "--state-change-url",
    default="/_pact/state",
    show_default=True,
    help="Provider roles: the service's provider-state endpoint ('' for none).",
)
@click.option("--start", help="Provider roles: the command that starts the service for verification.")
@click.option("--python-version", default="3.12", show_default=True, help="Python of the CI jobs.")
@click.option(
    "--install",
    default=None,
    metavar="REQUIREMENT",
    help="Where pip gets polycontract, written into the pipeline, e.g. 'polycontract[postgres] @ git+https://…'"
    " (no package index serves it) [default: the CI variable POLYCONTRACT_PIP_SPEC].",
)
@click.option(
    "--messages",
    default=None,
    metavar="MODULE:OBJECT",
    help="Provider roles: the message producer the verify step passes to polycontract verify --messages.",
)
@click.option(
    "--message-url",
    default=None,
    metavar="URL",
    help="Provider roles, non-Python services: the endpoint that produces a message for verification.",
)
@click.option(
    "--pacts",
    "pacts_dir",
    default=None,
    type=click.Path(path_type=Path),
    help="Provider roles: local pact files; if they hold messages, --messages or --message-url is required.",
)
@click.option("--force", is_flag=True, help="Replace an existing pipeline file.")
@output_option
def init(
    system: str | None,
    role: str,
    service: str | None,
    directory: Path,
    environments: tuple[str, ...],
    provider_url: str,
    state_change_url: str,
    start: str | None,
    python_version: str,
    install: str | None,
    messages: str | None,
    message_url: str | None,
    pacts_dir: Path | None,
    force: bool,
    output: str,
) -> None:
    """Write the CI pipeline of a repository: test, publish and/or verify, then can-i-deploy and
    record-deployment for each environment in turn."""
    if system is None:
        raise click.UsageError("say which CI: --github or --gitlab")
    name = service or directory.resolve().name
    if not _NAME.match(name):
        raise click.BadParameter(f"{name!r} is not a usable application name; pass --service", param_hint="--service")
    if not re.match(r"^https?://[^\s'\"]+$", provider_url):
        raise click.BadParameter(f"expected an http(s) URL, got {provider_url!r}", param_hint="--provider-url")
    if state_change_url and re.search(r"\s|['\"]", state_change_url):
        raise click.BadParameter(f"{state_change_url!r} has spaces or quotes", param_hint="--state-change-url")
    if not re.match(r"^\d+(\.\d+)*$", python_version):
        raise click.BadParameter(f"expected a version like 3.12, got {python_version!r}", param_hint="--python-version")
    provider = role in ("provider", "both")
    _check_messages(provider, name, messages, message_url, pacts_dir)
    rails = Rails(
        service=name,
        consumer=role in ("consumer", "both"),
        provider=provider,
        environments=environments,
        python=python_version,
        provider_url=provider_url.rstrip("/"),
        state_change_url=state_change_url,
        start=start.strip() if start and start.strip() else None,
        install=check_install(install) if install is not None else None,
        messages=messages,
        message_url=message_url,
    )
    target = directory / TARGETS[system]
    if target.exists() and not force:
        click.echo(f"error: {target} exists; --force replaces it", err=True)
        raise click.exceptions.Exit(2)
    text = github(rails) if system == "github" else gitlab(rails)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        click.echo(f"error: cannot write {target}: {exc.strerror or exc}", err=True)
        raise click.exceptions.Exit(2) from None
    steps = _next_steps(rails, system)
    if output == "json":
        document = {"files": [str(target)], "system": system, "role": role, "service": name, "next": steps}
        click.echo(json.dumps({**document, "rails": rails.describe()}, indent=2))
        return
    click.echo(f"wrote {target} ({role} {name}: {rails.describe()})")
    for step in steps:
        click.echo(f"next: {step}")


def _check_messages(
    provider: bool, name: str, messages: str | None, message_url: str | None, pacts_dir: Path | None
) -> None:
    """Message options only for providers, checked; local pacts that hold messages need one of them."""
    given = "--messages" if messages else "--message-url" if message_url else None
    if given and not provider:
        raise click.BadParameter("only a provider verifies messages; use --role provider or both", param_hint=given)
    if messages and message_url:
        raise click.UsageError("give --messages or --message-url, not both")
    if messages:
        check_messages(messages)
    if message_url:
        check_message_url(message_url)
    if provider and pacts_dir is not None and not given:
        found = message_descriptions(pacts_dir, name)
        if found:
            raise click.UsageError(
                f"the pacts in {pacts_dir} hold {len(found)} message interaction(s) for {name}, e.g. {found[0]!r};"
                " say what produces them: --messages MODULE:OBJECT (Python) or --message-url URL"
            )


def _next_steps(rails: Rails, system: str) -> list[str]:
    """What the user still has to do before the pipeline runs."""
    where = "a secret" if system == "github" else "a CI/CD variable"
    steps = [f"set POLYCONTRACT_BROKER as {where}; the deploy steps only echo, put your deployment there"]
    if rails.install is None:
        variable = "a repository or organisation variable" if system == "github" else "a CI/CD variable"
        steps.append(f"set {INSTALL_VARIABLE} as {variable}: where pip gets polycontract, e.g. {EXAMPLE_SPEC}")
    if rails.provider and rails.start is None:
        steps.append("edit the step that starts the service for verification (or pass --start)")
    return steps
