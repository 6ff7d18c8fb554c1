"""Progress bars and the compile note: on a terminal only (a fake terminal here), silent in pipes."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import numba
import numpy as np
import pytest
from numba.core import event

import mdmtheory as m
from mdmtheory import progress as progress_module
from mdmtheory.progress import COMPILE_NOTE, compile_note, progress


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


class FakePipe(io.StringIO):
    def isatty(self):
        return False


@pytest.fixture
def fresh_note(monkeypatch):
    """A process in which the compile note is not armed yet; the listener is removed after."""
    monkeypatch.setattr(progress_module, "_NOTE", {"listener": None})
    yield
    listener = progress_module._NOTE["listener"]
    if listener is not None:
        event.unregister("numba:compile", listener)


@pytest.mark.parametrize("stream, shown", [(FakeTerminal, True), (FakePipe, False)])
def test_bar_only_on_a_terminal(monkeypatch, stream, shown):
    err = stream()
    monkeypatch.setattr(sys, "stderr", err)
    assert list(progress(range(5), desc="work", mininterval=0)) == [0, 1, 2, 3, 4]
    assert ("work" in err.getvalue() and "5/5" in err.getvalue()) is shown
    assert (err.getvalue() == "") is not shown


def test_show_false_is_silent_on_a_terminal(monkeypatch):
    err = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", err)
    list(progress(range(3), desc="work", show=False))
    assert err.getvalue() == ""


def _compile_something_new():
    f = numba.njit(lambda x: x * 2 + 1)  # not cached: numba compiles it now
    assert f(3) == 7


def test_compile_note_once_on_a_terminal(monkeypatch, fresh_note):
    err = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", err)
    assert compile_note() is True
    assert compile_note() is False  # armed once
    assert err.getvalue() == ""  # nothing compiled yet: nothing said
    _compile_something_new()
    assert err.getvalue() == COMPILE_NOTE + "\n"
    _compile_something_new()
    assert err.getvalue().count(COMPILE_NOTE) == 1  # one line per process


def test_compile_note_silent_off_a_terminal(monkeypatch, fresh_note):
    err = FakePipe()
    monkeypatch.setattr(sys, "stderr", err)
    assert compile_note() is False
    _compile_something_new()
    assert err.getvalue() == ""


def test_estimate_bar_moves_on_a_terminal(monkeypatch):
    """``evaluate --samples`` / ``walk --hmm --samples``: the estimator's bar is drawn on a terminal."""
    import tqdm.std

    err = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", err)
    init = tqdm.std.tqdm.__init__

    def every_update(self, *args, **kwargs):  # redraw on every update: the test must not depend on the clock
        kwargs.update(mininterval=0, miniters=1)
        init(self, *args, **kwargs)

    monkeypatch.setattr(tqdm.std.tqdm, "__init__", every_update)
    from mdmtheory.hmm_families import parse_hmm
    from mdmtheory.sampler_estimate import estimate_sampler_divergences

    hmm = parse_hmm("block:2,2", 6)
    est = estimate_sampler_divergences(hmm, m.make_sampler("entropy", steps=3), 40, 0)
    assert np.isfinite(est.tv.value)
    out = err.getvalue()
    assert out.startswith("\restimate entropy:") and out.count("%|") >= 2  # drawn, then redrawn as it moved


def test_check_bar_moves_inside_a_long_claim(monkeypatch):
    """``check``: a bar per sub-case under the claims bar (not 0/1 through a long claim)."""
    from mdmtheory import proofs_check

    err = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", err)
    (claim,) = proofs_check.run_claims(["theorem30"], quick=True, progress=progress)
    assert claim.passed
    out = err.getvalue()
    assert "claims" in out and "theorem30" in out  # the claims bar names the claim that runs
    assert "sizes, eps = " in out and "/4" in out  # the sub-case bar: 4 sizes at quick settings
    assert proofs_check.BARS["progress"] is None  # no bar left armed after the run
    assert proofs_check.cases([3, 4], "x") == [3, 4]  # outside a run: plain


def test_check_silent_in_a_pipe(monkeypatch):
    from mdmtheory import proofs_check

    err = FakePipe()
    monkeypatch.setattr(sys, "stderr", err)
    proofs_check.run_claims(["theorem30"], quick=True, progress=progress)
    assert err.getvalue() == ""


def test_cli_arms_the_note_on_a_terminal_only(tmp_path):
    """The command line arms the note: after a command ran on a (fake) terminal, the next numba
    compilation in the process prints it once; in a pipe nothing is said."""
    code = ("import io, sys\n"
            "class T(io.StringIO):\n    def isatty(self):\n        return True\n"
            "from mdmtheory.cli import main\n"
            "err, sys.stderr = sys.stderr, (T() if sys.argv[1] == 'tty' else io.StringIO())\n"
            "rc = main(['info', sys.argv[2], '--json'])\n"
            "import numba\n"
            "assert numba.njit(lambda x: x + 1)(1) == 2 and numba.njit(lambda x: x - 1)(1) == 0\n"
            "out, sys.stderr = sys.stderr.getvalue(), err\n"
            "print(rc, out.count(" + repr(COMPILE_NOTE) + "))\n")
    m.parity(3).save(str(tmp_path / "p3.npy"))
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    for mode, said in (("tty", 1), ("pipe", 0)):
        r = subprocess.run([sys.executable, "-c", code, mode, str(tmp_path / "p3.npy")], capture_output=True, text=True,
                           env=env, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip().splitlines()[-1] == f"0 {said}"
