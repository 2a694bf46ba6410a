"""``mailcore serve --workers N``: one supervisor, N worker processes.

One Python process serves one core (delivery is about 0.9 ms of Python per
message, and the GIL is the ceiling). The supervisor binds every listener once
(as one ``SO_REUSEPORT`` socket per worker slot on the same port, see
``mailcore._listening``), then starts N ``mailcore serve`` worker processes,
each inheriting its slot's sockets; the kernel spreads new connections
evenly over the slots. Each worker opens its own engine
on the shared stores (SQLite files in WAL mode and the SQLite bus on the
embedded default, or PostgreSQL and Redis), which is how two nodes already
share an account: UIDs and MODSEQs are allocated inside the store's
transaction, and change events reach every process through the bus.

The supervisor never opens the engine; before the workers start it runs
the stores' migrations and makes the self-signed certificate if one is
needed, so that N workers do not race to create them. It also makes the
table of shared memory in which the workers count connections per client
address (``mailcore._connections``). Each worker is given one end of a
socket pair:

* the worker writes ``ready`` on it once its doors accept connections;
* the worker treats end of file on it as SIGTERM: when the supervisor dies,
  even by SIGKILL, its workers drain and exit instead of serving unsupervised
  (``PR_SET_PDEATHSIG`` would fire when the *thread* that started the worker
  exits, and trio starts processes from its worker threads).

A worker that exits while the service runs is started again, after a pause
that grows while it keeps failing soon after its start. A worker that fails
:data:`MAX_START_FAILURES` times in a row before it is ready stops the whole
server with one line: something is wrong that restarting will not fix.

SIGTERM or SIGINT to the supervisor closes its copies of the listening
sockets and forwards SIGTERM to every worker; each worker stops accepting,
lets its sessions finish what they are in the middle of (up to
``shutdown_grace`` seconds) and exits. The supervisor exits 0 once they are
all gone. A second signal kills the workers at once.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Sequence

import attrs
import trio

from mailcore._config import Listener
from mailcore._connections import ConnectionTable
from mailcore._listening import BoundListener

log = logging.getLogger("mailcore.workers")

#: Consecutive failures of one worker before it was ready that stop the server.
MAX_START_FAILURES = 5
#: A worker that lived less than this after it was ready is restarted after a
#: growing pause (0.25 s doubling up to :data:`MAX_BACKOFF`); one that lived
#: longer, after the shortest pause again.
HEALTHY_AFTER = 10.0
MAX_BACKOFF = 10.0
#: How long the supervisor waits past the workers' own grace before SIGKILL.
KILL_AFTER = 5.0

READY = b"ready\n"


class WorkersFailed(Exception):
    """A worker cannot be started; the message is one line for the user."""


def inherited_spec(listener: Listener) -> str:
    """``ROLE=HOST:PORT@FD[,FD...]``: a listener as a worker is told it."""
    host = f"[{listener.host}]" if ":" in listener.host else listener.host
    return f"{listener.role}={host}:{listener.port}@{','.join(str(fd) for fd in listener.fds)}"


def parse_inherited(spec: str) -> Listener:
    """The inverse of :func:`inherited_spec`."""
    address, _, fds = spec.rpartition("@")
    listener = Listener.parse(address)
    return attrs.evolve(listener, fds=tuple(int(fd) for fd in fds.split(",") if fd))


def describe_exit(code: int | None) -> str:
    if code is None:
        return "is still running"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with status {code}"


@attrs.define
class _Worker:
    slot: int
    process: trio.Process
    control: trio.SocketStream


class Supervisor:
    """Starts, watches and stops the worker processes of one ``serve``."""

    def __init__(
        self,
        bound: Sequence[BoundListener],
        count: int,
        argv: Sequence[str],
        *,
        grace: float,
    ) -> None:
        self.bound = list(bound)
        self.count = count
        self.argv = list(argv)
        self.grace = grace
        self.workers: dict[int, _Worker] = {}
        #: every worker's open connections per client address (``mailcore._connections``)
        self.connection_table = ConnectionTable.create(count)
        self.stopping = False
        self.failure: str | None = None
        self._serving = trio.CancelScope()

    def _command(self, control_fd: int, slot: int) -> list[str]:
        specs = [f"--inherit={inherited_spec(b.inherited(slot - 1))}" for b in self.bound]
        table = f"{self.connection_table}:{slot - 1}:{self.count}"
        return [*self.argv, "--worker-control", str(control_fd), "--connection-table", table, *specs]

    async def _spawn(self, slot: int) -> _Worker:
        ours, theirs = socket.socketpair()
        try:
            fds = [fd for b in self.bound for fd in b.fds(slot - 1)]
            process = await trio.lowlevel.open_process(
                self._command(theirs.fileno(), slot),
                pass_fds=[*fds, theirs.fileno(), self.connection_table],
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        worker = _Worker(slot, process, trio.SocketStream(trio.socket.from_stdlib_socket(ours)))
        self.workers[slot] = worker
        log.info("worker %d started (pid %d)", slot, process.pid)
        return worker

    async def _until_ready(self, worker: _Worker) -> bool:
        """True once the worker says it is ready; False if it exits first."""
        seen = b""
        while READY not in seen:
            try:
                chunk = await worker.control.receive_some(64)
            except trio.BrokenResourceError:
                chunk = b""
            if not chunk:
                await worker.process.wait()
                return False
            seen += chunk
        return True

    async def _run_slot(self, slot: int, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Keep one worker running until the server stops."""
        failures = 0
        backoff = 0.25
        started = False
        while not self.stopping:
            worker = await self._spawn(slot)
            try:
                ready = await self._until_ready(worker)
                if ready:
                    failures = 0
                    if not started:
                        started = True
                        task_status.started()
                    alive_since = trio.current_time()
                    await worker.process.wait()
                    lived = trio.current_time() - alive_since
                else:
                    failures += 1
                    lived = 0.0
            except BaseException:
                if worker.process.returncode is not None:
                    await worker.control.aclose()
                raise  # the control socket is closed once the worker is gone
            await worker.control.aclose()
            if self.stopping:
                return
            status = describe_exit(worker.process.returncode)
            if failures >= MAX_START_FAILURES:
                self.failure = (
                    f"worker {slot} {status} before it was ready, {failures} times in a row; "
                    "its errors are above"
                )
                self._serving.cancel()
                if not started:
                    task_status.started()
                return
            if lived >= HEALTHY_AFTER:
                backoff = 0.25
            log.warning(
                "worker %d (pid %d) %s; starting it again in %.2g s", slot, worker.process.pid, status, backoff
            )
            await trio.sleep(backoff)
            backoff = min(MAX_BACKOFF, backoff * 2)

    async def _stop(self, *, force: bool) -> None:
        self.stopping = True
        for b in self.bound:
            await b.aclose()  # the workers' copies keep listening until they drain
        for worker in self.workers.values():
            if worker.process.returncode is None:
                try:
                    worker.process.send_signal(signal.SIGKILL if force else signal.SIGTERM)
                except ProcessLookupError:
                    pass

    async def _wait_all(self) -> None:
        with trio.move_on_after(self.grace + KILL_AFTER):
            for worker in list(self.workers.values()):
                await worker.process.wait()
        os.close(self.connection_table)
        for worker in self.workers.values():
            if worker.process.returncode is None:
                log.warning("worker %d (pid %d) did not stop in time; killed", worker.slot, worker.process.pid)
                worker.process.kill()
                await worker.process.wait()
            log.info("worker %d (pid %d) %s", worker.slot, worker.process.pid, describe_exit(worker.process.returncode))
            await worker.control.aclose()

    async def run(self, on_ready: Callable[[], None]) -> None:
        """Serve until SIGTERM/SIGINT (returns) or a worker cannot start
        (raises :class:`WorkersFailed`)."""
        with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
            try:
                with self._serving:
                    async with trio.open_nursery() as nursery:

                        async def start_all() -> None:
                            async with trio.open_nursery() as starting:
                                for slot in range(1, self.count + 1):
                                    starting.start_soon(nursery.start, self._run_slot, slot)
                            on_ready()

                        nursery.start_soon(start_all)
                        async for _ in signals:
                            break
                        log.info("stopping: the workers finish what they are doing (up to %g s)", self.grace)
                        await self._stop(force=False)
                        nursery.cancel_scope.cancel()
            finally:
                with trio.CancelScope(shield=True):
                    if not self.stopping:  # a worker could not start: stop the others
                        await self._stop(force=False)
                    async with trio.open_nursery() as waiting:

                        async def second_signal() -> None:
                            async for _ in signals:
                                log.warning("second signal: killing the workers")
                                await self._stop(force=True)
                                return

                        waiting.start_soon(second_signal)
                        await self._wait_all()
                        waiting.cancel_scope.cancel()
        if self.failure is not None:
            raise WorkersFailed(self.failure)

def default_workers() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def worker_argv(data_dir: str | None, config: str | None, verbose: bool) -> list[str]:
    """How the supervisor starts a worker: this very command, as a worker."""
    argv = [sys.executable, "-m", "mailcore"]
    if data_dir:
        argv += ["--data-dir", data_dir]
    if config:
        argv += ["--config", config]
    if verbose:
        argv.append("-v")
    return [*argv, "serve"]

