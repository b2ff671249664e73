"""`delegate`: a facade method that is one of its collaborators' methods, without copying its signature.

``publish_pact = delegate("_pacts", Pacts.publish_pact)`` in a class body makes ``broker.publish_pact`` the bound
``broker._pacts.publish_pact``; on the class it is ``Pacts.publish_pact`` itself, so `inspect.signature`, `help`
and type checkers see the collaborator's parameters and documentation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

__all__ = ["delegate"]

P = ParamSpec("P")
R = TypeVar("R")


class delegate(Generic[P, R]):
    """A method of the owning class answered by the object in attribute ``attribute`` (see the module docstring)."""

    def __init__(self, attribute: str, method: Callable[Concatenate[Any, P], R]) -> None:
        self._attribute = attribute
        self._method = method
        # Name, documentation and ``__wrapped__`` of the method, so tools that look at the class attribute
        # itself (`inspect.getattr_static`, `inspect.signature`, documentation generators) see the method.
        functools.update_wrapper(self, method)

    def __call__(self, instance: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call the method as ``Owner.method(instance, ...)`` would."""
        bound: Callable[P, R] = getattr(getattr(instance, self._attribute), self._method.__name__)
        return bound(*args, **kwargs)

    @overload
    def __get__(self, instance: None, owner: type) -> Callable[Concatenate[Any, P], R]: ...

    @overload
    def __get__(self, instance: object, owner: type) -> Callable[P, R]: ...

    def __get__(self, instance: object | None, owner: type) -> Callable[..., R]:
        if instance is None:
            return self._method
        bound: Callable[P, R] = getattr(getattr(instance, self._attribute), self._method.__name__)
        return bound
