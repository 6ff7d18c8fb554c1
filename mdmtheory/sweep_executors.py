"""The executors of a sweep (:mod:`mdmtheory.sweeps`): in process, a local process pool, Dask.

Each runs a pure function over the points and hands each result to a callback as it arrives.
No worker outlives the call: on an error or Ctrl-C the pool is terminated and a LocalCluster
closed; workers ignore SIGINT (the command answers it for them, so none prints a traceback).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import queue
import signal
import threading
from typing import Any, Callable, Sequence

from .errors import InputError

__all__ = ["run_inprocess", "run_pool", "run_dask", "ignore_interrupts", "interrupts_held", "thread_locked_progress"]


def run_inprocess(fn: Callable, items: Sequence, on_row: Callable[[Any], None]) -> None:
    """``on_row(fn(item))`` for each item, in this process."""
    for item in items:
        on_row(fn(item))


def ignore_interrupts() -> None:
    """Worker start-up: Ctrl-C reaches the whole process group; the command (not each worker)
    answers it, stopping the workers itself, so no worker prints a traceback.  Progress bars in
    a worker lock with a thread lock: tqdm's default, a process semaphore, would be reported as
    leaked when the worker is stopped."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    thread_locked_progress()


@contextlib.contextmanager
def interrupts_held():
    """Hold Ctrl-C back (noted, not lost) while worker processes start: they inherit SIGINT
    blocked, so none is interrupted half-started (a traceback), and this process is not
    interrupted half-way through starting them; a Ctrl-C pressed meanwhile is raised here as
    :class:`KeyboardInterrupt` once they are all started (the caller then stops them)."""
    caught: list[int] = []
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum)) if main else None
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if hasattr(signal, "pthread_sigmask") else None
    failed = False
    try:
        yield
    except BaseException:
        failed = True
        if not caught:
            raise
    finally:
        if blocked is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        if main:
            signal.signal(signal.SIGINT, previous)
    if caught or failed:  # a start-up that failed under a Ctrl-C failed because of it
        raise KeyboardInterrupt


def thread_locked_progress() -> None:
    """Progress bars in this process lock with a thread lock, not tqdm's process semaphore."""
    # start-up time: tqdm (a dependency) loads in a worker, where the engines' bars use it anyway
    from tqdm import tqdm

    tqdm.set_lock(threading.RLock())


def run_pool(fn: Callable, items: Sequence, on_row: Callable[[Any], None], jobs: int) -> None:
    """``on_row(fn(item))`` as they finish on ``jobs`` spawned worker processes.

    A fixed set of workers (never restarted behind the caller's back) reads the items from one
    queue; on an error, Ctrl-C or a worker that died (killed for memory), every worker is
    terminated, not awaited.

    Raises
    ------
    InputError
        A worker died without a result (its exit code is given; the resources asked for, too
        many workers or too much memory, are the usual cause), or failed outside ``fn``.
    """
    ctx = multiprocessing.get_context("spawn")
    with interrupts_held():  # the queues' semaphores may start multiprocessing's resource tracker
        tasks, results = ctx.Queue(), ctx.Queue()
    procs = [ctx.Process(target=_work, args=(fn, tasks, results), daemon=True, name=f"mdmtheory-sweep-{i}")
             for i in range(jobs)]
    done = False
    try:
        with interrupts_held():
            for p in procs:
                p.start()
        for item in items:
            tasks.put(item)
        for _ in procs:
            tasks.put(_STOP)
        left = len(items)
        while left:
            try:
                ok, value = results.get(timeout=0.5)
            except queue.Empty:
                dead = [p for p in procs if p.exitcode is not None and p.exitcode != 0]
                if dead:
                    raise InputError(f"a sweep worker process died (exit code {dead[0].exitcode}; -9 is often "
                                       "the system killing it for memory); lower --jobs or --max-memory") from None
                continue
            if not ok:
                raise InputError(f"a sweep worker failed: {value}")
            left -= 1
            on_row(value)
        done = True
    finally:
        for p in procs:
            if not done and p.exitcode is None:
                p.terminate()
        for p in procs:
            if p.pid is not None:
                p.join(5.0 if done else 2.0)
                if p.exitcode is None:
                    p.kill()
                    p.join()
        tasks.cancel_join_thread()  # items never taken must not hold the exit
        for q in (tasks, results):
            q.close()


_STOP = None


def _work(fn: Callable, tasks, results) -> None:
    """A worker: ``fn`` on each item until the stop mark; an exception is sent back as text."""
    ignore_interrupts()
    while True:
        item = tasks.get()
        if item is _STOP:
            break
        try:
            results.put((True, fn(item)))
        except Exception as exc:  # the caller reports it; the worker stays for the next item
            results.put((False, f"{type(exc).__name__}: {exc}"))
    results.close()
    results.join_thread()


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
            try:
                with interrupts_held():
                    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=logging.CRITICAL)
            except Exception as exc:
                raise InputError(f"could not start a Dask LocalCluster of {workers} worker(s) "
                                 f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]}); try --jobs instead") from None
            client = Client(cluster)
            client.run(ignore_interrupts)
        else:
            client = _connect(Client, scheduler, timeout)
            client.run(thread_locked_progress)
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
    seconds: the address is first asked for its identity on a connection of its own, so an
    endpoint that accepts and never answers, or speaks another protocol, is refused before a
    client is made."""
    try:
        kind = asyncio.run(asyncio.wait_for(_identity(address, timeout), timeout))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # any failure to speak to it is the address's problem
        why = f"no answer within {timeout:g} s" if isinstance(exc, (asyncio.TimeoutError, TimeoutError)) else \
            f"{type(exc).__name__}: {exc}"
        raise InputError(f"could not reach a Dask scheduler at {address!r} ({' '.join(why.split())[:200]}); "
                         "check that the scheduler runs there, or raise --scheduler-timeout") from None
    if kind != "Scheduler":
        raise InputError(f"{address!r} answered as a Dask {kind!r}, not a scheduler; give the scheduler's address")
    return client_type(address, timeout=timeout)


async def _identity(address: str, timeout: float) -> str:
    """The ``type`` a Dask server at ``address`` reports (``"Scheduler"`` for a scheduler)."""
    # start-up time: distributed (the optional [dask] extra) loads only for its executor
    from distributed.comm import connect

    comm = await connect(address, timeout=timeout)
    try:
        await comm.write({"op": "identity", "reply": True})
        reply = await comm.read()
    finally:
        comm.abort()
    return str(reply.get("type")) if isinstance(reply, dict) else repr(reply)[:40]
