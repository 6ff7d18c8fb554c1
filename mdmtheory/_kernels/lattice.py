"""Subset-entropy lattice kernel (numpy reference: ``tests/test_information.py``).

Conventions: subsets of positions are int64 bitmasks (bit ``i`` = position ``i``),
tables are C-ordered float64 arrays flattened, ``0 log 0 = 0`` is guarded explicitly.

Both kernels walk a removal tree depth-first: every subset's marginal is summed from its
parent's (one more position), and the ``n`` top subtrees run on a thread pool (:func:`_walk`).
Two versions live here:

* :func:`lattice_entropies` (used by :func:`mdmtheory.information.subset_entropies`):
  marginalisation loops and a ``p log p`` sum that LLVM vectorises (AVX2: 4 lanes), with a
  branch-free logarithm :func:`_log` written in plain arithmetic (fdlibm's algorithm); it
  removes positions in decreasing index order (see :func:`_subtree`).  The PyPI llvmlite has
  no SVML, so numba never vectorises ``np.log``.  Binary n = 18 on one core: 1.95 ns a
  lattice cell, against 9.4 for the scalar kernel (of which about 5 were the libm ``log``).
* :func:`lattice_entropies_scalar`: the earlier, simpler kernel (scalar ``np.log``, positions
  removed in increasing order), kept as the reference the fast one is checked against,
  besides the plain numpy per-subset reference in the tests.

What it took for LLVM to vectorise the loops, each seen in the generated assembly: array
indices cast to ``uint64`` (numba then emits no negative-index wrap-around, whose selects
left the loads scalar: 1.0 -> 0.25 ns a cell for a plain marginalisation);
``error_model="numpy"`` (no division-by-zero check on the ``f / (2 + f)`` of the logarithm;
with it the loop stayed scalar); bit casts between float64 and uint64 as LLVM ``bitcast``
intrinsics, with the exponent turned into a double by the ``2^52`` trick (AVX2 has no
int64 -> double conversion); and the entropy sum's additions marked ``reassoc`` one by one
(:func:`_add_any_order`): only the summation order changes.  No fastmath anywhere else: the
logarithm's error analysis depends on the order of its operations.

Accuracy of :func:`_log`: fdlibm's bound is < 1 ulp; measured against ``np.log`` the
largest relative difference is 2.2e-16 over 10^6 draws each of uniform ``(0, 1)``,
``exp(U(-708, 709))``, ``1 +- 0.02``, ``exp(U(-708, -700))``, the smallest normal numbers
and the largest finite one.  ``0 log 0 = 0`` exactly: ``log`` is never called on 0.
"""

from __future__ import annotations

import math
import queue
import threading

import numba
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

__all__: list[str] = []

# Array indices in the hot loops are cast to uint64: numba then skips its negative-index
# wrap-around, which otherwise blocks LLVM's vectoriser (measured: 1.0 -> 0.25 ns a cell).
_U = np.uint64

# ----------------------------------------------------------------------------------------
# bit-level helpers


@intrinsic
def _bits(typingctx, x):
    """The IEEE-754 bits of a float64, as uint64 (a bit cast, no conversion)."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.uint64(types.float64), codegen


@intrinsic
def _from_bits(typingctx, u):
    """The float64 whose IEEE-754 bits are the uint64 ``u``."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.uint64), codegen


@intrinsic
def _fma(typingctx, a, b, c):
    """``a * b + c`` with one rounding (``llvm.fma``; a hardware FMA on x86-64 with AVX2)."""

    def codegen(context, builder, signature, args):
        d = ir.DoubleType()
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(d, [d, d, d]), "llvm.fma.f64")
        return builder.call(fn, args)

    return types.float64(types.float64, types.float64, types.float64), codegen


@intrinsic
def _add_any_order(typingctx, a, b):
    """``a + b`` marked ``reassoc``: lets LLVM vectorise a sum whose order does not matter."""

    def codegen(context, builder, signature, args):
        return builder.fadd(args[0], args[1], flags=("reassoc",))

    return types.float64(types.float64, types.float64), codegen


# ----------------------------------------------------------------------------------------
# vectorisable logarithm (fdlibm / musl ``log``, branch-free)

