"""Old public names kept for one release: each still gives its object, with a `DeprecationWarning`.

Internal interface of the core: the modules whose public names changed (`polycontract.model`,
`polycontract.mock`, `polycontract.verifier`) answer their old names from their module ``__getattr__``
through `old_name`; not part of the public API.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Mapping
from typing import Any

__all__ = ["old_name"]


def old_name(module: str, name: str, renames: Mapping[str, tuple[str, str]], namespace: Mapping[str, Any]) -> Any:
    """``module.name`` under its new name, with a `DeprecationWarning`; `AttributeError` for any other name.

    ``renames`` maps each old name to its new name and what the new name is for; ``namespace`` is the
    module's globals, where the new name is found.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     old_name("pkg", "Old", {"Old": ("New", "what it is")}, {"New": 1})
    1
    >>> print(seen[0].message)
    pkg.Old is renamed pkg.New (what it is); the old name goes in the next release
    """
    if name not in renames:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    new, what = renames[name]
    if sys._getframe(2).f_globals.get("__name__") == "importlib._bootstrap":
        # ``from package import Old`` first asks ``hasattr(package, "Old")`` (to import a submodule of that
        # name if there is no such attribute), then reads it: warn once, on the read.
        return namespace[new]
    warnings.warn(
        f"{module}.{name} is renamed {module}.{new} ({what}); the old name goes in the next release",
        DeprecationWarning,
        stacklevel=3,  # the code that asked for the old name, past the module's __getattr__
    )
    return namespace[new]
