"""Fuzz suite over the command line (issue 21), run in process: model specs, ``python:`` models,
tables at and past the sum tolerance (and of every dtype), HMM archives, parameters (schedule
families, sampler parameters, graph specs, curves) and a few real subprocess runs.  Every run
keeps the contract of ``tests/fuzz_support.py``.  ``pytest -m fuzz`` runs the suites alone."""

from __future__ import annotations

import atexit
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mdmtheory as m

from .fuzz_support import FUZZ, check_contract

pytestmark = pytest.mark.fuzz

DIR = Path(tempfile.mkdtemp(prefix="mdm-fuzz-cli-"))
atexit.register(shutil.rmtree, DIR, True)  # the folder goes with the test process
TABLE = DIR / "t.npy"
m.random_joint(3, 3, seed=4).save(TABLE)  # q = 3 everywhere: the models below return (n, 3) rows

#: Numbers at the edges: zeros, subnormals, the float range, NaN and inf, text.
EDGE_NUMBERS = st.sampled_from(["0", "-0", "1e-320", "1e-300", "5e-324", "1e-13", "1e-9", "0.5", "1", "1.0000001", "2",
                                "7", "1e9", "1e29", "1e308", "1e309", "-1", "-1e-300", "nan", "inf", "-inf", "x", "",
                                "0x10", "1_000", "99999999999", "3.5"])

# ----------------------------------------------------------------------------- model specs
MODEL_KINDS = st.sampled_from(["temperature", "smooth", "top_k", "top_p", "marginals", "python", "tempreature", ""])


@FUZZ
@given(kind=MODEL_KINDS, value=EDGE_NUMBERS, sep=st.sampled_from(["=", ":", "", "=="]))
def test_fuzz_model_specs(kind, value, sep):
    spec = f"{kind}{sep}{value}" if kind != "marginals" or sep else kind
    check_contract(["evaluate", TABLE, "--sampler", "confidence", "--param", "steps=2", f"--model={spec}", "--json"])


@pytest.mark.parametrize("spec, expect", [
    ("top_p=1e-300", "ok"), ("temperature=1e-320", "error"), ("temperature=1e-300", "ok"), ("top_p=1e-13", "ok"),
    ("temperature=0", "ok"), ("top_k=100000000000000000000", "ok"), ("smooth=1.5", "error"), ("top_p=0", "error"),
])
def test_model_spec_examples(spec, expect):
    check_contract(["evaluate", TABLE, "--sampler", "confidence", "--param", "steps=2", "--model", spec], expect)


# ----------------------------------------------------------------------------- python: models
MODEL_FILE = DIR / "models.py"
MODEL_FILE.write_text('''
import sys
import numpy as np

ROWS = {
    "ok": lambda n, q: np.full((n, q), 1.0 / q),
    "complex": lambda n, q: np.full((n, q), 1.0 / q) + 0j,
    "object": lambda n, q: np.full((n, q), 1.0 / q).astype(object),
    "float128": lambda n, q: np.full((n, q), 1.0 / q, dtype=np.longdouble),
    "float32": lambda n, q: np.full((n, q), 1.0 / q, dtype=np.float32),
    "int": lambda n, q: np.eye(n, q, dtype=np.int64),
    "strings": lambda n, q: np.full((n, q), "a"),
    "ragged": lambda n, q: [[0.5, 0.5]] * (n - 1) + [[1.0]],
    "negative": lambda n, q: np.full((n, q), -1.0),
    "nan": lambda n, q: np.full((n, q), np.nan),
    "off": lambda n, q: np.full((n, q), 1.0 / q + 1e-6),
    "within": lambda n, q: np.full((n, q), 1.0 / q) * (1 + 1e-10),
    "shape": lambda n, q: np.full((n + 1, q), 1.0 / q),
    "none": lambda n, q: None,
    "huge": lambda n, q: np.full((n, q), 1e308),
}
''' + "".join(f'''

def {name}(mask, values):
    {body}
''' for name, body in [
    ("prints", 'print("model output"); return ROWS["ok"](len(mask), 3)'),
    ("exit0", "sys.exit(0)"), ("exit3", "sys.exit(3)"), ("exitstr", 'sys.exit("bye")'),
    ("raises", 'raise KeyError("boom")'), ("recursion", "return recursion(mask, values)"),
    ("interrupt_like", "raise GeneratorExit()"),
]) + "".join(f'''

def rows_{k}(mask, values):
    return ROWS["{k}"](len(mask), 3)
''' for k in ["ok", "complex", "object", "float128", "float32", "int", "strings", "ragged", "negative", "nan", "off",
              "within", "shape", "none", "huge"]))

