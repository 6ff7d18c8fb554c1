"""Information curves from anywhere: a :class:`~mdmtheory.joint.Joint`, an array, or a file.

Users estimate ``Z_1..Z_n`` for a real model elsewhere and bring it here as ``.npy``, a
``.json`` list (or the JSON of ``mdmtheory info``), or a ``.csv`` column.  Every curve is
validated: finite, ``Z_1 = 0`` and nondecreasing, both within a tolerance, and the worst
violation is named in the error.

References
----------
.. [1] Chen, Cong, Li, "Optimal inference schedules for masked diffusion models",
   COLT 2026, arXiv:2511.04647, Section 3 (the information curve).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ._numeric import check_real
from .errors import InputError, check_memory
from .files import check_input_file, load_npy
from .information import information_curve
from .joint import Joint

__all__ = ["as_curve", "validate_curve", "load_curve"]


def validate_curve(z, tol: float = 1e-9) -> np.ndarray:
    """Check that ``z`` is an information curve and return it cleaned.

    Parameters
    ----------
    z : array_like
        ``Z_1..Z_n`` (any unit).
    tol : float
        Allowed violation, relative to ``max(1, max |Z|)``: ``|Z_1| <= tol`` and
        ``Z_{j+1} >= Z_j - tol``.

    Returns
    -------
    numpy.ndarray
        The curve with ``Z_1`` set to 0 and each value raised to the running maximum (a change
        of at most ``tol``), so that the Monge property the optimiser relies on holds exactly.

    Raises
    ------
    InputError
        If ``z`` is empty, not 1-D, not finite, ``Z_1`` is not 0, or ``Z`` decreases by more
        than ``tol`` (the message gives the worst position and size).

    Notes
    -----
    ``Z_1 = 0`` and ``Z_j <= Z_{j+1}`` hold for every distribution (Han's inequality); a
    curve violating them did not come from a distribution.  ``O(n)``.

    Examples
    --------
    >>> validate_curve([0.0, 0.5, 1.0]).tolist()
    [0.0, 0.5, 1.0]
    >>> validate_curve([0.0, 0.5, 0.4])
    Traceback (most recent call last):
    ...
    mdmtheory.errors.InputError: the information curve must be nondecreasing: worst decrease 0.1 from Z_2 to Z_3 (tolerance 1e-09)
    """
    tol = check_real(tol, "tol", 0.0)
    try:
        raw = np.asarray(z)
        if raw.dtype.kind in "USVc":  # float() would parse strings and drop imaginary parts
            raise InputError(f"an information curve is a list of real numbers Z_1..Z_n; got {raw.dtype.name} values")
        arr = np.asarray(raw, dtype=float)
    except (TypeError, ValueError, OverflowError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError("an information curve is a list of numbers Z_1..Z_n (finite floats)") from None
    if arr.ndim != 1 or arr.size == 0:
        raise InputError(f"an information curve is a non-empty 1-D list Z_1..Z_n; got shape {arr.shape}")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise InputError(f"the information curve must be finite; Z_{bad[0] + 1} = {arr[bad[0]]}")
    scale = max(1.0, float(np.max(np.abs(arr))))
    if abs(arr[0]) > tol * scale:
        raise InputError(f"an information curve starts at Z_1 = 0 (nothing revealed, no information); got Z_1 = {arr[0]:.6g}")
    if arr.size > 1:
        drops = arr[:-1] - arr[1:]
        j = int(np.argmax(drops))
        if drops[j] > tol * scale:
            raise InputError(
                f"the information curve must be nondecreasing: worst decrease {drops[j]:.6g} "
                f"from Z_{j + 1} to Z_{j + 2} (tolerance {tol:g})"
            )
    out = arr.copy()
    out[0] = 0.0
    return np.maximum.accumulate(out)


#: Working memory of a text curve file per byte of file: the decoded text, the lines and
#: one Python float per number (at most one number every two bytes), counted generously.
TEXT_BYTES_FACTOR = 40

#: Numeric dtype kinds a ``.npy`` curve may hold: signed and unsigned integers, floats.
_NUMERIC_KINDS = "iuf"


def _read_text(p: Path, max_memory: float | None) -> str:
    """The file's text: UTF-8 (a leading byte-order mark, as spreadsheets write it, is dropped)."""
    check_memory(TEXT_BYTES_FACTOR * float(p.stat().st_size), f"reading the curve file {str(p)!r}", max_memory)
    raw = p.read_bytes()
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError(f"{p}: UTF-16 text (as some spreadsheets save it); save the file as UTF-8")
    if b"\0" in raw:
        raise InputError(f"{p}: binary content (NUL bytes) in a text curve file; save Z_1..Z_n as text, or as .npy")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None


def _read_csv(p: Path, text: str) -> list[float]:
    """One column of numbers, an optional header line first; anything else is refused."""
    vals: list[float] = []
    first = True
    for lineno, line in enumerate(text.splitlines(), 1):
        cells = [c.strip().strip('"').strip("'").strip() for c in line.split(",")]
        if not any(cells):
            continue
        while len(cells) > 1 and not cells[-1]:  # "0.5," as some spreadsheets export a column
            cells.pop()
        if len(cells) > 1:
            hint = (" (a decimal comma? write 0.5, not 0,5)"
                    if len(cells) == 2 and all(c.isdigit() for c in cells) else "")
            raise InputError(f"{p}: line {lineno} has {len(cells)} fields; a CSV curve is one column Z_1..Z_n{hint}")
        cell = cells[0]
        if len(cell) > 64:
            raise InputError(f"{p}: line {lineno} holds a field of {len(cell)} characters, too long for a number")
        try:
            vals.append(float(cell))
        except ValueError:
            if not first:
                raise InputError(f"{p}: line {lineno} is not a number: {cell!r}") from None
        first = False
    return vals


def load_curve(path: str | os.PathLike, tol: float = 1e-9, max_memory: float | None = None) -> np.ndarray:
    """Read and validate ``Z_1..Z_n`` from ``.npy``, ``.json`` or ``.csv``.

    ``.json`` holds a list, or an object with an ``"information_curve"`` list (the output of
    ``mdmtheory info --json``); ``.csv`` holds one column, with an optional header line.  Text
    files are UTF-8, with or without a byte-order mark; a ``.npy`` file holds a 1-D integer or
    float array.

    Parameters
    ----------
    path : str or path-like
        The file.
    tol : float
        Passed to :func:`validate_curve`.
    max_memory : float, optional
        Ceiling in bytes for reading the file (default 4 GiB).

    Raises
    ------
    InputError
        For an unknown extension, a path that is not a regular file (a FIFO, a device), a
        malformed file (binary or non-UTF-8 text, JSON nested too deep, ragged or
        decimal-comma CSV, fields too long for a number, string, complex or empty arrays), a
        file too large for ``max_memory``, or an invalid curve.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "z.json")
    >>> with open(path, "w") as f:
    ...     _ = f.write("[0, 0.1, 0.25, 0.25]")
    >>> load_curve(path).tolist()
    [0.0, 0.1, 0.25, 0.25]
    """
    p = Path(path)
    ext = p.suffix.lower()
    if ext not in (".npy", ".json", ".csv"):
        raise InputError(f"{p}: a curve file is .npy, .json or .csv; got {ext or 'no extension'!r}")
    check_input_file(p, "a curve file (.npy, .json or .csv)")
    if ext == ".npy":
        data = load_npy(p, "a curve file (a 1-D array Z_1..Z_n)", max_memory, copies=3.0)
        if data.ndim != 1:
            raise InputError(f"{p}: a curve file holds a 1-D array Z_1..Z_n; got shape {data.shape}")
        if data.dtype.kind not in _NUMERIC_KINDS:
            raise InputError(f"{p}: a curve file holds integers or floats; got {data.dtype} values")
        with np.errstate(over="ignore", invalid="ignore"):  # float128 beyond float64: inf, refused below
            data = np.array(data, dtype=np.float64)
    elif ext == ".json":
        text = _read_text(p, max_memory)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{p}: invalid JSON ({exc.msg} at line {exc.lineno})") from None
        except RecursionError:
            raise InputError(f"{p}: JSON nested too deeply; a JSON curve is a flat list of numbers") from None
        if isinstance(data, dict):
            if "information_curve" not in data:
                raise InputError(f"{p}: a JSON curve is a list, or an object with an \"information_curve\" list")
            data = data["information_curve"]
        if not isinstance(data, list) or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in data):
            raise InputError(f"{p}: a JSON curve is a flat list of numbers Z_1..Z_n")
    else:
        data = _read_csv(p, _read_text(p, max_memory))
    try:
        return validate_curve(data, tol)
    except InputError as exc:
        raise InputError(f"{p}: {exc}") from None


def as_curve(curve_or_joint, base: float | None = None, tol: float = 1e-9) -> np.ndarray:
    """The information curve of a :class:`Joint` (in ``base``), or a validated array or file.

    A ``str`` or path is read with :func:`load_curve`; an array is checked with
    :func:`validate_curve` (its unit is kept, ``base`` is ignored).

    Examples
    --------
    >>> from mdmtheory import copy
    >>> as_curve(copy(3, 2), base=2).tolist()
    [0.0, 1.0, 1.0]
    """
    if isinstance(curve_or_joint, Joint):
        return validate_curve(information_curve(curve_or_joint, base), tol=1e-7)
    if isinstance(curve_or_joint, (str, os.PathLike)):
        return load_curve(curve_or_joint, tol)
    return validate_curve(curve_or_joint, tol)