_TWO52 = 4503599627370496.0  # 2^52
_TINY = 2.2250738585072014e-308  # smallest normal float64
_SQRT_HALF_BITS = 0x3FE6A09E00000000  # about sqrt(2)/2: z = x / 2^k lies in [0.7071, 1.4142)
_ONE_BITS = 0x3FF0000000000000
_LN2_HI = 6.93147180369123816490e-01  # 32 significant bits: k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_LG1 = 6.666666666666735130e-01  # fdlibm e_log.c: minimax for (log((1+s)/(1-s)) - 2s) / s
_LG2 = 3.999999999940941908e-01
_LG3 = 2.857142874366239149e-01
_LG4 = 2.222219843214978396e-01
_LG5 = 1.818357216161805012e-01
_LG6 = 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01


@njit(inline="always", error_model="numpy")
def _log(v):
    """``log(v)`` for normal ``v > 0`` (fdlibm's algorithm, < 1 ulp); not for subnormals.

    ``v = 2^k (1 + f)`` with ``1 + f`` in ``[sqrt(2)/2, sqrt(2))``, ``s = f / (2 + f)``,
    ``log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2))`` with fdlibm's degree-14 minimax ``R``;
    ``log v = k ln2_hi + (log(1 + f) + k ln2_lo)``.  Written without branches, so loops over
    it vectorise; ``error_model="numpy"`` drops numba's division-by-zero check
    (``2 + f >= 1.29`` is never zero), which otherwise stops the vectoriser.  For ``v = 0``
    or a subnormal it returns a finite wrong value (the exponent field reads as ``k = -1023``),
    never NaN or inf.  Subnormal support (scale by ``2^52`` through selects) cost 1 ns an
    element (2.7 against 1.65 ns): tables with subnormal entries take the scalar kernel
    instead (see :func:`lattice_entropies`).
    """
    ix = _bits(v)
    tmp = ix + np.uint64(_ONE_BITS - _SQRT_HALF_BITS)
    # k as a double without an int64 -> double conversion (AVX2 has none): the bits of
    # 2^52 + (k + 1023), minus 2^52 + 1023
    kd = _from_bits((tmp >> np.uint64(52)) | np.uint64(0x4330000000000000)) - (_TWO52 + 1023.0)
    f = _from_bits((tmp & np.uint64(0x000FFFFFFFFFFFFF)) + np.uint64(_SQRT_HALF_BITS)) - 1.0
    hfsq = 0.5 * f * f
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * _fma(w, _fma(w, _LG6, _LG4), _LG2)
    t2 = z * _fma(w, _fma(w, _fma(w, _LG7, _LG5), _LG3), _LG1)
    r = t2 + t1
    return s * (hfsq + r) + kd * _LN2_LO - hfsq + f + kd * _LN2_HI


@njit(inline="always", error_model="numpy")
def _xlogx(v):
    """``v log v`` for ``v = 0`` or normal ``v > 0``, with ``0 log 0 = 0`` (``log`` never sees 0)."""
    return v * _log(v if v > 0.0 else 1.0)


@njit(cache=True, error_model="numpy")
def _log_array(x, out):
    """``out[i] = log(x[i])`` by :func:`_log`, ``x`` normal and positive (to check it against ``np.log``)."""
    for i in range(x.size):
        out[_U(i)] = _log(x[_U(i)])


@njit(cache=True, error_model="numpy")
def _entropy(x, size):
    """``-sum x[:size] log x[:size]`` (nats), ``0 log 0 = 0``."""
    h = 0.0
    for k in range(size):
        h = _add_any_order(h, _xlogx(x[_U(k)]))
    return 0.0 - h  # not -h: an entropy of exactly 0 must be +0.0, never -0.0


# ----------------------------------------------------------------------------------------
# fast lattice


