"""Reading user files safely and writing output files atomically.

Two rules every command follows:

* an input path must name a regular file: a FIFO or a character device would block the read
  forever (or stream without end), a directory cannot be read; :func:`check_input_file`
  refuses them before anything is opened for reading;
* an output file is written through :func:`atomic_write`: the bytes go to a temporary file in
  the same folder, which is renamed over the target (``os.replace``) only when complete, so a
  reader never sees half a file, an interrupted run leaves the old file (or none), and a
  symbolic link planted at the target is refused instead of followed.
"""

from __future__ import annotations

import math
import os
import stat
import tempfile
from pathlib import Path
from typing import IO, Any, Callable

import numpy as np

from .errors import InputError, check_memory

__all__ = ["check_input_file", "read_npy_header", "npz_headers", "load_npy", "atomic_write", "open_append", "check_output_dir", "check_output_file", "to_jsonable"]


def check_input_file(path: str | os.PathLike, what: str = "a file", fix: str = "") -> str:
    """Return ``path`` as a string if it names an existing regular file.

    Parameters
    ----------
    path : str or path-like
        The file to be read.
    what : str
        What the file should be (used in the messages), e.g. ``"a .npy table"``.
    fix : str
        How to make the file (appended to the "no such file" message).

    Raises
    ------
    InputError
        If the path does not exist, is a directory, or is not a regular file (a FIFO, a
        character or block device, a socket): those would hang or stream forever.

    Examples
    --------
    >>> check_input_file("/dev/null")
    Traceback (most recent call last):
    ...
    mdmtheory.errors.InputError: '/dev/null' is a character device, not a regular file; give the path of a file
    """
    try:
        p = os.fspath(path)
    except TypeError:
        raise InputError(f"a path must be a str or os.PathLike; got {path!r}") from None
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise InputError(f"no such file: {p!r}; give the path of {what}{fix}") from None
    except OSError as exc:
        raise InputError(f"cannot read {p!r}: {exc.strerror}; give the path of {what}") from None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise InputError(f"{p!r} is a directory; give the path of {what}")
    if not stat.S_ISREG(mode):
        kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a character device" if stat.S_ISCHR(mode)
                else "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "a special file")
        raise InputError(f"{p!r} is {kind}, not a regular file; give the path of {what}")
    return p


def read_npy_header(fh: IO[bytes], name: str) -> tuple[tuple[int, ...], np.dtype]:
    """``(shape, dtype)`` from the header of the ``.npy`` stream ``fh`` (positioned at its start),
    without reading the array: what a file declares is checked before anything is loaded.

    Raises
    ------
    InputError
        Naming ``name``: not an ``.npy`` stream (bad magic string, bad or truncated header).

    Examples
    --------
    >>> import io
    >>> buf = io.BytesIO(); np.save(buf, np.zeros((2, 3))); _ = buf.seek(0)
    >>> read_npy_header(buf, "x.npy")
    ((2, 3), dtype('float64'))
    """
    try:
        version = np.lib.format.read_magic(fh)
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read(fh)
    except Exception as exc:  # a bad magic string, a bad header, a truncated file: numpy raises several types
        raise InputError(f"{name} is not a readable .npy array ({type(exc).__name__}: {exc}); save it with numpy.save") from None
    return tuple(int(d) for d in shape), np.dtype(dtype)


def npz_headers(path: str, holds: str) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """``{name: (shape, dtype)}`` of every member of the ``.npz`` archive ``path``, read from the
    members' ``.npy`` headers only (no array is loaded or decompressed beyond its header), so the
    caller checks names, dtypes and sizes before loading anything.

    Raises
    ------
    InputError
        Not a readable zip archive, or a member that is not an ``.npy`` array (named; ``holds``
        says what the archive should hold).

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "a.npz"); np.savez(p, x=np.zeros((2, 3)))
    >>> npz_headers(p, "x.npy")
    {'x': ((2, 3), dtype('float64'))}
    """
    # start-up time: zipfile is needed only to read an archive
    import zipfile

    out: dict[str, tuple[tuple[int, ...], np.dtype]] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                name = info.filename
                if not name.endswith(".npy"):
                    raise InputError(f"the member {name!r} of {path!r} is not an .npy array; {holds}")
                with zf.open(info) as fh:
                    out[name[: -len(".npy")]] = read_npy_header(fh, f"the member {name!r} of {path!r}")
    except InputError:
        raise
    except Exception as exc:  # zipfile errors of every kind
        raise InputError(f"{path!r} is not a readable .npz file ({type(exc).__name__}: {exc}); {holds}") from None
    return out


