"""``polycontract compat``: compare schema files (Avro, JSON Schema, OpenAPI) and check a pact against OpenAPI.

Exit codes: 0 compatible, 1 breaking, 2 error (a file that does not parse, a bad option).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from polycontract.cli._broker_common import emit, output_option, reporting_errors

__all__ = ["compat"]

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.FileError(str(path), hint=str(exc)) from None


def _verdict(ok: bool) -> None:
    if not ok:
        raise click.exceptions.Exit(1)


_examples = click.option(
    "--examples",
    is_flag=True,
    help="Search each checked direction for a value one schema produces and the other rejects (needs hypothesis); "
    "show it under each breaking finding, and fail on a direction the rules call safe that a value breaks.",
)
_budget = click.option(
    "--examples-budget",
    "budget",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Generated values tried per direction with --examples.",
)
_seed = click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of the --examples search (same seed, same values)."
)


def _example_options(function: Any) -> Any:
    return _examples(_budget(_seed(function)))


def _with_example(line: str, example: Any) -> str:
    return line if example is None else f"{line}\n    {example}"


def _example_field(example: Any) -> dict[str, Any]:
    return {} if example is None else {"counterexample": example.to_dict()}


def _directions(found: Any) -> list[dict[str, Any]]:
    return [{"direction": d.label, "breaking": d.breaking, **d.example.to_dict()} for d in found.directions]


@click.group("compat")
def compat() -> None:
    """Is a new schema compatible with earlier ones? Exit 0 compatible, 1 breaking, 2 error."""


@compat.command("avro")
@click.argument("schemas", nargs=-1, required=True, type=_FILE)
@click.option(
    "--level",
    type=click.Choice(
        ["BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE"],
        case_sensitive=False,
    ),
    default="BACKWARD",
    show_default=True,
    help="Schema Registry compatibility level.",
)
@_example_options
@output_option
def avro_command(schemas: tuple[Path, ...], level: str, examples: bool, budget: int, seed: int, output: str) -> None:
    """Check the last of SCHEMAS (the new one) against the others (oldest first)."""
    if len(schemas) < 2:
        raise click.UsageError("give at least two schema files: OLD... NEW")
    from polycontract.compat import avro

    with reporting_errors():
        texts = [_read(p) for p in schemas]
        previous = [avro.parse(t, name=str(p)) for t, p in zip(texts[:-1], schemas[:-1], strict=True)]
        new = avro.parse(texts[-1], name=str(schemas[-1]))
        report = avro.check_level(new, previous, level)
        if examples:
            from polycontract.compat.counterexamples import avro_examples

            names = [str(p) for p in schemas]
            found = avro_examples(texts[-1], texts[:-1], level, budget=budget, seed=seed, names=names)
            shown = [(report.pairs[int(s.key)], s.finding, s.example) for s in found.findings]
        else:
            shown = [(pair, f, None) for pair in report.pairs for f in pair.report.findings]
    compatible = report.compatible and not (examples and found.contradicted)
    rows: list[dict[str, Any]] = []
    lines: list[str] = []
    for pair, f, example in shown:
        against = schemas[pair.version]
        rows.append({"against": str(against), "read_by": pair.reader, **_fields(f), **_example_field(example)})
        side = f"(new schema reads {against} data)" if pair.reader == "new" else f"({against} reads new data)"
        lines.append(_with_example(f"{f.severity}: {f.path}: {f.message} [{f.rule}] {side}", example))
    lines.append(f"{level.upper()}: {'compatible' if compatible else 'INCOMPATIBLE'}")
    document: dict[str, Any] = {"level": report.level.value, "compatible": compatible, "findings": rows}
    if examples:
        document["examples"] = _directions(found)
    emit(output, document, "\n".join(lines))
    _verdict(compatible)


@compat.command("jsonschema")
@click.argument("old", type=_FILE)
@click.argument("new", type=_FILE)
@click.option(
    "--level",
    type=click.Choice(["BACKWARD", "FORWARD", "FULL"], case_sensitive=False),
    default="BACKWARD",
    show_default=True,
    help="Which direction must hold.",
)
@_example_options
@output_option
def jsonschema_command(old: Path, new: Path, level: str, examples: bool, budget: int, seed: int, output: str) -> None:
    """Compare two JSON Schemas with Confluent Schema Registry's rules."""
    from polycontract.compat import jsonschema

    contradiction: str | None = None  # the name of a contradiction finding, only --examples makes one
    with reporting_errors():
        old_text, new_text = _read(old), _read(new)
        report = jsonschema.compare(old_text, new_text, old_name=str(old), new_name=str(new))
        if examples:
            from polycontract.compat.counterexamples import CONTRADICTION, jsonschema_examples

            contradiction = CONTRADICTION
            found = jsonschema_examples(
                old_text, new_text, level, budget=budget, seed=seed, old_name=str(old), new_name=str(new)
            )
            shown = [(s.finding, s.example) for s in found.findings]
        else:
            shown = [(f, None) for f in report.findings]
    ok = {"BACKWARD": report.backward, "FORWARD": report.forward, "FULL": report.full}[level.upper()]
    contradicted = examples and found.contradicted
    ok = ok and not contradicted
    rows = [{**_fields(f), **_example_field(example)} for f, example in shown]
    lines = [_with_example(f"{f}: {f.message}" if f.change == contradiction else str(f), e) for f, e in shown]
    against = "; generated data contradicts the rules" if contradicted else ""
    lines.append(
        f"backward: {report.backward}, forward: {report.forward}{against} → {level.upper()} {'ok' if ok else 'BROKEN'}"
    )
    document: dict[str, Any] = {
        "level": level.upper(),
        "compatible": ok,
        "backward": report.backward,
        "forward": report.forward,
    }
    if examples:
        document["examples"] = _directions(found)
    emit(output, {**document, "findings": rows}, "\n".join(lines))
    _verdict(ok)


