"""Deferred imports, so that ``import mdmtheory`` and the command line start fast.

numba kernels, scipy and networkx take most of a second to import; a module that needs one binds
it with :func:`lazy_module` (a module object that loads on first attribute access) or
:func:`lazy_function` (a function that loads its module on first call).  A command that never
calls them never pays for them.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Callable

__all__ = ["lazy_module", "lazy_function"]


def lazy_module(name: str) -> types.ModuleType:
    """The module ``name``, executed on first attribute access (:class:`importlib.util.LazyLoader`)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:  # pragma: no cover - an installation defect
        raise ImportError(f"no module named {name!r}")
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


def lazy_function(module: str, name: str) -> Callable:
    """A stand-in for ``module.name`` that imports ``module`` on its first call."""

    def call(*args, **kwargs):
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"``{module}.{name}``, imported on first call."
    return call
