"""What the fuzz suites (``tests/test_fuzz_*.py``) share: the command line run in process with
its streams and warnings captured, and the contract every run must keep.

The contract (issue 21): bad input ends in exit 2 with exactly one line on standard error,
starting ``mdmtheory: error:``, and nothing on standard output; valid input ends in exit 0 with
nothing on standard error; never a warning, never another exit code.
"""

from __future__ import annotations

import contextlib
import io
import warnings

from hypothesis import HealthCheck, settings

from mdmtheory.cli import main
from mdmtheory.errors import InputError

#: Settings of every fuzz test: a fixed number of examples each (the suite stays under a minute
#: on two cores), derandomized like the project's default profile.
FUZZ = settings(deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                      HealthCheck.filter_too_much])


def run(argv) -> tuple[int, str, str, list[str]]:
    """``(exit code, stdout, stderr, warnings)`` of ``mdmtheory ARGV`` run in this process."""
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue(), [f"{w.category.__name__}: {w.message}" for w in caught]


def check_contract(argv, expect: str | None = None) -> tuple[int, str, str]:
    """Run ``argv`` and assert the contract; ``expect`` ``"ok"`` or ``"error"`` also fixes which
    outcome is right.  Returns ``(code, stdout, stderr)``."""
    code, out, err, caught = run(argv)
    where = f"mdmtheory {' '.join(map(str, argv))}"
    assert not caught, f"{where}: warnings {caught}"
    assert code in (0, 2), f"{where}: exit {code}; stderr {err[-500:]!r}"
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("mdmtheory: error: "), f"{where}: stderr {err[-800:]!r}"
        assert out == "", f"{where}: stdout on an error {out[:200]!r}"
    else:
        assert err == "", f"{where}: stderr on success {err[-500:]!r}"
    if expect is not None:
        assert code == (0 if expect == "ok" else 2), f"{where}: expected {expect}, exit {code}; {err.strip()!r}"
    return code, out, err


def api_outcome(f, *args, **kwargs):
    """``("ok", value)`` or ``("error", message)`` of ``f(*args)``: only InputError may be
    raised, and no warning issued."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = f(*args, **kwargs)
        except InputError as exc:
            result = ("error", str(exc))
        else:
            result = ("ok", value)
    assert not caught, f"warnings {[str(w.message) for w in caught]} from {getattr(f, '__name__', f)}{args!r:.200}"
    return result
