"""Start-up stays light: the command line and ``import mdmtheory`` load no heavy dependency they
do not use (the times themselves are measured in benchmarks/bench_startup.py, not here)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

HEAVY = ("numba", "scipy", "networkx", "tqdm", "sympy", "matplotlib")


def _loaded_after(code: str, cwd) -> list[str]:
    # a module bound by mdmtheory._lazy sits in sys.modules as a _LazyModule until first use
    probe = (
        f"{code}\nimport sys, json\nprint(json.dumps([m for m in {HEAVY!r} "
        "if m in sys.modules and type(sys.modules[m]).__name__ != '_LazyModule']))"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "code",
    [
        "import mdmtheory",
        "import mdmtheory as m; m.__all__",
        "from mdmtheory.cli import build_parser; build_parser()",
        "import mdmtheory as m; m.parity(3)",
    ],
)
def test_no_heavy_import(code, tmp_path):
    assert _loaded_after(code, tmp_path) == []


def test_info_on_a_small_table_loads_no_kernel(tmp_path):
    np.save(tmp_path / "t.npy", np.full((2, 2, 2), 0.125))
    code = (
        "import contextlib, io\nfrom mdmtheory.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    assert main(['info', 't.npy']) == 0"
    )
    assert "numba" not in _loaded_after(code, tmp_path)


def test_lazy_names_resolve_to_the_module_objects():
    """Every name of __all__ resolves, and ``mdmtheory.evaluate`` stays the function even after
    the module of the same name is imported."""
    import mdmtheory as m
    from mdmtheory.exact import evaluate as fn

    for name in m.__all__:
        assert getattr(m, name) is not None
    assert m.evaluate is fn
    assert callable(m.evaluate)
    with pytest.raises(AttributeError):
        m.no_such_name  # noqa: B018
