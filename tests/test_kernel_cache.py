"""The numba cache guard: cached kernels are dropped when any kernel source changes."""

from mdmtheory._kernels import STAMP, drop_stale_caches


def test_caches_dropped_only_after_a_source_change(tmp_path, monkeypatch):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    (tmp_path / "rules.py").write_text("A = 1\n")
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    (cache / "evaluate.propagate-1.py311.nbi").write_text("old")
    (cache / "evaluate.propagate-1.py311.1.nbc").write_text("old")
    (cache / "evaluate.cpython-311.pyc").write_text("keep")
    assert drop_stale_caches(tmp_path)  # no stamp yet: dropped
    assert sorted(p.name for p in cache.iterdir()) == sorted([STAMP, "evaluate.cpython-311.pyc"])
    (cache / "x.nbi").write_text("new")
    assert not drop_stale_caches(tmp_path)  # same sources: kept
    assert (cache / "x.nbi").exists()
    (tmp_path / "rules.py").write_text("A = 2\n")  # a callee changed
    assert drop_stale_caches(tmp_path)
    assert not (cache / "x.nbi").exists() and (cache / "evaluate.cpython-311.pyc").exists()


def test_numba_cache_dir_left_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "k.nbi").write_text("x")
    assert not drop_stale_caches(tmp_path)
    assert (tmp_path / "__pycache__" / "k.nbi").exists()
