"""Sweeps: expansion, rows equal to direct engine calls, executors give the same table,
resuming computes only what is missing, failures are rows, nothing half-written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import mdmtheory as m
from mdmtheory.errors import InputError
from mdmtheory.sweeps import expand, read_table, sweep, write_table

SPEC = {
    "sweep": {"base": 2, "metrics": ["kl", "tv", "expected_steps", "validity"]},
    "model": [
        {"family": "ising_chain", "n": 5, "h": 0.1, "grid": {"J": [0.5, 1.0]}},
        {"family": "random_joint", "n": 4, "q": [2, 3, 1, 2], "alpha": 0.3, "seed": 7},
        {"graph": "cycle:5", "length": 5},
    ],
    "sampler": [
        {"name": "entropy", "grid": {"steps": "1..n"}},
        {"name": "eb", "grid": {"gamma": [0.0, 0.05, 1.0]}},
    ],
}


def _strip(rows):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


def test_expand_counts_the_grid_and_ranges_use_the_model_length():
    pts = expand(SPEC)
    # models: 2 ising + 1 table + 1 walk; samplers: steps 1..n (5, 5, 4, 5) + 3 gammas each
    assert len(pts) == (5 + 3) * 2 + (4 + 3) + (5 + 3)
    assert [p.params["steps"] for p in pts[:5]] == [1, 2, 3, 4, 5]
    assert len({p.key for p in pts}) == len(pts)


@pytest.mark.parametrize(
    "bad, words",
    [
        ({**SPEC, "extra": {}}, "unknown section"),
        ({**SPEC, "sweep": {"bogus": 1}}, "unknown key"),
        ({**SPEC, "model": [{"family": "nope", "n": 3}]}, "unknown table family"),
        ({**SPEC, "model": [{"family": "copy", "n": 3, "grid": {"q": []}}]}, "empty"),
        ({**SPEC, "model": [{"family": "copy", "n": -3}]}, "n"),
        ({**SPEC, "sampler": [{"name": "nope"}]}, "unknown sampler"),
        ({**SPEC, "sampler": [{"name": "eb", "grid": {"gamma": [-1.0]}}]}, "gamma"),
        ({**SPEC, "sampler": [{"name": "entropy", "grid": {"steps": "1..x"}}]}, "range"),
        ({**SPEC, "sweep": {"mode": "samples"}}, "samples"),
        ({**SPEC, "sweep": {"mode": "samples", "samples": 10}}, "table"),
        ({**SPEC, "sweep": {"samples": 10}}, "mode"),
        ({**SPEC, "sweep": {"base": 0.5}}, "base"),
        ({**SPEC, "sweep": {"metrics": []}}, "metrics"),
        ({"model": SPEC["model"]}, "at least one"),
        ({**SPEC, "model": [{"graph": "cycle:4"}]}, "length"),
    ],
)
def test_bad_specs_are_refused_before_any_work(bad, words):
    with pytest.raises(InputError, match=words):
        expand(bad)


def test_rows_equal_direct_engine_calls():
    """Every metric of every row is the number the engine gives when called directly."""
    rows = sweep(SPEC, show_progress=False).rows
    walk = m.random_walk("cycle:5", 5)
    for r in rows:
        assert r["error"] == ""
        sampler = m.make_sampler(r["sampler"], **{k[8:]: v for k, v in r.items() if k.startswith("sampler.") and v is not None})
        if r["kind"] == "walk":
            want = m.exact_walk_metrics(walk, sampler, base=2)
            assert r["validity"] == want["validity"]
            assert r["tv"] is None  # the exact walk engine reports no tv: left empty
        else:
            if r["model.family"] == "ising_chain":
                joint = m.ising_chain(5, J=r["model.J"], h=0.1)
            else:
                joint = m.random_joint(4, [2, 3, 1, 2], alpha=0.3, seed=7)
            want = m.evaluate(joint, sampler, base=2)
            assert r["tv"] == want["tv"]
        assert r["kl"] == want["kl"] and r["expected_steps"] == want["expected_steps"]
        assert r["unit"] == "bits"


def test_simulation_rows_carry_seed_and_interval():
    spec = {
        "sweep": {"mode": "samples", "samples": 300, "seeds": [0, 1], "metrics": ["validity", "kernel_tv"]},
        "model": [{"graph": "cycle:6", "length": 12}],
        "sampler": [{"name": "entropy", "params": {"steps": 3}}],
    }
    rows = sweep(spec, show_progress=False).rows
    assert [r["seed"] for r in rows] == [0, 1]
    for r in rows:
        direct = m.simulate(m.random_walk("cycle:6", 12), m.make_sampler("entropy", steps=3), 300, r["seed"])
        assert r["validity"] == direct["validity"]
        assert (r["validity_low"], r["validity_high"]) == tuple(direct["validity_interval"])
        assert r["samples"] == 300


def test_the_table_round_trips(tmp_path):
    rows = sweep(SPEC, show_progress=False).rows
    write_table(rows, tmp_path / "t.csv")
    back = read_table(tmp_path / "t.csv")
    assert len(back) == len(rows)
    for a, b in zip(rows, back):
        for k, v in a.items():
            if isinstance(v, float):
                assert b[k] == v  # repr round-trips every float exactly
            elif v in ("", None):
                assert b[k] is None
            else:
                assert str(b[k]) == str(v)


def test_resume_computes_only_missing_rows(tmp_path):
    out = tmp_path / "t.csv"
    first = sweep(SPEC, out, show_progress=False)
    assert first.computed == len(first.rows) and first.reused == 0
    written = _strip(read_table(out))  # the table as the first run left it
    assert len(written) == len(expand(SPEC))
    again = sweep(SPEC, out, show_progress=False)
    assert again.computed == 0 and again.reused == len(first.rows)
    assert _strip(read_table(out)) == written  # resuming rewrote the same rows
    assert [r["kl"] for r in written] == [r["kl"] for r in first.rows]  # and those the first run computed
    # a bigger grid: only the new points are computed
    spec = json.loads(json.dumps(SPEC))
    spec["sampler"][1]["grid"]["gamma"].append(2.0)
    more = sweep(spec, out, show_progress=False)
    assert more.computed == 4 and more.reused == len(first.rows)


def test_interrupted_sweep_resumes_from_its_journal(tmp_path):
    """A journal with whole rows and one cut line (as a kill leaves it): the whole rows are
    reused, the cut one and the rest are computed, and the journal is gone afterwards."""
    out = tmp_path / "t.csv"
    full = sweep(SPEC, show_progress=False).rows
    journal = tmp_path / "t.csv.journal"
    lines = [json.dumps(r) for r in full[:7]]
    journal.write_text("\n".join(lines) + "\n" + json.dumps(full[7])[:40])
    r = sweep(SPEC, out, show_progress=False)
    assert r.reused == 7 and r.computed == len(full) - 7
    assert not journal.exists()
    assert _strip(r.rows) == _strip(full)


def test_a_new_version_recomputes(tmp_path, monkeypatch):
    out = tmp_path / "t.csv"
    sweep(SPEC, out, show_progress=False)
    monkeypatch.setattr(sys.modules["mdmtheory.sweeps"], "__version__", "0.0.0-other")
    assert sweep(SPEC, out, show_progress=False).reused == 0


def test_failures_are_rows_and_are_retried(tmp_path, monkeypatch):
    """A point whose computation raises becomes a row with the error and no metrics; the other
    rows are whole; a rerun computes the failed rows again."""
    # the exact evaluator, where sweep reads it and where the walk engine reads it
    homes = [sys.modules["mdmtheory.sweeps"], sys.modules["mdmtheory.exact"], sys.modules["mdmtheory.walks"]]
    real = homes[0].evaluate

    def flaky(joint, sampler, *args, **kwargs):
        if sampler.name == "eb" and sampler.params["gamma"] == 1.0:
            raise RuntimeError("the model server went away")
        return real(joint, sampler, *args, **kwargs)

    for home in homes:
        monkeypatch.setattr(home, "evaluate", flaky)
    out = tmp_path / "t.csv"
    r = sweep(SPEC, out, show_progress=False)
    bad = [row for row in r.rows if row["error"]]
    assert r.failed == len(bad) == 4  # eb(gamma=1) on every model (the exact walk engine evaluates the dense law)
    assert all(row["error"] == "RuntimeError: the model server went away" and row.get("kl") is None for row in bad)
    assert all(row["kl"] is not None for row in r.rows if not row["error"])
    for home in homes:
        monkeypatch.setattr(home, "evaluate", real)
    again = sweep(SPEC, out, show_progress=False)
    assert again.computed == 4 and again.failed == 0


@pytest.mark.slow  # CI only (make test skips it unless CI=true): a minute of CPU or more
def test_executors_give_the_same_table():
    """In process, two local processes and (with dask installed) a two-worker LocalCluster."""
    base = _strip(sweep(SPEC, show_progress=False).rows)
    assert _strip(sweep(SPEC, jobs=2, show_progress=False).rows) == base
    pytest.importorskip("dask.distributed")
    assert _strip(sweep(SPEC, dask_local=2, show_progress=False).rows) == base


def test_executor_options_are_checked():
    for kwargs in ({"jobs": 0}, {"jobs": 1.5}, {"dask_local": 0}, {"dask_local": 2, "scheduler": "tcp://x:1"},
                   {"dask_local": 2, "jobs": 2}):
        with pytest.raises(InputError):
            sweep(SPEC, show_progress=False, **kwargs)


def test_output_is_never_written_through_a_link_or_onto_a_folder(tmp_path):
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(InputError, match="not a regular file"):
        sweep(SPEC, tmp_path / "dir.csv", show_progress=False)
    target = tmp_path / "elsewhere.csv"
    target.write_text("keep me")
    (tmp_path / "link.csv").symlink_to(target)
    with pytest.raises(InputError, match="symbolic link"):
        write_table([{"point": 0}], tmp_path / "link.csv")
    with pytest.raises(InputError, match="symbolic link"):
        sweep(SPEC, tmp_path / "link.csv", show_progress=False)
    assert target.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.csv", "elsewhere.csv", "link.csv"]


def test_to_pandas_has_every_column():
    pd = pytest.importorskip("pandas")
    r = sweep(SPEC, show_progress=False)
    df = r.to_pandas()
    assert isinstance(df, pd.DataFrame) and list(df.columns) == r.columns and len(df) == len(r.rows)


def test_unreported_metric_is_named():
    spec = {**SPEC, "sweep": {"metrics": ["kl", "kll"]}}
    assert sweep(spec, show_progress=False).unreported == ["kll"]


def _cli(*args, cwd, **kw):
    return subprocess.run([sys.executable, "-m", "mdmtheory", *args], cwd=cwd, capture_output=True, text=True, **kw)


def test_cli_sweep_and_plot(tmp_path):
    spec = Path(__file__).parent.parent / "examples" / "sweeps" / "quick.toml"
    r = _cli("sweep", str(spec), "--out", "q.csv", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["failed"] == 0 and summary["points"] == len(read_table(tmp_path / "q.csv"))
    p = _cli("plot", "q.csv", "--x", "calls", "--y", "kl", "--out", "q.png", "--json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["points"] == summary["points"]
    assert (tmp_path / "q.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    "args, words",
    [
        (["sweep", "missing.toml"], "no such file"),
        (["sweep", "spec.txt"], ".toml"),
        (["sweep", "bad.toml"], "not valid TOML"),
        (["sweep", "ok.toml", "--jobs", "0"], "positive integer"),
        (["sweep", "ok.toml", "--out", "adir"], "not a regular file"),
        (["plot", "missing.csv", "--x", "calls", "--y", "kl"], "no such file"),
        (["plot", "t.csv", "--x", "calls", "--y", "nope"], "not a column"),
        (["plot", "t.csv", "--x", "calls", "--y", "kl", "--out", "f.xyz"], "cannot write"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(tmp_path, args, words):
    (tmp_path / "spec.txt").write_text("")
    (tmp_path / "bad.toml").write_text("[sweep\n")
    (tmp_path / "ok.toml").write_text('[[model]]\nfamily = "copy"\nn = 2\n[[sampler]]\nname = "entropy"\n')
    (tmp_path / "adir").mkdir()
    write_table([{"point": 0, "model": "m", "sampler": "a", "expected_steps": 1.0, "kl": 0.5, "error": ""}], tmp_path / "t.csv")
    r = _cli(*args, cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("mdmtheory: error: ") and words in r.stderr


@pytest.mark.slow  # CI only (make test skips it unless CI=true): a minute of CPU or more
def test_ctrl_c_keeps_finished_rows(tmp_path):
    """SIGINT mid-sweep: exit 130, no table half-written, the journal holds the finished rows
    and a rerun computes only the rest."""
    (tmp_path / "slow.toml").write_text(
        '[sweep]\nmode = "samples"\nsamples = 20000\nseeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n'
        'metrics = ["validity"]\n[[model]]\ngraph = "cycle:8"\nlength = 64\n'
        '[[sampler]]\nname = "confidence"\nparams = { steps = 8 }\n'
    )
    proc = subprocess.Popen([sys.executable, "-m", "mdmtheory", "sweep", "slow.toml", "--out", "t.csv"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    journal = tmp_path / "t.csv.journal"
    deadline = time.time() + 120
    while time.time() < deadline and (not journal.exists() or journal.read_text().count("\n") < 2):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    t0 = time.time()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and time.time() - t0 < 5, err
    assert "Traceback" not in err
    assert not (tmp_path / "t.csv").exists()
    kept = journal.read_text().count("\n")
    assert kept >= 2
    r = sweep(tmp_path / "slow.toml", tmp_path / "t.csv", show_progress=False)
    assert r.reused == kept and r.computed == 12 - kept
    assert not journal.exists() and os.path.exists(tmp_path / "t.csv")
    assert np.all(np.array([row["validity"] for row in r.rows]) >= 0)


@pytest.mark.slow  # CI only (make test skips it unless CI=true): a minute of CPU or more
def test_frontier_spec_reproduces_the_figure_data_on_every_executor():
    """examples/sweeps/sampler_frontier.toml (the spec behind figures/sampler_frontier.py) gives
    the same table in process, on two processes and on a two-worker Dask LocalCluster, and its
    rows equal mdmtheory.sampler_frontier (a separate path: shared tables, one DP) knob by knob."""
    from mdmtheory.figures import sampler_frontier as fig

    spec = Path(__file__).parent.parent / "examples" / "sweeps" / "sampler_frontier.toml"
    assert spec.resolve() == fig.SPEC.resolve()
    base = _strip(sweep(spec, show_progress=False).rows)
    assert base and not [r for r in base if r["error"]]
    assert _strip(sweep(spec, jobs=2, show_progress=False).rows) == base
    pytest.importorskip("dask.distributed")
    assert _strip(sweep(spec, dask_local=2, show_progress=False).rows) == base
    joint = fig.examples()["Ising chain, n=8, J=0.8, h=0.2"]
    pts = m.sampler_frontier(joint, ["entropy", "threshold", "optimal", "llada"], base=2)["points"]
    rows = [r for r in base if r["model"] == "Ising chain, n=8, J=0.8, h=0.2"]
    for p in pts:
        key = {"entropy": "steps", "threshold": "tau", "optimal": "k", "llada": "steps"}[p["sampler"]]
        (r,) = [r for r in rows if r["sampler"] == p["sampler"] and r[f"sampler.{key}"] == p["value"]]
        assert abs(r["kl"] - p["kl"]) <= 1e-12 and abs(r["tv"] - p["tv"]) <= 1e-12


def test_hmm_models_exact_and_estimated():
    """An HMM model: exact rows equal the evaluator on its dense law; estimated rows (fixed orders,
    random order, and an adaptive sampler through estimate_sampler_divergences) carry intervals
    that contain the exact value (fixed seeds)."""
    from mdmtheory.hmm_families import parse_hmm

    model = {"hmm": "block:2,2", "length": 6}
    exact = sweep({"sweep": {"metrics": ["kl", "expected_steps"]}, "model": [model],
                   "sampler": [{"name": "left_to_right", "grid": {"steps": [2, 3]}}, {"name": "bisection"},
                               {"name": "entropy", "params": {"steps": 3}}]}, show_progress=False).rows
    joint = parse_hmm("block:2,2", 6).joint()
    for r in exact:
        assert r["kind"] == "hmm" and r["error"] == ""
        params = {k[8:]: v for k, v in r.items() if k.startswith("sampler.") and v is not None}
        assert r["kl"] == m.evaluate(joint, m.make_sampler(r["sampler"], **params))["kl"]
    est = sweep({"sweep": {"mode": "samples", "samples": 400, "seeds": [0, 1], "metrics": ["kl", "tv", "expected_kl"]},
                 "model": [model],
                 "sampler": [{"name": "left_to_right", "grid": {"steps": [2, 3]}}, {"name": "bisection"},
                             {"name": "random", "params": {"steps": 3}}, {"name": "entropy", "params": {"steps": 3}}]},
                show_progress=False).rows
    for r in est:
        assert r["error"] == "" and r["samples"] == 400
        if r["sampler"] == "random":
            want, lo, hi = m.expected_kl(joint, [2, 2, 2]), r["expected_kl_low"], r["expected_kl_high"]
        else:
            params = {k[8:]: v for k, v in r.items() if k.startswith("sampler.") and v is not None}
            want, lo, hi = m.evaluate(joint, m.make_sampler(r["sampler"], **params))["kl"], r["kl_low"], r["kl_high"]
        assert lo <= want <= hi, (r["sampler"], r["seed"], lo, want, hi)


def test_parquet_table_round_trips_and_resumes(tmp_path):
    """With pyarrow, a .parquet table holds the same rows as the CSV one (types kept), and a
    rerun on it reuses every row."""
    pytest.importorskip("pyarrow")
    out = tmp_path / "t.parquet"
    first = sweep(SPEC, out, show_progress=False)
    back = read_table(out)
    assert _strip(back) == _strip([{c: r.get(c) for c in first.columns} for r in first.rows])
    again = sweep(SPEC, out, show_progress=False)
    assert again.computed == 0 and again.reused == len(first.rows)


def test_an_estimate_that_cannot_be_made_says_why():
    """A sampler that draws candidates at random on an HMM: kl and tv stay empty and the row's
    not_estimated column gives the reason, even when the metrics list names only kl and tv."""
    rows = sweep({"sweep": {"mode": "samples", "samples": 20, "seeds": [0], "metrics": ["kl", "tv"]},
                  "model": [{"hmm": "block:2,2", "length": 5}],
                  "sampler": [{"name": "llada", "params": {"steps": 5, "temperature": 1.0}}]}, show_progress=False).rows
    (r,) = rows
    assert r["error"] == "" and r["kl"] is None and r["tv"] is None
    assert "kl:" in r["not_estimated"] and "random" in r["not_estimated"]
