"""The story ``polycontract demo`` tells: three services released independently through DEV, QA and PROD.

`Estate` holds the moving parts (a broker, the pacts each web-ui version published, what every
verification found) and the actions each team's CI would take: run consumer tests and publish,
verify and publish results, ask can-i-deploy and record the deployment. `tell` runs the story with
them, narrating each step through ``say`` for a reader who never heard of contract testing.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from polycontract.broker import BrokerAPI, Decision
from polycontract.demo._contracts import reads, verify_auth, verify_orders, web_ui_consumer_tests
from polycontract.model import PactDocument as PactModel

__all__ = ["ENVIRONMENTS", "Estate", "tell"]

ENVIRONMENTS = ("DEV", "QA", "PROD")
SERVICES = ("auth-svc", "orders-svc", "web-ui")
Say = Callable[[str], None]


class Estate:
    """The broker plus what each team's pipeline does to it, narrated through ``say``."""

    def __init__(self, broker: BrokerAPI, workdir: Path, say: Say) -> None:
        self.broker = broker
        self.workdir = workdir
        self.say = say
        self.pacts: dict[str, list[PactModel]] = {}  # web-ui version -> the pacts it published
        self.decisions: list[dict[str, Any]] = []

    def para(self, text: str, indent: int = 2) -> None:
        """Say ``text`` as a wrapped paragraph."""
        self.say(textwrap.fill(text, width=100, initial_indent=" " * indent, subsequent_indent=" " * indent))

    def publish_consumer(self, version: str) -> None:
        """web-ui ``version``'s CI: run its consumer tests (they write the pacts), then publish them."""
        pact_dir = self.workdir / "pacts" / f"web-ui-{version}"
        models = web_ui_consumer_tests(version, pact_dir)
        self.pacts[version] = models
        self.say(f"  web-ui {version}'s tests passed against the mock providers and wrote:")
        for model in models:
            path = pact_dir / f"{model.consumer}-{model.provider}.json"
            result = self.broker.publish_pact(model, consumer_version=version, branch="main")
            self.say(f"    {path.relative_to(self.workdir)}")
            self.say(f"      what web-ui reads: {reads(model)}")
            self.say(
                f"      published to the broker as web-ui {version} -> {model.provider} ({result.content_hash[:8]})"
            )

    def verify(self, provider: str, version: str) -> None:
        """``provider`` ``version``'s CI: verify the pact of every web-ui version published, publish each result.

        The results go to the broker with their mismatches, so can-i-deploy can later say which field broke.
        """
        run = verify_auth if provider == "auth-svc" else verify_orders
        replayed = 0
        for consumer_version, models in self.pacts.items():
            for pact in (p for p in models if p.provider == provider):
                result = run(version, [pact])
                replayed += len(result.interactions)
                self.broker.publish_verification_results(
                    provider=provider, provider_version=version, results=result.verifications()
                )
                verdict = "kept" if result.ok else "BROKEN"
                self.say(f"    {provider} {version} replays the pact of web-ui {consumer_version}: {verdict}")
                for failure in result.failures:
                    for mismatch in failure.mismatches:
                        self.say(f"      {failure.description}: {mismatch.path}: {mismatch.message}")
        plural = "" if replayed == 1 else "s"
        self.say(f"    ({replayed} interaction{plural} replayed; each result was published to the broker)")

    def deploy(self, name: str, version: str, environment: str, *, explain: bool = False) -> bool:
        """Ask can-i-deploy; record the deployment when the answer is yes. Returns the answer."""
        decision = self.broker.can_i_deploy(name, version, to_environment=environment)
        self.decisions.append(
            {
                "pacticipant": name,
                "version": version,
                "environment": environment,
                "ok": decision.ok,
                "reasons": [str(r) for r in decision.reasons],
            }
        )
        answer = {True: "yes", False: "NO - REFUSED", None: "unknown - refused"}[decision.ok]
        self.say(f"  can-i-deploy {name} {version} to {environment}? {answer}")
        if explain or not decision.ok:
            for reason in decision.reasons:
                mark = {"ok": "ok", "no-dependencies": "ok", "ignored": "--"}.get(reason.status, "x ")
                self.say(_wrap(f"{mark} {reason}", indent=6, hanging=9))
            if all(r.status == "no-dependencies" for r in decision.reasons):
                self.say(f"         (nothing in {environment} uses {name} yet, and {name} uses nothing itself)")
        if decision.ok:
            self.broker.record_deployment(name, version, environment)
            self.say(f"    -> {name} {version} is now deployed to {environment} (recorded in the broker)")
        else:
            self.explain_refusal(decision)
        return bool(decision.ok)

    def explain_refusal(self, decision: Decision) -> None:
        """Say which consumer version broke and which field, from the verification results the broker stored."""
        for reason in decision.reasons:
            report = reason.report
            if reason.status != "failed" or report is None:
                continue
            why = (
                f"Why: {report.consumer} {report.consumer_version} runs in {decision.target}, and {report.provider}"
                f" {report.provider_version} breaks its pact. From the verification results in the broker:"
            )
            self.say(_wrap(why, indent=4, hanging=4))
            if report.failures is None:
                self.say(_wrap(report.lines()[0], indent=6, hanging=8))
            for failure in report.failures or ():
                where = self.request_line(report.consumer_version, report.provider, failure.description)
                for mismatch in failure.mismatches:
                    self.say(_wrap(f"{where}: {mismatch}", indent=6, hanging=8))
                    field = (mismatch.path or "").rpartition(".")[2]
                    change = "no longer sends it" if "missing" in mismatch.description else "sends something else there"
                    self.para(
                        f"In plain words: {report.consumer} {report.consumer_version} reads the field {field!r}"
                        f" ({mismatch.path} of {where}) and {report.provider} {report.provider_version} {change}."
                        f" Deploying it would break {report.consumer} {report.consumer_version} in"
                        f" {decision.target} for every user, so the pipeline stops here, before anyone"
                        " sees an error.",
                        indent=4,
                    )

    def request_line(self, consumer_version: str, provider: str, description: str) -> str:
        """``GET /users/7`` for interaction ``description`` of web-ui ``consumer_version``; else the description."""
        for pact in self.pacts.get(consumer_version, []):
            for interaction in pact.interactions if pact.provider == provider else ():
                request = getattr(interaction, "request", None)
                if interaction.description == description and request is not None:
                    return f"{request.method} {request.path}"
        return description

    def board(self) -> dict[str, dict[str, str]]:
        """service -> environment -> the version(s) deployed there."""
        board: dict[str, dict[str, str]] = {s: {} for s in SERVICES}
        for environment in ENVIRONMENTS:
            for live in self.broker.live(environment):
                cell = board.setdefault(live.pacticipant, {})
                cell[environment] = ", ".join(filter(None, (cell.get(environment), live.version)))
        return board

    def show_board(self, title: str) -> None:
        """Say the board as a table."""
        board = self.board()
        widths = [max(len("service"), *map(len, board))] + [
            max(len(env), *(len(row.get(env, "-")) for row in board.values())) for env in ENVIRONMENTS
        ]
        header = ["service", *ENVIRONMENTS]
        rule = "  +" + "+".join("-" * (w + 2) for w in widths) + "+"
        self.say(f"  {title}")
        self.say(rule)
        self.say("  | " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
        self.say(rule)
        for service, row in board.items():
            cells = [service, *(row.get(env, "-") for env in ENVIRONMENTS)]
            self.say("  | " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |")
        self.say(rule)


def tell(estate: Estate) -> None:
    """Run the whole story on ``estate``, narrating each step."""
    say, para = estate.say, estate.para
    broker = estate.broker

    say("The estate: three services, each in its own repository, each released on its own")
    say("  web-ui      the web front end: asks auth-svc who the user is, asks orders-svc for orders,")
    say("              and listens for the order-placed event that orders-svc publishes")
    say("  auth-svc    answers GET /users/{id}")
    say("  orders-svc  answers GET /orders/{id} and publishes order-placed events")
    para(
        "Every version goes DEV -> QA -> PROD when its own team is ready, so nobody ever tests the three"
        " together. Instead, each consumer writes down what it needs (a contract, called a pact), each"
        " provider checks it keeps those contracts, and a broker remembers all of it plus what runs"
        " where. Before any deployment, the pipeline asks the broker 'can I deploy?'."
    )
    for environment in ENVIRONMENTS:
        broker.create_environment(environment, production=environment == "PROD")
    say(f"  (a broker was created in {estate.workdir / 'broker.db'} with environments {', '.join(ENVIRONMENTS)})")

    say("")
    say("Step 1. web-ui 1.0.0 writes down what it needs (consumer tests -> pacts)")
    para(
        "web-ui's tests run its real client code against mock versions of auth-svc and orders-svc that"
        " answer only what web-ui declared. What web-ui declared becomes the pact. Only the fields web-ui"
        " actually reads are in it: a provider may send more."
    )
    estate.publish_consumer("1.0.0")

    say("")
    say("Step 2. The providers check that they keep those promises (provider verification)")
    para(
        "Each provider replays the requests in web-ui's pact against its own code and compares the"
        " answers with what web-ui expects; orders-svc also produces its order-placed event."
    )
    estate.verify("auth-svc", "1.0.0")
    estate.verify("orders-svc", "1.0.0")

    say("")
    say("Step 3. Release 1.0.0 of everything through DEV -> QA -> PROD, providers first")
    para(
        "Before each deployment the pipeline asks can-i-deploy. For a consumer the broker checks that"
        " every provider version running in that environment verified its pact; for a provider, that it"
        " verified the pact of every consumer version running there."
    )
    for environment in ENVIRONMENTS:
        estate.deploy("auth-svc", "1.0.0", environment, explain=environment == "DEV")
        estate.deploy("orders-svc", "1.0.0", environment)
        estate.deploy("web-ui", "1.0.0", environment, explain=environment == "DEV")

    say("")
    say("Step 4. Teams move at their own pace")
    para("auth-svc 2.0.0 adds a short 'displayName' next to 'name'. Adding a field breaks nobody:")
    estate.verify("auth-svc", "2.0.0")
    for environment in ENVIRONMENTS:
        estate.deploy("auth-svc", "2.0.0", environment)
    para("orders-svc 1.1.0 adds a 'currency' to orders and events; its team ships it to DEV only, for now:")
    estate.verify("orders-svc", "1.1.0")
    estate.deploy("orders-svc", "1.1.0", "DEV")

    say("")
    say("Step 5. web-ui 2.0.0 greets the user by displayName instead of name")
    estate.publish_consumer("2.0.0")
    para(
        "The broker would now trigger auth-svc's pipeline to verify the new pact with the auth-svc"
        " versions that are deployed. web-ui 2.0.0's pact for orders-svc is identical to 1.0.0's, so"
        " the results orders-svc already published count for it: orders-svc has nothing to do."
    )
    estate.verify("auth-svc", "2.0.0")
    estate.deploy("web-ui", "2.0.0", "DEV")
    estate.deploy("web-ui", "2.0.0", "QA")
    para("The web-ui team keeps 2.0.0 out of PROD until its next release day.")

    say("")
    say("Version skew: different combinations run in different places")
    estate.show_board("what runs where right now:")
    para(
        "PROD runs web-ui 1.0.0 beside auth-svc 2.0.0, a pair that was never deployed together anywhere"
        " before; DEV and QA run web-ui 2.0.0 with it. This is version skew, and in a real estate it is"
        " normal: there is no moment when everything is upgraded at once. So auth-svc 2.0.0 must keep"
        " the promises it made to web-ui 1.0.0 (the field 'name') and to web-ui 2.0.0 (the field"
        " 'displayName') for as long as either runs somewhere. Nobody can keep that in their head;"
        " the broker does, which is why every deployment asks it first."
    )

    say("")
    say("Step 6. auth-svc 3.0.0 renames 'name' to 'fullName' (a breaking change)")
    estate.verify("auth-svc", "3.0.0")
    para(
        "auth-svc's own tests pass, and web-ui 2.0.0 no longer reads 'name', but web-ui 1.0.0 still"
        " does. The broker has recorded both results. Whether the failure matters depends on where"
        " 3.0.0 goes: it matters wherever web-ui 1.0.0 runs."
    )
    estate.deploy("auth-svc", "3.0.0", "DEV")
    estate.deploy("auth-svc", "3.0.0", "QA")
    if estate.deploy("auth-svc", "3.0.0", "PROD"):
        raise RuntimeError("the demo went wrong: the breaking auth-svc 3.0.0 was accepted for PROD")
    para(
        "DEV and QA only run web-ui 2.0.0, so 3.0.0 is safe there; PROD still runs web-ui 1.0.0."
        " There are two ways out: release web-ui 2.0.0 to PROD first, or keep 'name' in auth-svc a"
        " while longer. The auth-svc team does the second."
    )

    say("")
    say("Step 7. auth-svc 3.0.1 sends 'fullName' and keeps 'name' (deprecated) for older web-ui versions")
    estate.verify("auth-svc", "3.0.1")
    for environment in ENVIRONMENTS:
        estate.deploy("auth-svc", "3.0.1", environment, explain=environment == "PROD")
    para(
        "Accepted: 3.0.1 keeps every promise to every web-ui version live in PROD. Once web-ui 2.0.0"
        " reaches PROD and 1.0.0 is gone, a later auth-svc can drop 'name' and can-i-deploy will agree."
    )

    say("")
    say("The environments board (from the broker)")
    estate.show_board("service x environment, the version deployed:")
    para(
        "In short: the three services were never tested together, each team released on its own"
        " schedule, and the one release that would have broken PROD was stopped before it got there,"
        " naming the consumer version and the field it still reads."
    )


def _wrap(text: str, *, indent: int, hanging: int) -> str:
    """``text`` wrapped at 100 columns, continuation lines indented by ``hanging``."""
    return textwrap.fill(text, width=100, initial_indent=" " * indent, subsequent_indent=" " * hanging)