PYTHON_MODELS = ["prints", "exit0", "exit3", "exitstr", "raises", "recursion", "interrupt_like", "missing", "rows_ok",
                 "rows_complex", "rows_object", "rows_float128", "rows_float32", "rows_int", "rows_strings", "rows_ragged",
                 "rows_negative", "rows_nan", "rows_off", "rows_within", "rows_shape", "rows_none", "rows_huge"]


@FUZZ
@given(name=st.sampled_from(PYTHON_MODELS), sampler=st.sampled_from(["confidence", "random", "entropy"]),
       samples=st.sampled_from([None, "20"]))
def test_fuzz_python_models(name, sampler, samples):
    argv = ["evaluate", TABLE, "--sampler", sampler, "--param", "steps=2", "--model", f"python:{MODEL_FILE}:{name}", "--json"]
    if samples:
        argv += ["--samples", samples]
    if name == "prints":  # its print() goes to standard error, the JSON stays clean
        from .fuzz_support import run

        code, out, err, caught = run(argv)
        assert code == 0 and not caught and "model output" in err and "model output" not in out
        json.loads(out)
        return
    expect = "ok" if name in ("rows_ok", "rows_float32", "rows_within") else "error"
    code, _, err = check_contract(argv, expect)
    if code == 2 and name != "missing":
        assert name in err  # the message names the model


# ----------------------------------------------------------------------------- tables and the tolerance
TABLE_COMMANDS = [
    ["info"], ["kl", "--schedule", "2,1"], ["kl", "--mixture", "--schedule", "1,2"], ["kl", "--schedule", "2,1", "--order", "2,0,1"],
    ["schedule", "--steps", "2"], ["bounds", "--schedule", "2,1"], ["evaluate", "--sampler", "random", "--param", "steps=2"],
    ["evaluate", "--sampler", "confidence", "--param", "steps=2", "--model", "smooth=0.1"], ["frontier"],
]


def _table_command(cmd, path):
    return [cmd[0], path, *cmd[1:]]


@FUZZ
@given(dev=st.floats(-3e-9, 3e-9), seed=st.integers(0, 2**16), cmd=st.sampled_from(TABLE_COMMANDS))
def test_fuzz_tables_at_the_tolerance(dev, seed, cmd):
    """Tables whose sum is off by ``dev``: accepted by every command within ``1e-9``, refused past it."""
    if abs(abs(dev) - 1e-9) < 2e-11:  # too close to call in floating point
        return
    t = m.random_joint(3, 2, seed=seed).table * (1.0 + dev)
    path = DIR / f"dev-{seed}-{abs(hash(dev))}.npy"
    np.save(path, t)
    expect = "ok" if abs(t.sum() - 1.0) <= 1e-9 else "error"
    check_contract(_table_command(cmd, path) + ["--json"], expect)
    path.unlink()


@pytest.mark.parametrize("cmd", TABLE_COMMANDS, ids=lambda c: " ".join(c))
@pytest.mark.parametrize("factor", [1 + 1e-10, 1 - 5e-10, 1 + 0.99e-9, 1 - 0.99e-9])
def test_tables_inside_the_tolerance_pass_every_command(cmd, factor):
    path = DIR / f"edge-{factor!r}.npy"
    np.save(path, m.random_joint(3, 2, seed=11).table * factor)
    check_contract(_table_command(cmd, path), "ok")


DTYPES = st.sampled_from(["float64", "float32", "float16", "longdouble", "int64", "bool", "complex128", "object", "U3"])


@FUZZ
@given(dtype=DTYPES, shape=st.lists(st.integers(0, 3), min_size=0, max_size=4),
       fill=st.sampled_from(["uniform", "nan", "negative", "huge", "zeros", "onehot"]), cmd=st.sampled_from(TABLE_COMMANDS[:6]))
def test_fuzz_table_files(dtype, shape, fill, cmd):
    size = int(np.prod(shape)) if shape else 1
    base = {"uniform": np.full(size, 1.0 / max(size, 1)), "nan": np.full(size, np.nan), "negative": -np.ones(size),
            "huge": np.full(size, 1e308), "zeros": np.zeros(size), "onehot": np.eye(1, max(size, 1))[0][:size]}[fill]
    with np.errstate(all="ignore"):
        if dtype == "longdouble" and fill == "huge":
            arr = np.full(size, np.longdouble(10) ** 4000, dtype=np.longdouble)
        elif dtype == "object":
            arr = base.astype(object)
        elif dtype == "U3":
            arr = base.astype("U3")
        else:
            arr = base.astype(dtype)
    path = DIR / "table-file.npy"
    np.save(path, arr.reshape(shape), allow_pickle=(dtype == "object"))
    check_contract(_table_command(cmd, path))