@njit(cache=True, error_model="numpy")
def _marginalize(src, size, qa, inner, dst):
    """Sum out an axis (``qa`` values, stride ``inner``) of ``src[:size]`` into ``dst``.

    Returns ``(new size, -sum dst log dst)``.  The sum over the axis runs in the axis order
    (``((s_0 + s_1) + s_2) + ...``).  The entropy is a second, flat pass over ``dst`` (still
    in cache): fusing it into the loops below was slower, binary n = 18 on one thread, both
    in the increasing walk order (2.6 against 2.3 ns a cell: short inner loops then end in a
    horizontal reduction each) and, for the long loops only, in the decreasing one (2.2
    against 1.95).
    """
    outer = size // (qa * inner)
    if qa == 1:
        for k in range(size):
            dst[_U(k)] = src[_U(k)]
    elif inner == 1:
        if qa == 2:
            for o in range(outer):
                dst[_U(o)] = src[_U(2 * o)] + src[_U(2 * o + 1)]
        else:
            for o in range(outer):
                b = o * qa
                x = src[_U(b)] + src[_U(b + 1)]
                for v in range(2, qa):
                    x += src[_U(b + v)]
                dst[_U(o)] = x
    elif inner == 2 and qa == 2:
        for o in range(outer):
            dst[_U(2 * o)] = src[_U(4 * o)] + src[_U(4 * o + 2)]
            dst[_U(2 * o + 1)] = src[_U(4 * o + 1)] + src[_U(4 * o + 3)]
    elif inner == 4 and qa == 2:
        for o in range(outer):
            for i in range(4):  # unrolled by LLVM into one 4-lane add
                dst[_U(4 * o + i)] = src[_U(8 * o + i)] + src[_U(8 * o + 4 + i)]
    elif qa == 3:
        for o in range(outer):
            bs = o * 3 * inner
            bd = o * inner
            for i in range(inner):
                dst[_U(bd + i)] = (src[_U(bs + i)] + src[_U(bs + inner + i)]) + src[_U(bs + 2 * inner + i)]
    elif qa == 4:
        for o in range(outer):
            bs = o * 4 * inner
            bd = o * inner
            for i in range(inner):
                dst[_U(bd + i)] = (
                    (src[_U(bs + i)] + src[_U(bs + inner + i)]) + src[_U(bs + 2 * inner + i)]
                ) + src[_U(bs + 3 * inner + i)]
    else:
        for o in range(outer):
            bs = o * qa * inner
            bd = o * inner
            for i in range(inner):
                dst[_U(bd + i)] = src[_U(bs + i)] + src[_U(bs + inner + i)]
            for v in range(2, qa):
                s = bs + v * inner
                for i in range(inner):
                    dst[_U(bd + i)] += src[_U(s + i)]
    new_size = size // qa
    return new_size, _entropy(dst, new_size)


@njit(cache=True)
def _level_offsets(removable, size, n):
    """Offsets of the per-level buffers: level ``l`` (``l`` positions removed, all from
    ``removable``) holds at most ``size`` over the product of the ``l`` smallest sizes.

    Sorts by insertion (``n`` is small; numba's ``np.sort`` took 3 s to compile).
    """
    m = removable.size
    q = removable.copy()
    for a in range(1, m):
        x = q[a]
        b = a - 1
        while b >= 0 and q[b] > x:
            q[b + 1] = q[b]
            b -= 1
        q[b + 1] = x
    off = np.zeros(n + 2, dtype=np.int64)
    cap = size
    for lvl in range(1, m + 1):
        cap = cap // q[lvl - 1]
        off[lvl + 1] = off[lvl] + cap
    return off


@njit(cache=True, nogil=True)
def _subtree(table, shape, inner_of, j0, out):
    """Entropies of every subset reached by removing ``j0`` first, then smaller indices.

    Depth-first over the removal tree; each marginal is summed from its parent's.  Removing
    in decreasing index order (the scalar kernel goes the other way) makes the most frequent
    removal that of axis 0, the outermost: ``dst = src[:half] + src[half:]``, one long
    contiguous loop.  In increasing order a third of all cells came from summing adjacent
    pairs (the innermost axis).  Measured on one thread: binary n = 18 2.14 -> 1.95 ns a
    cell, ``q = 3, n = 12`` 3.07 -> 2.44, ``q = 4, n = 10`` 3.36 -> 2.96.
    Memory: one buffer per level, at most ``table.size`` in all for ``q >= 2``.
    """
    n = shape.size
    full = (np.int64(1) << n) - 1
    off = _level_offsets(shape[: j0 + 1], table.size, n)
    ws = np.empty(max(off[j0 + 2], 1), dtype=np.float64)
    mask = np.zeros(n + 2, dtype=np.int64)
    nxt = np.zeros(n + 2, dtype=np.int64)
    size = np.zeros(n + 2, dtype=np.int64)
    sz, h = _marginalize(table, table.size, shape[j0], inner_of[j0], ws[off[1]:])
    m = full ^ (np.int64(1) << j0)
    out[m] = h
    mask[1] = m
    nxt[1] = j0 - 1
    size[1] = sz
    lvl = 1
    while lvl >= 1:
        j = nxt[lvl]
        if j < 0:
            lvl -= 1
            continue
        nxt[lvl] = j - 1
        mk = mask[lvl]
        inner = 1  # stride of axis j in this marginal: the kept axes after j
        for l in range(j + 1, n):
            if (mk >> l) & 1:
                inner *= shape[l]
        sz, h = _marginalize(ws[off[lvl]:], size[lvl], shape[j], inner, ws[off[lvl + 1]:])
        m = mk ^ (np.int64(1) << j)
        out[m] = h
        lvl += 1
        mask[lvl] = m
        nxt[lvl] = j - 1
        size[lvl] = sz


