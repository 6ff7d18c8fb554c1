"""Progress bars and the compile note: on a terminal only (a fake terminal here), silent in pipes."""

from __future__ import annotations

import io
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
    err = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", err)
    from mdmtheory.hmm_families import parse_hmm
    from mdmtheory.sampler_estimate import estimate_sampler_divergences

    hmm = parse_hmm("block:2,2", 6)
    est = estimate_sampler_divergences(hmm, m.make_sampler("entropy", steps=3), 40, 0)
    assert np.isfinite(est.tv.value)
    out = err.getvalue()
    assert out.startswith("\restimate entropy:") and out.count("%|") >= 2  # drawn, then redrawn as it moved