def test_uniform_3000_by_3000_table_is_accepted():
    path = DIR / "u3000.npy"
    np.save(path, np.full((3000, 3000), 1 / 9e6))
    code, out, _ = check_contract(["info", path, "--json"], "ok")
    res = json.loads(out)
    assert res["total_correlation"] == 0.0 and res["dual_total_correlation"] == 0.0
    assert abs(res["entropy"] - math.log(9e6)) < 1e-9
    assert all(z == 0.0 for z in res["information_curve"])
    path.unlink()


# ----------------------------------------------------------------------------- HMM archives
def _member(name, arr=None, raw=None):
    import io

    if raw is not None:
        return name, raw
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=True)
    return name, buf.getvalue()


def _declared(name, shape, dtype="<f8"):
    """A member whose header declares ``shape`` but holds only a few bytes."""
    import io

    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": tuple(shape)})
    return name, buf.getvalue() + b"\0" * 64


@st.composite
def archives(draw):
    h = draw(st.integers(1, 4))
    q = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    T = rng.dirichlet(np.ones(h), size=h)
    E = rng.dirichlet(np.ones(q), size=h)
    S = rng.dirichlet(np.ones(h))
    members = {"transition": T, "emission": E, "start": S}
    flaw = draw(st.sampled_from(["none", "float32", "complex", "object", "huge_h", "not_npy", "extra", "missing",
                                 "shape", "nan", "unnormalised", "text_member", "longdouble", "int"]))
    out = []
    for k, v in members.items():
        if flaw == "float32":
            v = v.astype(np.float32)
        elif flaw == "complex" and k == "emission":
            v = v + 0j
        elif flaw == "object" and k == "start":
            v = v.astype(object)
        elif flaw == "shape" and k == "start":
            v = np.append(v, 0.0)
        elif flaw == "nan" and k == "transition":
            v = v.copy()
            v[0, 0] = np.nan
        elif flaw == "unnormalised" and k == "emission":
            v = v * 1.01
        elif flaw == "longdouble":
            v = v.astype(np.longdouble)
        elif flaw == "int" and k == "start":
            v = np.eye(1, h, dtype=np.int64)[0]
        if flaw == "missing" and k == "start":
            continue
        if flaw == "huge_h" and k == "transition":
            out.append(_declared("transition.npy", (12000, 12000)))
            continue
        if flaw == "not_npy" and k == "emission":
            out.append(_member("emission.npy", raw=b"PK not an array at all"))
            continue
        out.append(_member(f"{k}.npy", v))
    if flaw == "extra":
        out.append(_member("extra.npy", np.zeros(2)))
    if flaw == "text_member":
        out.append(_member("notes.txt", raw=b"hello"))
    return flaw, out


@FUZZ
@given(archive=archives(), compress=st.booleans(), cmd=st.sampled_from(["walk-info", "walk"]),
       memory=st.sampled_from([None, "100M", "1K"]))
def test_fuzz_hmm_archives(archive, compress, cmd, memory):
    flaw, members = archive
    path = DIR / "archive.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    argv = [cmd, "--hmm", path, "--length", "4"]
    if cmd == "walk":
        argv += ["--sampler", "random", "--param", "steps=2", "--samples", "20"]
    if memory:
        argv += ["--max-memory", memory]
    expect = None
    if flaw in ("none", "float32", "longdouble", "int") and memory != "1K":
        expect = "ok"
    elif flaw not in ("none", "float32", "longdouble", "int"):
        expect = "error"
    code, _, err = check_contract(argv, expect)
    if flaw == "huge_h":
        # refused from the headers: by the memory the 12000 states need, or first by the members'
        # shapes when the drawn emission and start do not have 12000 rows
        assert "12000" in err and ("would need" in err or "an HMM needs" in err)
    if flaw in ("not_npy", "text_member"):
        assert ("emission.npy" if flaw == "not_npy" else "notes.txt") in err