# ----------------------------------------------------------------------------------------
# scalar reference kernel (the earlier version, kept to check the fast one against)


@njit(cache=True)
def _marginalize_entropy(src, size, qa, inner, dst):
    """Sum axis (``qa`` values, stride ``inner``) of ``src[:size]`` into ``dst``.

    Returns ``(new_size, -sum dst log dst)``; the entropy is fused into the last pass.
    """
    outer = size // (qa * inner)
    h = 0.0
    for o in range(outer):
        bs = o * qa * inner
        bd = o * inner
        if qa == 1:
            for i in range(inner):
                x = src[bs + i]
                dst[bd + i] = x
                if x > 0.0:
                    h -= x * np.log(x)
            continue
        for i in range(inner):
            dst[bd + i] = src[bs + i]
        for v in range(1, qa - 1):
            s = bs + v * inner
            for i in range(inner):
                dst[bd + i] += src[s + i]
        s = bs + (qa - 1) * inner
        for i in range(inner):
            x = dst[bd + i] + src[s + i]
            dst[bd + i] = x
            if x > 0.0:
                h -= x * np.log(x)
    return size // qa, h


@njit(cache=True)
def _entropy_flat(p, size):
    """``-sum p[:size] log p[:size]`` with the scalar libm ``log``."""
    h = 0.0
    for k in range(size):
        x = p[k]
        if x > 0.0:
            h -= x * np.log(x)
    return h


@njit(cache=True, nogil=True)
def _lattice_subtree(table, shape, inner_of, j0, out):
    """Scalar-``log`` version of :func:`_subtree` (same walk)."""
    n = shape.size
    full = (np.int64(1) << n) - 1
    off = _level_offsets(shape[j0:], table.size, n)
    ws = np.empty(max(off[n - j0 + 1], 1), dtype=np.float64)
    mask = np.zeros(n + 2, dtype=np.int64)
    nxt = np.zeros(n + 2, dtype=np.int64)
    size = np.zeros(n + 2, dtype=np.int64)
    sz, h = _marginalize_entropy(table, table.size, shape[j0], inner_of[j0], ws[off[1]:])
    m = full ^ (np.int64(1) << j0)
    out[m] = h
    mask[1] = m
    nxt[1] = j0 + 1
    size[1] = sz
    lvl = 1
    while lvl >= 1:
        j = nxt[lvl]
        if j >= n:
            lvl -= 1
            continue
        nxt[lvl] = j + 1
        sz, h = _marginalize_entropy(
            ws[off[lvl]:], size[lvl], shape[j], inner_of[j], ws[off[lvl + 1]:]
        )
        m = mask[lvl] ^ (np.int64(1) << j)
        out[m] = h
        lvl += 1
        mask[lvl] = m
        nxt[lvl] = j + 1
        size[lvl] = sz


# ----------------------------------------------------------------------------------------
# entry points

_SERIAL_CELLS = 1 << 20  # below this many lattice cells, threads cost more than they save
_POLL_SECONDS = 0.05  # how often the main thread wakes up to let Python run a SIGINT handler
WORKER_NAME = "mdmtheory-lattice"  # abandoned workers are found by this name (see mdmtheory.cli.main)


def _subtree_cells(shape: tuple[int, ...], j0: int, descending: bool) -> float:
    """Cells of top subtree ``j0`` (``j0`` removed first, then only smaller indices if
    ``descending``, else only larger): ``prod_{l > j0} q_l * prod_{l < j0} (q_l + 1)``, or
    the mirror image."""
    kept, free = (shape[j0 + 1 :], shape[:j0]) if descending else (shape[:j0], shape[j0 + 1 :])
    return float(math.prod(kept)) * float(math.prod(q + 1 for q in free))