def load_npy(path: str | os.PathLike, what: str, max_memory: float | None = None, copies: float = 2.0) -> np.ndarray:
    """The real array of the ``.npy`` file ``path`` (its own dtype: the caller judges sums at its
    precision), its header checked first: a non-numeric dtype (object, complex, strings) is
    refused unread, and ``copies x 8`` bytes an entry (the array as float64 and the caller's
    working copies) against ``max_memory`` (:func:`mdmtheory.errors.check_memory`) before the
    data is read.

    Raises
    ------
    InputError
        Not a regular file, not an ``.npy`` array, not numeric, or over ``max_memory``.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "a.npy"); np.save(p, np.arange(3, dtype=np.int32))
    >>> load_npy(p, "an array").tolist()
    [0, 1, 2]
    """
    p = check_input_file(path, what, " (numpy.save)")
    with open(p, "rb") as fh:
        shape, dtype = read_npy_header(fh, repr(p))
    if dtype.kind not in "biuf":
        raise InputError(f"{p!r} holds {dtype} values, not numeric integers or floats; give {what} (numpy.save of a real array)")
    check_memory(8.0 * copies * float(np.prod([float(d) for d in shape])), f"loading {p!r} (shape {shape})", max_memory)
    try:
        raw = np.load(p, allow_pickle=False)
    except Exception as exc:  # a truncated data section and the like
        raise InputError(f"{p!r} is not a readable .npy file ({type(exc).__name__}: {exc}); save it with numpy.save") from None
    return raw


def check_output_dir(path: str | os.PathLike) -> Path:
    """Create the output folder ``path`` if needed and return it.

    Raises
    ------
    InputError
        If ``path`` exists and is not a directory (a file, a FIFO), or cannot be created.

    Examples
    --------
    >>> import tempfile
    >>> check_output_dir(tempfile.mkdtemp()).is_dir()
    True
    """
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise InputError(f"the output folder {str(out)!r} exists and is not a directory; give a folder path")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output folder {str(out)!r}: {exc.strerror}; give a writable folder") from None
    return out


def check_output_file(path: str | os.PathLike) -> Path:
    """Check, before any work, that ``path`` may be written by :func:`atomic_write`.

    Raises
    ------
    InputError
        If ``path`` is a symbolic link, or exists and is not a regular file (a directory).

    Examples
    --------
    >>> import os, tempfile
    >>> check_output_file(os.path.join(tempfile.mkdtemp(), "new.json")).name
    'new.json'
    """
    target = Path(path)
    if target.is_symlink():
        raise InputError(f"refusing to write through the symbolic link {str(target)!r}; remove it or choose another path")
    if target.exists() and not target.is_file():
        raise InputError(f"cannot write {str(target)!r}: it exists and is not a regular file; choose another path")
    return target


def atomic_write(path: str | os.PathLike, write: Callable[[IO[bytes]], object]) -> Path:
    """Write a file atomically: ``write(fh)`` fills a temporary file in the target's folder,
    which then replaces the target with ``os.replace``.

    Parameters
    ----------
    path : str or path-like
        The target file.
    write : callable
        Called with a binary file object open for writing.

    Returns
    -------
    pathlib.Path
        The target path.

    Raises
    ------
    InputError
        If the target is a symbolic link (it is never followed: a link planted in the output
        folder could point anywhere), a directory or another non-regular file, or the folder
        is not writable.  The temporary file is removed on any error or interrupt.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> _ = atomic_write(p, lambda fh: fh.write(b"hello"))
    >>> open(p).read()
    'hello'
    """
    target = check_output_file(path)
    folder = target.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InputError(f"cannot write in {str(folder)!r}: {exc.strerror}; choose a writable folder") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # what open() would have given; mkstemp makes it 0600
        os.replace(tmp, target)  # a rename replaces a symlink planted meanwhile, never follows it
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target


def open_append(path: str | os.PathLike) -> IO[str]:
    """Open a UTF-8 text file for appending (created if missing) without following a symbolic
    link: the one writer that cannot be atomic, an append-only journal whose every line is a
    complete record (``O_NOFOLLOW``: a link planted at the path, even after a check, is refused).

    Raises
    ------
    InputError
        If the path is a symbolic link or not a regular file, or cannot be opened for writing.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "j.txt")
    >>> with open_append(p) as fh:
    ...     _ = fh.write("row\\n")
    >>> open(p).read()
    'row\\n'
    """
    target = check_output_file(path)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(target, flags, 0o666)
    except OSError as exc:
        if target.is_symlink():
            raise InputError(f"refusing to write through the symbolic link {str(target)!r}; remove it or choose another path") from None
        raise InputError(f"cannot write {str(target)!r}: {exc.strerror}; choose a writable path") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise InputError(f"cannot write {str(target)!r}: it is not a regular file; choose another path")
    return os.fdopen(fd, "a", encoding="utf-8")


def to_jsonable(obj: Any) -> Any:
    """Plain Python values for strict JSON: numpy scalars and arrays converted, paths as
    strings, ``inf`` and ``nan`` written as the strings ``"inf"``, ``"-inf"``, ``"nan"``.

    Raises
    ------
    TypeError
        For any other type (a programming error, caught before anything is printed).

    Examples
    --------
    >>> to_jsonable({"a": float("inf"), "b": np.arange(2)})
    {'a': 'inf', 'b': [0, 1]}
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    # refused here, before anything is printed: the JSON is streamed, so a value json cannot
    # write would otherwise stop it half-way
    raise TypeError(f"cannot write a {type(obj).__name__} as JSON")
