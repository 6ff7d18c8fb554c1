"""Numba kernels, kept together: one small private module per topic, each with a plain
numpy reference in ``tests/``.

Rules: ``cache=True``; guard ``log(0)`` explicitly; subsets are int64 bitmasks; no
``int.bit_count``; the test session warms every kernel once (``tests/conftest.py``).
"""

import hashlib
import os
from pathlib import Path

#: The file in ``__pycache__`` that records the kernels' sources the numba caches were built from.
STAMP = "mdmtheory-kernels.sha256"


def drop_stale_caches(folder: Path) -> bool:
    """Delete numba's cached kernels in ``folder/__pycache__`` when any ``folder/*.py`` changed.

    numba's ``cache=True`` checks only the source file of the function it compiles, not the
    kernels it calls from other modules: after an edit of ``rules.py`` the cached ``propagate``
    would keep the old rule.  A digest of every source file here is stamped next to the caches;
    on a mismatch every ``*.nbi``/``*.nbc`` file is removed (numba recompiles).  Returns whether
    caches were dropped.  A read-only folder or ``NUMBA_CACHE_DIR`` (caches kept elsewhere) is
    left alone.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return False
    h = hashlib.sha256()
    for f in sorted(folder.glob("*.py")):
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    digest = h.hexdigest()
    cache = folder / "__pycache__"
    stamp = cache / STAMP
    try:
        if stamp.read_text() == digest:
            return False
    except OSError:
        pass
    try:
        for p in list(cache.glob("*.nbi")) + list(cache.glob("*.nbc")):
            p.unlink(missing_ok=True)
        cache.mkdir(exist_ok=True)
        tmp = cache / f"{STAMP}.{os.getpid()}"
        tmp.write_text(digest)
        os.replace(tmp, stamp)
    except OSError:
        return False
    return True


drop_stale_caches(Path(__file__).parent)