def _walk(
    table: np.ndarray, subtree, entropy, descending: bool, threads: int | None = None, serial_cells: float | None = None
) -> np.ndarray:
    """Run the ``n`` top subtrees of the removal tree on ``numba.get_num_threads()`` threads.

    The subtrees go, largest first, into one queue that the threads pull from (dynamic
    longest-processing-time scheduling; ``subtree`` releases the GIL).  Against the earlier
    static split (a ``prange`` over fixed bins), this keeps both cores busy when one of them
    is shared with another process: binary n = 19 on 2 threads, a loaded machine, 1.2-1.4 s
    against 1.3-2.9 s.  Each subtree writes its own entries of ``out``, so the result does
    not depend on the number of threads (bit for bit).  Large lattices run through
    :func:`_run_interruptibly` (Ctrl-C is honoured within a fraction of a second), small ones
    serially in the calling thread.

    ``threads`` (default ``numba.get_num_threads()``) and ``serial_cells`` (default
    ``_SERIAL_CELLS``: smaller lattices run serially) are arguments so that the tests can run
    the threaded path on any lattice and compare it with the serial one.
    """
    flat = np.ascontiguousarray(table, dtype=np.float64).ravel()
    dims = tuple(int(q) for q in table.shape)
    n = len(dims)
    shape = np.asarray(dims, dtype=np.int64)
    inner_of = np.ones(n, dtype=np.int64)
    for j in range(n - 2, -1, -1):
        inner_of[j] = inner_of[j + 1] * dims[j + 1]
    out = np.zeros(1 << n, dtype=np.float64)
    out[(1 << n) - 1] = entropy(flat, flat.size)
    order = sorted(range(n), key=lambda j: -_subtree_cells(dims, j, descending))
    threads = min(numba.get_num_threads() if threads is None else int(threads), n)
    cutoff = _SERIAL_CELLS if serial_cells is None else serial_cells
    if math.prod(q + 1 for q in dims) < cutoff:
        for j0 in order:
            subtree(flat, shape, inner_of, j0, out)
        return out
    _run_interruptibly(lambda j0: subtree(flat, shape, inner_of, j0, out), order, threads)
    return out


def _run_interruptibly(task, items, threads: int) -> None:
    """Run ``task(item)`` for each item on ``threads`` daemon worker threads pulling from one
    queue, while the main thread waits in short timed sleeps.

    A nogil numba call cannot be interrupted, and a main thread blocked in it (or in a
    thread pool's untimed join) would not run Python's SIGINT handler until the whole
    lattice is done.  Here the main thread wakes every ``_POLL_SECONDS``, so Ctrl-C raises
    ``KeyboardInterrupt`` at once; the workers are daemon threads, abandoned (their numba
    work ends with the process) instead of joined.  Exceptions in a worker are re-raised.
    """
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for item in items:
        todo.put(item)
    errors: list[BaseException] = []
    done = threading.Semaphore(0)
    workers = max(1, min(threads, len(items)))

    def work():
        try:
            while True:
                try:
                    item = todo.get_nowait()
                except queue.Empty:
                    return
                if errors:
                    return
                task(item)
        except BaseException as exc:  # re-raised in the main thread
            errors.append(exc)
        finally:
            done.release()

    for _ in range(workers):
        threading.Thread(target=work, daemon=True, name=WORKER_NAME).start()
    finished = 0
    while finished < workers:
        if done.acquire(timeout=_POLL_SECONDS):
            finished += 1
    if errors:
        raise errors[0]


def lattice_entropies(table: np.ndarray, threads: int | None = None, serial_cells: float | None = None) -> np.ndarray:
    """Entropies (nats) of all ``2^n`` subset marginals of ``table``, indexed by bitmask.

    A table with a positive subnormal entry (below ``2.2e-308``) goes to the scalar kernel:
    the fast logarithm handles normal numbers only.  No other table needs it: a positive
    marginal cell is a floating-point sum of non-negative table cells, so it is at least the
    largest of them (rounding is monotone), hence normal.
    """
    flat = np.ascontiguousarray(table, dtype=np.float64).ravel()
    if np.any((flat > 0.0) & (flat < _TINY)):
        return lattice_entropies_scalar(table, threads, serial_cells)
    return _walk(table, _subtree, _entropy, True, threads, serial_cells)


def lattice_entropies_scalar(table: np.ndarray, threads: int | None = None, serial_cells: float | None = None) -> np.ndarray:
    """Same as :func:`lattice_entropies` with the scalar libm ``log`` (reference kernel)."""
    return _walk(table, _lattice_subtree, _entropy_flat, False, threads, serial_cells)