@compat.command("openapi")
@click.argument("old", type=_FILE)
@click.argument("new", type=_FILE)
@click.option(
    "--fail-on", type=click.Choice(["ERR", "WARN"]), default="ERR", show_default=True, help="Lowest failing level."
)
@_example_options
@output_option
def openapi_command(old: Path, new: Path, fail_on: str, examples: bool, budget: int, seed: int, output: str) -> None:
    """List the changes from OLD to NEW, breaking ones first."""
    from polycontract.compat import openapi

    with reporting_errors():
        old_text, new_text = _read(old), _read(new)
        report = openapi.diff(old_text, new_text, old_name=str(old), new_name=str(new))
        if examples:
            from polycontract.compat.counterexamples import openapi_examples

            found = openapi_examples(old_text, new_text, budget=budget, seed=seed, old_name=str(old), new_name=str(new))
            shown = [(s.finding, s.example) for s in found.findings]
        else:
            shown = [(c, None) for c in report.changes]
    failing = {"ERR"} if fail_on == "ERR" else {"ERR", "WARN"}
    ok = not any(c.level in failing for c, _ in shown)
    lines = [_with_example(str(c), e) for c, e in shown] + [f"{len(shown)} changes: {'ok' if ok else 'BREAKING'}"]
    document: dict[str, Any] = {"breaking": not ok, "changes": [{**_fields(c), **_example_field(e)} for c, e in shown]}
    if examples:
        document["examples"] = _directions(found)
    emit(output, document, "\n".join(lines))
    _verdict(ok)


@compat.command("bidirectional")
@click.argument("pact", type=_FILE)
@click.argument("document", type=_FILE)
@output_option
def bidirectional_command(pact: Path, document: Path, output: str) -> None:
    """Check every HTTP interaction of PACT against the OpenAPI DOCUMENT, without running the provider."""
    from polycontract.compat import bidirectional

    with reporting_errors():
        report = bidirectional.check(_read(pact), _read(document), pact_name=str(pact), document_name=str(document))
    lines = [str(f) for f in report.findings]
    lines.append(f"{report.checked} interactions: {'compatible' if report.compatible else 'INCOMPATIBLE'}")
    document_json = {
        "compatible": report.compatible,
        "checked": report.checked,
        "findings": [_fields(f) for f in report.findings],
    }
    emit(output, document_json, "\n".join(lines))
    _verdict(report.compatible)


def _fields(value: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(value)
