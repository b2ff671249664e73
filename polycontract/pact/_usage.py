"""What a consumer test exercised of its pact: the messages a delivery handed over, and the report of the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from polycontract.errors import UsageError
from polycontract.model import AsynchronousMessage, HttpInteraction, Interaction, SynchronousMessage
from polycontract.model import PactDocument as PactModel

if TYPE_CHECKING:
    from collections.abc import Sequence

    from polycontract.mock import MockProvider

__all__ = ["flag", "label", "messages_of", "unexercised_message"]


def flag(func: str, value: object) -> bool:
    """``value`` if it is a bool, else a `UsageError` quoting it."""
    if not isinstance(value, bool):
        raise UsageError(f"{func}: optional={value!r} must be True or False")
    return value


def messages_of(model: PactModel, description: str | None, *, synchronous: bool = True) -> list[Interaction]:
    """The messages of ``model`` (only ``description``) handed to the consumer by a delivery."""
    kinds = (AsynchronousMessage, SynchronousMessage) if synchronous else (AsynchronousMessage,)
    return [
        i for i in model.interactions if isinstance(i, kinds) and (description is None or i.description == description)
    ]


def label(interaction: Interaction) -> str:
    """``'a request for user 7' (given 'user 7 exists') (GET /users/7)``: how `Pact.verify` names one."""
    text = repr(interaction.description)
    if interaction.provider_states:
        text += " (given " + " and ".join(repr(s.name) for s in interaction.provider_states) + ")"
    if isinstance(interaction, HttpInteraction):
        return f"{text} ({interaction.request.method.upper()} {interaction.request.path})"
    return f"{text} ({'a synchronous message' if isinstance(interaction, SynchronousMessage) else 'a message'})"


def unexercised_message(
    consumer: str, provider: str, missing: Sequence[Interaction], mocks: Sequence[MockProvider]
) -> str:
    """The `ContractViolation` text of `Pact.verify`: each interaction never exercised, and the likely cause."""
    from polycontract.mock.support import NO_REQUESTS

    count = f"{len(missing)} declared interaction" + (" was" if len(missing) == 1 else "s were")
    lines = [f"{consumer} -> {provider}: {count} never exercised:"]
    lines += [f"  - {label(i)}" for i in missing]
    if any(isinstance(i, HttpInteraction) for i in missing):
        if not mocks:
            lines.append(
                "no mock provider was started: run the code under test against `with pact.serve() as server:` "
                "(server.url) or pact.transport()"
            )
        elif not any(mock.received for mock in mocks):
            lines.append(NO_REQUESTS)
    if any(not isinstance(i, HttpInteraction) for i in missing):
        lines.append("messages reach the consumer through pact.verify_message(handler)")
    lines.append(
        "hint: exercise each from the code under test, remove the declaration, or declare it with "
        "upon_receiving(..., optional=True) / expects_to_receive(..., optional=True) if the consumer may not "
        "need it (an unexercised interaction is never written to the pact)"
    )
    return "\n".join(lines)
