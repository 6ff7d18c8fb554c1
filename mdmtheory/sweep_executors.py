"""The executors of a sweep (:mod:`mdmtheory.sweeps`): in process, a local process pool, Dask.

Each runs a pure function over the points and hands each result to a callback as it arrives.
No worker outlives the call: on an error or Ctrl-C the pool is terminated and a LocalCluster
closed; workers ignore SIGINT (the command answers it for them, so none prints a traceback).
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
from typing import Any, Callable, Sequence

from .errors import InputError

__all__ = ["run_inprocess", "run_pool", "run_dask", "ignore_interrupts"]


def run_inprocess(fn: Callable, items: Sequence, on_row: Callable[[Any], None]) -> None:
    """``on_row(fn(item))`` for each item, in this process."""
    for item in items:
        on_row(fn(item))


def ignore_interrupts() -> None:
    """Worker start-up: Ctrl-C reaches the whole process group; the command (not each worker)
    answers it, stopping the workers itself, so no worker prints a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_pool(fn: Callable, items: Sequence, on_row: Callable[[Any], None], jobs: int) -> None:
    """``on_row(fn(item))`` as they finish on a pool of ``jobs`` spawned processes, terminated
    (not awaited) on an error or Ctrl-C."""
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None  # children start ignoring it
    try:
        pool = multiprocessing.get_context("spawn").Pool(jobs, initializer=ignore_interrupts)
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
    try:
        for row in pool.imap_unordered(fn, items, chunksize=1):
            on_row(row)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def run_dask(fn: Callable, items: Sequence, on_row: Callable[[Any], None], scheduler: str | None,
             workers: int | None, timeout: float) -> None:
    """``on_row(fn(item))`` as they finish on Dask: the scheduler at ``scheduler`` (reached
    within ``timeout`` seconds), or a LocalCluster of ``workers`` single-threaded processes,
    closed on the way out whatever happens."""
    try:
        # start-up time: dask (the optional [dask] extra) loads only for its executor
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError("the Dask executor needs dask.distributed: pip install 'mdmtheory[dask]'") from None
    cluster = client = None
    try:
        if scheduler is None:
            main = threading.current_thread() is threading.main_thread()
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None  # workers start ignoring it
            try:
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                       silence_logs=logging.ERROR)
            finally:
                if main:
                    signal.signal(signal.SIGINT, previous)
            client = Client(cluster)
        else:
            client = _connect(Client, scheduler, timeout)
        futures_ = client.map(fn, list(items), pure=False)
        try:
            for fut in as_completed(futures_):
                on_row(fut.result())
        finally:
            client.cancel(futures_)
    finally:
        if client is not None:
            client.close(timeout=timeout)
        if cluster is not None:
            cluster.close(timeout=timeout)


def _connect(client_type, address: str, timeout: float):
    """A Dask client of the scheduler at ``address``, or a clean error within about ``timeout``
    seconds (an endpoint that accepts and never answers, or speaks another protocol)."""
    box: dict = {}

    def attempt() -> None:
        try:
            box["client"] = client_type(address, timeout=timeout, set_as_default=False)
        except BaseException as exc:  # reported below as the address's problem
            box["error"] = exc

    thread = threading.Thread(target=attempt, name="mdmtheory-dask-connect", daemon=True)
    thread.start()
    thread.join(timeout + 5.0)
    if "client" in box:
        return box["client"]
    why = f"no answer within {timeout:g} s" if thread.is_alive() else f"{type(box['error']).__name__}: {box['error']}"
    raise InputError(f"could not reach a Dask scheduler at {address!r} ({' '.join(why.split())[:200]}); "
                     "check that the scheduler runs there, or raise --scheduler-timeout")
