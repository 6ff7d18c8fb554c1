"""No process of a sweep outlives the command (issue 21): after a normal exit, an error or
Ctrl-C to the process group, every worker and LocalCluster process is gone.  Counted from /proc
by process group (the command runs in a session of its own).  Two workers at most."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="counts processes through /proc")

SLOW = ('[sweep]\nmode = "samples"\nsamples = 20000\nseeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n'
        'metrics = ["validity"]\n[[model]]\ngraph = "cycle:8"\nlength = 64\n'
        '[[sampler]]\nname = "confidence"\nparams = { steps = 8 }\n')
QUICK = '[[model]]\nfamily = "copy"\nn = 3\n[[sampler]]\nname = "entropy"\ngrid = { steps = "1..n" }\n'


def _group(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(d))
    return pids


def _gone(pgid: int, within: float = 10.0) -> list[int]:
    end = time.time() + within
    while time.time() < end:
        left = _group(pgid)
        if not left:
            return []
        time.sleep(0.1)
    return _group(pgid)


def _start(tmp_path, spec: str, *flags: str) -> subprocess.Popen:
    (tmp_path / "s.toml").write_text(spec)
    return subprocess.Popen([sys.executable, "-m", "mdmtheory", "sweep", "s.toml", "--out", "t.csv", *flags],
                            cwd=tmp_path, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _finish(proc: subprocess.Popen) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, err


EXECUTORS = [("--jobs", "2"), ("--dask-local", "2")]


@pytest.mark.parametrize("flags", EXECUTORS)
def test_normal_exit_leaves_no_process(tmp_path, flags):
    if flags[0] == "--dask-local":
        pytest.importorskip("dask.distributed")
    proc = _start(tmp_path, QUICK, *flags)
    code, err = _finish(proc)
    assert code == 0 and "Traceback" not in err, err
    assert _gone(proc.pid) == []
    assert (tmp_path / "t.csv").read_text().count("\n") == 4


@pytest.mark.parametrize("flags", EXECUTORS)
def test_ctrl_c_to_the_group_leaves_no_process_and_keeps_the_finished_rows(tmp_path, flags):
    if flags[0] == "--dask-local":
        pytest.importorskip("dask.distributed")
    proc = _start(tmp_path, SLOW, *flags)
    journal = tmp_path / "t.csv.journal"
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and (not journal.exists() or journal.read_text().count("\n") < 1):
        time.sleep(0.05)
    time.sleep(1.0)  # past every worker's start-up (a Ctrl-C during it is the start-up test below)
    assert proc.poll() is None, "the sweep ended before it could be interrupted"
    workers = len(_group(proc.pid))
    os.killpg(proc.pid, signal.SIGINT)
    t0 = time.time()
    code, err = _finish(proc)
    assert code == 130 and time.time() - t0 < 30, err
    assert err.strip().splitlines() == ["mdmtheory: interrupted"], err  # no traceback, no warning from a worker
    assert workers >= 3  # the command and its two workers were running
    assert _gone(proc.pid) == []
    assert journal.read_text().count("\n") >= 1 and not (tmp_path / "t.csv").exists()


def test_an_error_in_the_pool_leaves_no_process(tmp_path):
    """A worker that dies (killed from outside) ends the sweep with an error, and the other
    worker is stopped too."""
    proc = _start(tmp_path, SLOW, "--jobs", "2")
    journal = tmp_path / "t.csv.journal"
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and (not journal.exists() or journal.read_text().count("\n") < 1):
        time.sleep(0.05)
    children = [p for p in _group(proc.pid) if p != proc.pid and b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]
    assert children, "no worker found"
    os.kill(children[0], signal.SIGKILL)
    code, err = _finish(proc)
    assert code != 0 and "worker process died" in err and "Traceback" not in err, err
    assert _gone(proc.pid) == []


@pytest.mark.parametrize("flags", EXECUTORS)
def test_ctrl_c_while_the_workers_start_leaves_no_process(tmp_path, flags):
    """Ctrl-C as soon as the first worker process exists (the workers half-started): exit 130,
    no traceback, nothing left."""
    if flags[0] == "--dask-local":
        pytest.importorskip("dask.distributed")
    proc = _start(tmp_path, SLOW, *flags)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and len(_group(proc.pid)) < 3:
        time.sleep(0.01)
    assert proc.poll() is None
    os.killpg(proc.pid, signal.SIGINT)
    code, err = _finish(proc)
    assert code == 130 and err.strip().splitlines()[-1] == "mdmtheory: interrupted", err
    if flags[0] == "--jobs":  # a Dask worker caught by Ctrl-C inside its own interpreter start-up may still say so
        assert "Traceback" not in err, err
    assert _gone(proc.pid) == []
    assert not (tmp_path / "t.csv").exists()
