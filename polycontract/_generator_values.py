"""One value from one Pact example generator (spec V3/V4), and the context every generator draws on.

The handlers behind `polycontract.generate.generate_value`: random numbers and strings, regexes, UUIDs,
dates and times, provider-state expressions and mock server URLs. Pure: the current time, the random
source and the provider-state values come in a `GeneratorContext`. Users import these names from
`polycontract.generate`.

>>> import datetime, random
>>> ctx = GeneratorContext(now=datetime.datetime(2024, 2, 29, 12, 0, tzinfo=datetime.timezone.utc),
...                        rng=random.Random(1))
>>> generate_value(model.Generator(type="Date", params={"expression": "+1 day"}), None, ctx)
'2024-03-01'
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import random
import re
import string
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Literal

from polycontract import model
from polycontract._dateexpr import eval_date_expression
from polycontract._javatime import format_java
from polycontract._regexgen import sample_regex
from polycontract.errors import UsageError

__all__ = ["GeneratorContext", "generate_value", "to_text"]


@dataclasses.dataclass(frozen=True, kw_only=True)
class GeneratorContext:
    """Everything a generator may depend on, passed in so that generation stays pure and repeatable.

    ``now`` (timezone-aware) anchors Date/Time/DateTime generators; ``rng`` is the only random source.
    ``mode`` says who prepares the example: ``"provider"`` (the verifier, which resolves
    ``ProviderState`` expressions from ``provider_state``) or ``"consumer"`` (the mock server, which
    rebases ``MockServerURL`` examples onto ``mock_server_url``).
    """

    now: datetime.datetime
    rng: random.Random
    mode: Literal["consumer", "provider"] = "consumer"
    provider_state: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    mock_server_url: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.now, datetime.datetime) or self.now.utcoffset() is None:
            raise UsageError(f"now={self.now!r} must be a timezone-aware datetime")
        if not isinstance(self.rng, random.Random):
            raise UsageError(f"rng={self.rng!r} must be a random.Random")
        if self.mode not in ("consumer", "provider"):
            raise UsageError(f"mode={self.mode!r} must be 'consumer' or 'provider'")


def generate_value(generator: model.Generator, current: Any, ctx: GeneratorContext) -> Any:
    """One value from ``generator``; ``current`` is the example being replaced.

    Numbers keep the kind of the example where Pact does (``RandomInt`` on ``"7"`` gives a string).
    ``ProviderState`` only acts in provider mode and ``MockServerURL`` only in consumer mode; otherwise,
    or when the data they need is missing, ``current`` is returned unchanged.

    >>> import datetime, random
    >>> ctx = GeneratorContext(now=datetime.datetime.now(datetime.timezone.utc), rng=random.Random(0),
    ...                        mode="provider", provider_state={"id": 42})
    >>> generate_value(model.Generator(type="ProviderState", params={"expression": "/users/${id}"}), "/", ctx)
    '/users/42'
    """
    handler = _HANDLERS.get(generator.type)
    if handler is None:
        raise UsageError(f"unknown generator type={generator.type!r}; expected one of {', '.join(sorted(_HANDLERS))}")
    return handler(generator, current, ctx)


def _int_param(generator: model.Generator, name: str, default: int, *, minimum: int | None = None) -> int:
    raw = generator.params.get(name, default)
    try:
        if isinstance(raw, bool) or not isinstance(raw, int | str | float) or int(raw) != float(raw):
            raise ValueError
        value = int(raw)
    except (ValueError, OverflowError):
        raise UsageError(f"{generator.type} generator: {name}={raw!r} must be an integer") from None
    if minimum is not None and value < minimum:
        raise UsageError(f"{generator.type} generator: {name}={value} must be at least {minimum}")
    return value


def _str_param(generator: model.Generator, name: str, *, required: bool = False) -> str | None:
    raw = generator.params.get(name)
    if raw is None and not required:
        return None
    if not isinstance(raw, str):
        raise UsageError(f"{generator.type} generator: {name}={raw!r} must be a string")
    return raw


def _random_int(generator: model.Generator, current: Any, ctx: GeneratorContext) -> Any:
    low = _int_param(generator, "min", 0)
    high = _int_param(generator, "max", 2**31 - 1)
    if low > high:
        raise UsageError(f"RandomInt generator: min={low} is greater than max={high}")
    value = ctx.rng.randint(low, high)
    return str(value) if isinstance(current, str) else value


def _random_decimal(generator: model.Generator, current: Any, ctx: GeneratorContext) -> Any:
    digits = _int_param(generator, "digits", 10, minimum=1)
    rng = ctx.rng
    chars = [rng.choice(string.digits) for _ in range(digits)]
    if digits == 1:
        text = rng.choice("123456789")
    else:
        point = rng.randint(1, digits - 1)
        if point > 1 and chars[0] == "0":  # only "0.xyz" may start with a zero
            chars[0] = rng.choice("123456789")
        if chars[-1] == "0":  # a trailing zero would be lost when the value is a JSON number
            chars[-1] = rng.choice("123456789")
        text = "".join(chars[:point]) + "." + "".join(chars[point:])
    numeric = isinstance(current, int | float) and not isinstance(current, bool)
    return float(text) if numeric else text


def _random_hex(generator: model.Generator, current: Any, ctx: GeneratorContext) -> str:
    digits = _int_param(generator, "digits", 10, minimum=0)
    return "".join(ctx.rng.choices("0123456789abcdef", k=digits))


def _random_string(generator: model.Generator, current: Any, ctx: GeneratorContext) -> str:
    size = _int_param(generator, "size", 20, minimum=0)
    return "".join(ctx.rng.choices(string.ascii_letters + string.digits, k=size))


def _random_boolean(generator: model.Generator, current: Any, ctx: GeneratorContext) -> Any:
    value = ctx.rng.random() < 0.5
    return to_text(value) if isinstance(current, str) else value


def _regex(generator: model.Generator, current: Any, ctx: GeneratorContext) -> str:
    regex = _str_param(generator, "regex", required=True)
    assert regex is not None
    try:
        text = sample_regex(regex, ctx.rng)
    except re.error as exc:
        raise UsageError(f"Regex generator: regex={regex!r} cannot be used: {exc}") from None
    if text is None:
        raise UsageError(f"Regex generator: could not generate a string matching regex={regex!r}")
    return text


_UUID_FORMATS: dict[str, Callable[[uuid.UUID], str]] = {
    "simple": lambda u: u.hex,
    "lower-case-hyphenated": str,
    "upper-case-hyphenated": lambda u: str(u).upper(),
    "URN": lambda u: u.urn,
}


def _uuid(generator: model.Generator, current: Any, ctx: GeneratorContext) -> str:
    fmt = _str_param(generator, "format") or "lower-case-hyphenated"
    render = _UUID_FORMATS.get(fmt)
    if render is None:
        raise UsageError(f"Uuid generator: format={fmt!r} must be one of {', '.join(_UUID_FORMATS)}")
    return render(uuid.UUID(int=ctx.rng.getrandbits(128), version=4))


# ------------------------------------------------------------------------------------ dates and times

_DEFAULT_FORMATS = {"Date": "yyyy-MM-dd", "Time": "HH:mm:ss", "DateTime": "yyyy-MM-dd'T'HH:mm:ss"}


def _date_time(generator: model.Generator, current: Any, ctx: GeneratorContext) -> str:
    pattern = _str_param(generator, "format") or _DEFAULT_FORMATS[generator.type]
    expression = _str_param(generator, "expression")
    try:
        moment = eval_date_expression(expression, ctx.now) if expression else ctx.now
    except (OverflowError, ValueError) as exc:
        if isinstance(exc, UsageError):
            raise
        raise UsageError(f"{generator.type} generator: expression={expression!r} is out of range: {exc}") from None
    return format_java(moment, pattern)


# -------------------------------------------------------------------- provider state and mock server

_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


def _provider_state(generator: model.Generator, current: Any, ctx: GeneratorContext) -> Any:
    expression = _str_param(generator, "expression", required=True)
    assert expression is not None
    if ctx.mode != "provider":
        return current
    state = ctx.provider_state
    sole = _PLACEHOLDER.fullmatch(expression)
    if sole or "${" not in expression:
        key = sole.group(1).strip() if sole else expression
        if key not in state:
            return current
        value = state[key]
    else:
        names = [name.strip() for name in _PLACEHOLDER.findall(expression)]
        if any(name not in state for name in names):
            return current
        value = _PLACEHOLDER.sub(lambda m: to_text(state[m.group(1).strip()]), expression)
    return _convert(value, generator.params.get("dataType"))


def _convert(value: Any, data_type: Any) -> Any:
    kind = str(data_type).upper() if data_type is not None else "RAW"
    try:
        if kind == "RAW":
            return value
        if kind == "STRING":
            return to_text(value)
        if kind == "INTEGER":
            return int(value) if not isinstance(value, str) else int(float(value)) if "." in value else int(value)
        if kind in ("DECIMAL", "FLOAT"):
            return float(value)
        if kind == "BOOLEAN":
            if isinstance(value, str) and value.strip().lower() in ("true", "false"):
                return value.strip().lower() == "true"
            if isinstance(value, bool | int | float):
                return bool(value)
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        raise UsageError(f"ProviderState generator: value={value!r} cannot be converted to dataType={kind}") from None
    raise UsageError(
        f"ProviderState generator: dataType={data_type!r} must be one of RAW, STRING, INTEGER, DECIMAL, FLOAT, BOOLEAN"
    )


def _mock_server_url(generator: model.Generator, current: Any, ctx: GeneratorContext) -> Any:
    regex = _str_param(generator, "regex", required=True)
    example = _str_param(generator, "example")
    assert regex is not None
    if ctx.mode != "consumer" or ctx.mock_server_url is None:
        return current
    example = example if example is not None else current
    if not isinstance(example, str):
        return current
    try:
        compiled = re.compile(regex)
    except re.error as exc:
        raise UsageError(f"MockServerURL generator: regex={regex!r} is not a valid regex: {exc}") from None
    base = ctx.mock_server_url.rstrip("/")
    return compiled.sub(lambda m: base + ((m.group(1) or "") if compiled.groups else ""), example, count=1)


_HANDLERS: dict[str, Callable[[model.Generator, Any, GeneratorContext], Any]] = {
    "RandomInt": _random_int,
    "RandomDecimal": _random_decimal,
    "RandomHexadecimal": _random_hex,
    "RandomString": _random_string,
    "RandomBoolean": _random_boolean,
    "Regex": _regex,
    "Uuid": _uuid,
    "Date": _date_time,
    "Time": _date_time,
    "DateTime": _date_time,
    "ProviderState": _provider_state,
    "MockServerURL": _mock_server_url,
}


def to_text(value: Any) -> str:
    """A generated value as text: strings as they are, JSON literals, objects and arrays as JSON, others by ``str``."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, bool | dict | list):
        return json.dumps(value)
    return str(value)
