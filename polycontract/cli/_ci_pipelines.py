"""The pipelines ``polycontract ci init`` writes: the rails of a repository as GitHub Actions or GitLab CI
text (templates, no YAML library at run time, so the comments that explain each step stay).

Every job installs polycontract from ``POLYCONTRACT_PIP_SPEC`` (no package index serves it): a CI
variable, or the requirement given with ``ci init --install``; a job whose variable is unset stops
at once and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from polycontract.cli._ci_options import EXAMPLE_SPEC, INSTALL_VARIABLE

__all__ = ["Rails", "github", "gitlab"]


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
    install: str | None = None
    messages: str | None = None
    message_url: str | None = None

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
        messages = f" --messages {self.messages}" if self.messages else ""
        messages += f" --message-url {self.message_url}" if self.message_url else ""
        return (
            f"polycontract verify --provider {self.service} --provider-url {self.provider_url}{states}{messages}"
            ' --provider-version "$VERSION" --branch "$BRANCH" --publish'
        )

    def install_command(self) -> str:
        """Installs polycontract from the CI variable, and stops with a clear line when it is unset."""
        return (
            f'pip install "${{{INSTALL_VARIABLE}:?is not set: the pip requirement of polycontract,'
            ' see the top of this file}"'
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
# {INSTALL_VARIABLE}: where pip gets polycontract (no package index serves it), with the extras the
# jobs need (postgres for a postgresql:// broker), e.g.
#   {EXAMPLE_SPEC}
#   (or a wheel built with python -m build, or a directory)
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
    install = f"      - name: Install polycontract\n        run: {_quote(rails.install_command())}\n"
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
        + (
            f"  {INSTALL_VARIABLE}: {_quote(rails.install)}\n"
            if rails.install
            else f"  {INSTALL_VARIABLE}: ${{{{ vars.{INSTALL_VARIABLE} }}}}  # a repository or organisation variable\n"
        )
        + "  VERSION: ${{ github.sha }}\n"
        "  BRANCH: ${{ github.head_ref || github.ref_name }}\n"
        "\njobs:\n"
        "  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        + setup
        + install
        + "      - run: pip install -r requirements.txt\n"
    )
    for name, command in rails.test_commands():
        out.append(f"      - name: {_quote(name)}\n        run: {_quote(command)}\n")
    previous = "test"
    if rails.provider:
        out.append(
            "\n  verify:\n    needs: test\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
            + setup
            + install
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
            "    steps:\n" + setup + install + f"      - name: can-i-deploy {rails.service} to {environment}\n"
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
    install = f"    - {_quote(rails.install_command())}\n"
    variables = "CI/CD variables: POLYCONTRACT_BROKER (masked), the broker shared by the estate, e.g."
    out = [_header(rails, variables)]
    out.append(
        f"image: python:{rails.python}\n\n"
        "stages:\n" + "".join(f"  - {stage}\n" for stage in stages) + "\nvariables:\n"
        '  VERSION: "$CI_COMMIT_SHA"\n'
        '  BRANCH: "$CI_COMMIT_REF_NAME"\n'
        + (f"  {INSTALL_VARIABLE}: {_quote(rails.install)}\n" if rails.install else "")
        + "\ntest:\n  stage: test\n  script:\n"
        + install
        + "    - pip install -r requirements.txt\n"
    )
    for name, command in rails.test_commands():
        out.append(f"    # {name}\n    - {_quote(command)}\n")
    previous = "test"
    if rails.provider:
        out.append(
            "\nverify:\n  stage: verify\n  needs: [test]\n  script:\n"
            + install
            + "    - pip install -r requirements.txt\n"
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
            + install
            + "    # exit 1 stops the job: a counterpart version running there would break (or is not verified\n"
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
