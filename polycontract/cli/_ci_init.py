"""``polycontract ci init``: write a repository's CI pipeline, the same rails in every repository.

The rails (test → publish → verify → can-i-deploy → deploy → record-deployment, once per
environment in order) are those of ``examples/estate/*/.github/workflows/ci.yml``. A consumer
publishes its pacts; a provider verifies the broker's pacts and publishes the results; both ask
can-i-deploy before each deployment and record it afterwards. ``--role both`` does all of it.

The file is generated from text templates (no YAML library at run time), so the comments that
explain each step stay in the output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import click

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

#: Where each CI system reads its pipeline, relative to the repository.
TARGETS = {"github": Path(".github/workflows/ci.yml"), "gitlab": Path(".gitlab-ci.yml")}


@dataclass(frozen=True)
class Rails:
    """What the pipeline does, whatever the CI system."""

    service: str
    consumer: bool
    provider: bool
    environments: tuple[str, ...]
    python: str
    provider_url: str
    state_change_url: str
    start: str | None

    @property
    def port(self) -> str:
        match = re.search(r":(\d+)", self.provider_url.partition("//")[2])
        return match.group(1) if match else "80"

    def describe(self) -> str:
        middle = []
        if self.consumer:
            middle.append("publish (pacts)")
        if self.provider:
            middle.append("verify (the broker's pacts) and publish the results")
        envs = ", ".join(self.environments)
        return f"test -> {' -> '.join(middle)} -> can-i-deploy -> deploy -> record-deployment, for {envs}"

    def test_commands(self) -> list[tuple[str, str]]:
        """(step name, command) of the test job."""
        name = (
            "Consumer tests (they write pacts/ when they pass)"
            if self.consumer
            else "Unit tests (and any in-process pact verification)"
        )
        steps = [(name, "python -m pytest")]
        if self.consumer:
            steps += [
                (
                    f"Record this version, and that {self.service}'s main branch is main "
                    "(providers verify its latest pact there)",
                    f'polycontract create-version -a {self.service} -e "$VERSION" --branch "$BRANCH"'
                    " --main-branch main",
                ),
                (
                    "Publish the pacts for this version",
                    'polycontract publish pacts/ --consumer-version "$VERSION" --branch "$BRANCH"',
                ),
            ]
        return steps

    def start_command(self) -> str:
        if self.start:
            return f"{self.start} &"
        return (
            f"echo 'edit this step: start {self.service} on {self.provider_url} "
            f"(or run polycontract ci init again with --start)' >&2; exit 1"
        )

    def verify_command(self) -> str:
        states = f" --state-change-url {self.state_change_url}" if self.state_change_url else ""
        return (
            f"polycontract verify --provider {self.service} --provider-url {self.provider_url}{states}"
            ' --provider-version "$VERSION" --branch "$BRANCH" --publish'
        )

    def wait_command(self) -> str:
        return f"timeout 60 bash -c 'until curl -s {self.provider_url}/ > /dev/null; do sleep 0.5; done'"

    def can_i_deploy(self, environment: str) -> str:
        return (
            f'polycontract can-i-deploy -a {self.service} -e "$VERSION" --to-environment {environment}'
            " --retry-while-unknown 10 --retry-interval 30"
        )

    def record_deployment(self, environment: str) -> str:
        return f'polycontract record-deployment -a {self.service} -e "$VERSION" --environment {environment}'

    def deploy(self, environment: str) -> str:
        return f'echo "deploy {self.service} $VERSION to {environment} here (helm, kubectl, terraform, ...)"'


def _header(rails: Rails, extra: str) -> str:
    envs = " / ".join(rails.environments)
    return f"""\
# {rails.service}'s pipeline, written by `polycontract ci init`, the same rails as every repository:
#   {rails.describe()}
# Every deployment asks the broker first (can-i-deploy) and tells it afterwards (record-deployment),
# so the broker always knows which versions run where, and can refuse a release that would break
# a counterpart version still running in that environment.
#
# {extra}
#   postgresql://ci@broker-db.internal/pacts  (or sqlite:///... for a single runner)
# The broker's environments are created once, in order:
#   polycontract create-environment --name NAME (for {envs}; --production for the last)
"""


def github(rails: Rails) -> str:
    """The GitHub Actions workflow."""
    setup = f"""\
      - uses: actions/setup-python@v5
        with:
          python-version: "{rails.python}"