def test_huge_hmm_archive_refused_from_its_headers_in_both_commands():
    """A 1 MB archive declaring 12,000 hidden states: refused at once under --max-memory 100M."""
    path = DIR / "big.npz"
    h = 12000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr(*_member("start.npy", np.full(h, 1.0 / h)))
        zf.writestr(*_member("emission.npy", np.full((h, 2), 0.5)))
        with zf.open("transition.npy", "w", force_zip64=True) as fh:  # 1.15 GB of 1/h, streamed
            np.lib.format.write_array_header_1_0(fh, {"descr": "<f8", "fortran_order": False, "shape": (h, h)})
            rows = np.full((100, h), 1.0 / h).tobytes()
            for _ in range(h // 100):
                fh.write(rows)
    assert path.stat().st_size < 8 * 2**20  # a few MB declaring 1.15 GB
    for cmd in (["walk-info"], ["walk", "--sampler", "random", "--param", "steps=2", "--samples", "10"]):
        code, _, err = check_contract([cmd[0], "--hmm", path, "--length", "100", "--max-memory", "100M", *cmd[1:]], "error")
        assert "h=12000" in err and "would need" in err and "100.0 MiB" in err
    path.unlink()


def test_order_1_1_one_token_answers_zero():
    """``order:1,1`` (one token): a constant sequence, every information measure exactly 0."""
    _, out, _ = check_contract(["walk-info", "--hmm", "order:1,1", "--length", "6", "--json"], "ok")
    res = json.loads(out)
    assert res["entropy"] == 0 and res["total_correlation"] == 0 and res["dual_total_correlation"] == 0
    assert res["information_curve"] == [0] * 6


# ----------------------------------------------------------------------------- parameters
FAMILY_PARAMS = {"geometric": ["ratio", "k"], "tc": ["tc_hat", "eps"], "dtc": ["dtc_hat", "eps"], "constant": ["s"],
                 "even": ["k"], "cosine": ["k"], "loglinear": ["k"], "dream": ["k", "eps"], "austin": ["k"]}


@FUZZ
@given(family=st.sampled_from(sorted(FAMILY_PARAMS)), values=st.lists(EDGE_NUMBERS, min_size=1, max_size=2))
def test_fuzz_schedule_families(family, values):
    params = [f"{k}={v}" for k, v in zip(FAMILY_PARAMS[family], values)]
    check_contract(["schedule", TABLE, "--family", family, "--param", *params])


@pytest.mark.parametrize("params", [["ratio=1e308"], ["ratio=1e-308", "k=2"], ["ratio=1e10"]])
def test_geometric_ratio_out_of_range_refused_with_the_range(params):
    _, _, err = check_contract(["schedule", TABLE, "--family", "geometric", "--param", *params], "error")
    assert "between 1e-09 and 1e+09" in err


@pytest.mark.parametrize("family, params", [("tc", ["tc_hat=1e308", "eps=1e-308"]), ("dtc", ["dtc_hat=1", "eps=1e-300"])])
def test_tc_dtc_meaningless_ratio_refused(family, params):
    _, _, err = check_contract(["schedule", TABLE, "--family", family, "--param", *params], "error")
    assert "at most 2**62" in err


SAMPLER_PARAMS = {"optimal": ["k"], "llada": ["steps", "block_length", "temperature"], "confidence": ["steps", "tau"],
                  "random": ["steps"], "eb": ["gamma"], "threshold": ["tau"], "punt": ["eps"], "dream": ["steps", "eps"]}


@FUZZ
@given(sampler=st.sampled_from(sorted(SAMPLER_PARAMS)), values=st.lists(EDGE_NUMBERS, min_size=1, max_size=3),
       memory=st.sampled_from([None, "10M"]))
def test_fuzz_sampler_params(sampler, values, memory):
    params = [f"{k}={v}" for k, v in zip(SAMPLER_PARAMS[sampler], values)]
    argv = ["evaluate", TABLE, "--sampler", sampler, "--param", *params]
    check_contract(argv + (["--max-memory", memory] if memory else []))


@pytest.mark.parametrize("argv, needle", [
    (["--sampler", "optimal", "--param", "k=1e29"], "2**62"),
    (["--sampler", "llada", "--param", "steps=99999999999"], "would need"),
    (["--sampler", "llada", "--param", "steps=99999999999", "--samples", "10"], "would need"),
    (["--sampler", "random", "--param", "steps=2", "--samples", "2000000", "--max-memory", "10M"], "would need"),
])
def test_sizes_refused_before_work(argv, needle):
    _, _, err = check_contract(["evaluate", TABLE, *argv], "error")
    assert needle in err


GRAPH_SPECS = st.sampled_from(["regular:3,20,seed={}", "regular:{},8", "cycle:{}", "grid:{}x3", "path:{}", "star:{}",
                               "complete:{}", "hypercube:{}"])


@FUZZ
@given(spec=GRAPH_SPECS, value=st.sampled_from(["-1", "0", "1", "3", "4", "-99999999999", "99999999999999999999", "x", ""]))
def test_fuzz_graph_specs(spec, value):
    check_contract(["walk-info", "--graph", spec.format(value), "--length", "4"])


def test_negative_graph_seed_refused():
    _, _, err = check_contract(["walk-info", "--graph", "regular:3,20,seed=-1", "--length", "5"], "error")
    assert "seed" in err and ">= 0" in err


@FUZZ
@given(prefix=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf", b"\xff\xfe", b"\x00"]),
       body=st.sampled_from([b"[0, 0.1, 0.2, 0.3]", b"[0, 1e308, 1e308]", b'{"information_curve": [0, 0.5]}', b"[0, -1]",
                             b"[[0]]", b"[0, NaN]", b"", b"[0, 0.1, 0.05]"]),
       ext=st.sampled_from([".json", ".csv"]))
def test_fuzz_curve_files(prefix, body, ext):
    path = DIR / f"curve{ext}"
    data = body if ext == ".json" else body.strip(b"[]{}").replace(b",", b"\n").replace(b'"information_curve": ', b"")
    path.write_bytes(prefix + data)
    check_contract(["schedule", "--curve", path, "--steps", "2"])


def test_bom_json_curve_accepted_as_without_it():
    """Decision: a UTF-8 byte-order mark is not part of the JSON; stripped, the curve reads as without it."""
    with_bom, without = DIR / "bom.json", DIR / "nobom.json"
    with_bom.write_bytes(b"\xef\xbb\xbf[0, 0.1, 0.2, 0.3]")
    without.write_bytes(b"[0, 0.1, 0.2, 0.3]")
    a = check_contract(["schedule", "--curve", with_bom, "--steps", "2", "--json"], "ok")[1]
    b = check_contract(["schedule", "--curve", without, "--steps", "2", "--json"], "ok")[1]
    assert json.loads(a) == json.loads(b)


@pytest.mark.parametrize("argv", [["--version", "x"], ["--version", "info"], ["info", TABLE, "--version"]])
def test_version_with_other_arguments_is_refused(argv):
    check_contract(argv, "error")


def test_version_alone():
    _, out, _ = check_contract(["--version"], "ok")
    assert out.startswith("mdmtheory ")


# ----------------------------------------------------------------------------- real processes
SCRIPT = str(Path(sys.executable).with_name("mdmtheory"))


def _proc(*argv, timeout=120):
    r = subprocess.run([SCRIPT, *map(str, argv)], capture_output=True, text=True, timeout=timeout, cwd=DIR)
    return r.returncode, r.stdout, r.stderr


@pytest.mark.parametrize("name, code, needle", [
    ("exit0", 2, "sys.exit(0)"), ("exit3", 2, "sys.exit(3)"), ("rows_complex", 2, "complex"), ("prints", 0, ""),
])
def test_python_model_in_a_real_process(name, code, needle):
    rc, out, err = _proc("evaluate", TABLE, "--sampler", "confidence", "--param", "steps=2", "--model",
                         f"python:{MODEL_FILE}:{name}", "--json")
    assert rc == code, err
    if code == 2:
        assert out == "" and err.count("\n") == 1 and err.startswith("mdmtheory: error: ") and needle in err
        assert name in err
    else:
        json.loads(out)  # the model's print went to standard error
        assert "model output" in err and "Warning" not in err


def test_slow_python_model_hits_its_time_limit():
    slow = DIR / "slow.py"
    slow.write_text("import time\n\ndef slow(mask, values):\n    time.sleep(60)\n")
    rc, out, err = _proc("evaluate", TABLE, "--sampler", "confidence", "--param", "steps=2", "--model",
                         f"python:{slow}:slow", "--model-timeout", "0.5", timeout=30)
    assert rc == 2 and out == "" and "more than 0.5 s" in err and "--model-timeout" in err


def test_version_x_in_a_real_process():
    rc, out, err = _proc("--version", "x")
    assert rc == 2 and out == "" and err.startswith("mdmtheory: error: ")


def test_temp_files_left():
    """No temporary file of the atomic writer left in the fuzz folder."""
    assert not [p for p in os.listdir(DIR) if p.endswith(".tmp")]
