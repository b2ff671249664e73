"""Regular expressions written by other Pact tools (Java, Rust, JavaScript) in Python's dialect.

Internal interface of the core: the codec and matching share it; not part of the public API.

Pact files carry patterns from pact-jvm (``\\Q...\\E`` quoting, possessive quantifiers) and the
Rust core. `compile_pact_regex` translates the constructs that differ and compiles once.

>>> compile_pact_regex(r"\\Q{id}\\E/\\d+").fullmatch("{id}/42") is not None
True
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["compile_pact_regex", "translate"]

_QUOTED = re.compile(r"\\Q(.*?)(?:\\E|$)", re.DOTALL)
_POSSESSIVE = re.compile(r"(?<!\\)([*+?}])\+")
_JAVA_CLASSES = {
    r"\p{Alpha}": "[A-Za-z]",
    r"\p{Digit}": "[0-9]",
    r"\p{Alnum}": "[A-Za-z0-9]",
    r"\p{Upper}": "[A-Z]",
    r"\p{Lower}": "[a-z]",
    r"\p{Punct}": r"[!-/:-@\[-`{-~]",
    r"\p{Space}": r"\s",
    r"\p{XDigit}": "[0-9a-fA-F]",
}


def translate(pattern: str) -> str:
    """The Python spelling of a Java/Rust style pattern (unchanged when nothing differs)."""
    if "\\Q" in pattern:
        pattern = _QUOTED.sub(lambda m: re.escape(m.group(1)), pattern)
    if "\\p{" in pattern:
        for java, python in _JAVA_CLASSES.items():
            pattern = pattern.replace(java, python)
    if "+" in pattern:
        pattern = _POSSESSIVE.sub(r"\1", pattern)
    return pattern


@lru_cache(maxsize=4096)
def compile_pact_regex(pattern: str) -> re.Pattern[str]:
    """Compile a pact regex once; raises `re.error` when it is not valid in any dialect we know."""
    try:
        return re.compile(pattern)
    except re.error:
        return re.compile(translate(pattern))