"""
    out = [_header(rails, "Secrets: POLYCONTRACT_BROKER, the broker shared by the estate, e.g.")]
    out.append(f"name: {rails.service}\n\non:\n  push:\n    branches: [main]\n  pull_request:\n")
    if rails.provider:
        out.append(
            "  # lets a tool (a broker webhook, a consumer's pipeline) ask for a verification of new pacts\n"
            "  repository_dispatch:\n    types: [contract-requiring-verification-published]\n"
        )
    out.append(
        "\nenv:\n"
        "  POLYCONTRACT_BROKER: ${{ secrets.POLYCONTRACT_BROKER }}\n"
        "  VERSION: ${{ github.sha }}\n"
        "  BRANCH: ${{ github.head_ref || github.ref_name }}\n"
        "\njobs:\n"
        "  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        + setup
        + "      - run: pip install -r requirements.txt\n"
    )
    for name, command in rails.test_commands():
        out.append(f"      - name: {_quote(name)}\n        run: {_quote(command)}\n")
    previous = "test"
    if rails.provider:
        out.append(
            "\n  verify:\n    needs: test\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
            + setup
            + "      - run: pip install -r requirements.txt\n"
            + f"      - name: {_quote(f'Start {rails.service} with provider states enabled (verification only)')}\n"
            + f"        run: {_quote(rails.start_command())}\n"
            + "      - name: Wait until it answers\n"
            + f"        run: {_quote(rails.wait_command())}\n"
            + "      - name: Verify the pacts of the consumer versions deployed and on main, publish the results\n"
            + f"        run: >-\n          {rails.verify_command()}\n"
        )
        previous = "verify"
    for index, environment in enumerate(rails.environments):
        last = index == len(rails.environments) - 1
        protect = "  # protect it: required reviewers approve it" if last else ""
        out.append(
            f"\n  deploy-{environment}:\n"
            f"    needs: {previous}\n"
            "    if: github.event_name == 'push' && github.ref == 'refs/heads/main'\n"
            "    runs-on: ubuntu-latest\n"
            f"    environment: {environment}{protect}\n"
            "    steps:\n" + setup + "      - run: pip install polycontract\n"
            f"      - name: can-i-deploy {rails.service} to {environment}\n"
            "        # --retry-while-unknown waits for providers still verifying a new pact; exit 1 stops the\n"
            f"        # job: a counterpart version running in {environment} would break (or is not verified yet)\n"
            "        # and the broker's reasons say which version and why\n"
            f"        run: {_quote(rails.can_i_deploy(environment))}\n"
            "      - name: Deploy\n"
            f"        run: {_quote(rails.deploy(environment))}\n"
            "      - name: record-deployment\n"
            f"        run: {_quote(rails.record_deployment(environment))}\n"
        )
        previous = f"deploy-{environment}"
    return "".join(out)


def gitlab(rails: Rails) -> str:
    """The GitLab CI pipeline."""
    stages = ["test", *(["verify"] if rails.provider else []), *(f"deploy-{e}" for e in rails.environments)]
    out = [_header(rails, "CI/CD variable (masked): POLYCONTRACT_BROKER, the broker shared by the estate, e.g.")]
    out.append(
        f"image: python:{rails.python}\n\n"
        "stages:\n" + "".join(f"  - {stage}\n" for stage in stages) + "\nvariables:\n"
        '  VERSION: "$CI_COMMIT_SHA"\n'
        '  BRANCH: "$CI_COMMIT_REF_NAME"\n'
        "\ntest:\n  stage: test\n  script:\n    - pip install -r requirements.txt\n"
    )
    for name, command in rails.test_commands():
        out.append(f"    # {name}\n    - {_quote(command)}\n")
    previous = "test"
    if rails.provider:
        out.append(
            "\nverify:\n  stage: verify\n  needs: [test]\n  script:\n"
            "    - pip install -r requirements.txt\n"
            f"    # start {rails.service} with provider states enabled (verification only)\n"
            f"    - {_quote(rails.start_command())}\n"
            f"    - {_quote(rails.wait_command())}\n"
            "    # verify the pacts of the consumer versions deployed and on main, publish the results\n"
            f"    - {_quote(rails.verify_command())}\n"
        )
        previous = "verify"
    for index, environment in enumerate(rails.environments):
        last = index == len(rails.environments) - 1
        out.append(
            f"\ndeploy-{environment}:\n"
            f"  stage: deploy-{environment}\n"
            f"  needs: [{previous}]\n"
            "  rules:\n    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n"
            f"  environment:\n    name: {environment}"
            + ("  # protect it: approvals or a manual job guard it\n" if last else "\n")
            + "  script:\n"
            "    - pip install polycontract\n"
            "    # exit 1 stops the job: a counterpart version running there would break (or is not verified\n"
            "    # yet), and the broker's reasons say which version and why\n"
            f"    - {_quote(rails.can_i_deploy(environment))}\n"
            f"    - {_quote(rails.deploy(environment))}\n"
            f"    - {_quote(rails.record_deployment(environment))}\n"
        )
        previous = f"deploy-{environment}"
    return "".join(out)


def _quote(text: str) -> str:
    """A YAML scalar for ``text``: plain when that reads back the same, single-quoted otherwise."""
    risky = (
        ": " in text or " #" in text or text.endswith(":") or text[:1] in "!&*{}[]|>'\"%@`#,?:-" or text.startswith("$")
    )
    if not risky:
        return text
    return "'" + text.replace("'", "''") + "'"


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
@click.option("--force", is_flag=True, help="Replace an existing pipeline file.")
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
    force: bool,
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
    rails = Rails(
        service=name,
        consumer=role in ("consumer", "both"),
        provider=role in ("provider", "both"),
        environments=environments,
        python=python_version,
        provider_url=provider_url.rstrip("/"),
        state_change_url=state_change_url,
        start=start.strip() if start and start.strip() else None,
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
    click.echo(f"wrote {target} ({role} {name}: {rails.describe()})")
    secret = "a secret" if system == "github" else "a CI/CD variable"
    click.echo(f"next: set POLYCONTRACT_BROKER as {secret}; the deploy steps only echo, put your deployment there")
    if rails.provider and rails.start is None:
        click.echo("next: edit the step that starts the service for verification (or pass --start)")
