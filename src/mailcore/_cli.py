"""The ``mailcore`` command line.

Every error a user can cause (an unknown account, an unreadable file, a
malformed query, a non-local recipient) is one line on stderr and a non-zero
exit status, never a traceback.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, TypeVar

import click
import trio

from mailcore._config import Config, Listener
from mailcore._connections import ConnectionTable
from mailcore._engine import Engine, open_engine
from mailcore._listening import BoundListener, ListenError, bind_listeners
from mailcore._workers import (
    READY,
    Supervisor,
    WorkersFailed,
    default_workers,
    parse_inherited,
    worker_argv,
)
from mailcore.errors import ConfigError, MailcoreError, QuerySyntaxError
from mailcore.store import open_stores
from mailcore.tls import server_context

T = TypeVar("T")
log = logging.getLogger("mailcore.serve")
EXIT_USAGE = 2
EXIT_ERROR = 1


class CLIError(Exception):
    """A one-line error for the user."""


def _fail(message: str, code: int = EXIT_ERROR) -> None:
    click.echo(f"mailcore: error: {message}", err=True)
    sys.exit(code)


def _run(ctx: click.Context, fn: Callable[[Engine], Awaitable[T]]) -> T:
    config: Config = ctx.obj["config"]

    async def main() -> T:
        async with open_engine(config) as engine:
            return await fn(engine)

    try:
        return trio.run(main)
    except QuerySyntaxError as exc:
        query = exc.query
        detail = f"\n  {query}\n  {' ' * exc.position}^" if query else ""
        _fail(f"malformed query: {exc}{detail}")
    except MailcoreError as exc:
        _fail(str(exc))
    except CLIError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    raise AssertionError("unreachable")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="MAILCORE_DATA_DIR",
    help="Where the embedded store keeps its data (env MAILCORE_DATA_DIR).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="MAILCORE_CONFIG",
    help="TOML configuration file (env MAILCORE_CONFIG).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, config_path: Path | None, verbose: bool) -> None:
    """mailcore: a Gmail-class mail service."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        ctx.obj = {"config": Config.load(config_path, data_dir=data_dir)}
    except ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)


# ------------------------------------------------------------------ init


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the data directory and its stores."""

    async def fn(engine: Engine) -> None:
        return None

    _run(ctx, fn)
    click.echo(f"initialized {ctx.obj['config'].data_dir}")


# --------------------------------------------------------------- domains


@main.group()
def domain() -> None:
    """Local domains."""


@domain.command("add")
@click.argument("name")
@click.pass_context
def domain_add(ctx: click.Context, name: str) -> None:
    """Receive mail for DOMAIN."""
    _run(ctx, lambda e: e.add_domain(name))
    click.echo(f"domain {name.lower()} added")


@domain.command("list")
@click.pass_context
def domain_list(ctx: click.Context) -> None:
    for name in _run(ctx, lambda e: e.list_domains()):
        click.echo(name)


@domain.command("remove")
@click.argument("name")
@click.pass_context
def domain_remove(ctx: click.Context, name: str) -> None:
    _run(ctx, lambda e: e.remove_domain(name))
    click.echo(f"domain {name.lower()} removed")


# -------------------------------------------------------------- accounts


def _read_password(from_stdin: bool, confirm: bool = True) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if confirm and getpass.getpass("Again: ") != password:
            _fail("the passwords differ")
    else:
        _fail("no terminal to ask for a password; use --password-stdin")
    if not password:
        _fail("the password is empty")
    return password


@main.group()
def account() -> None:
    """Accounts (an account's address is its login)."""


@account.command("add")
@click.argument("address")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--name", "display_name", help="Display name.")
@click.pass_context
def account_add(ctx: click.Context, address: str, password_stdin: bool, display_name: str | None) -> None:
    """Create an account."""
    password = _read_password(password_stdin)
    created = _run(ctx, lambda e: e.create_account(address, password, display_name))
    click.echo(f"account {created.address} created")


@account.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def account_list(ctx: click.Context, as_json: bool) -> None:
    accounts = _run(ctx, lambda e: e.list_accounts())
    if as_json:
        click.echo(json.dumps([{"id": a.id, "address": a.address, "display_name": a.display_name} for a in accounts]))
        return
    for a in accounts:
        click.echo(a.address + (f"  ({a.display_name})" if a.display_name else ""))


@account.command("passwd")
@click.argument("address")
@click.option("--password-stdin", is_flag=True, help="Read the new password from stdin.")
@click.pass_context
def account_passwd(ctx: click.Context, address: str, password_stdin: bool) -> None:
    """Change an account's password."""
    password = _read_password(password_stdin)
    _run(ctx, lambda e: e.change_password(address, password))
    click.echo(f"password of {address} changed")


@account.command("delete")
@click.argument("address")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def account_delete(ctx: click.Context, address: str, yes: bool) -> None:
    """Delete an account and all of its mail."""
    if not yes and sys.stdin.isatty():
        click.confirm(f"Delete {address} and all of its mail?", abort=True)
    _run(ctx, lambda e: e.delete_account(address))
    click.echo(f"account {address} deleted")


@main.group()
def alias() -> None:
    """Addresses that deliver to an account."""


@alias.command("add")
@click.argument("alias_address")
@click.argument("account_address")
@click.pass_context
def alias_add(ctx: click.Context, alias_address: str, account_address: str) -> None:
    _run(ctx, lambda e: e.add_alias(alias_address, account_address))
    click.echo(f"{alias_address} now delivers to {account_address}")


@alias.command("list")
@click.argument("account_address", required=False)
@click.pass_context
def alias_list(ctx: click.Context, account_address: str | None) -> None:
    for a, target in _run(ctx, lambda e: e.list_aliases(account_address)):
        click.echo(f"{a} -> {target}")


@alias.command("remove")
@click.argument("alias_address")
@click.pass_context
def alias_remove(ctx: click.Context, alias_address: str) -> None:
    _run(ctx, lambda e: e.remove_alias(alias_address))
    click.echo(f"alias {alias_address} removed")


# ------------------------------------------------------------- delivery


@main.command()
@click.option("--to", "recipients", multiple=True, required=True, help="A local recipient (repeatable).")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def deliver(ctx: click.Context, recipients: tuple[str, ...], file: Path | None) -> None:
    """Deliver a message (FILE, or stdin) to local recipients, like sendmail."""
    if file is not None:
        try:
            raw = file.read_bytes()
        except OSError as exc:
            _fail(f"{file}: {exc.strerror}")
    else:
        raw = sys.stdin.buffer.read()
    if not raw.strip():
        _fail("the message is empty")
    from mailcore._importers import to_crlf

    result = _run(ctx, lambda e: e.deliver(to_crlf(raw), list(recipients)))
    for address, mid in result.message_ids.items():
        click.echo(f"delivered to {address} (message {mid})")


# --------------------------------------------------------------- import


class _Progress:
    """A one-line progress bar on stderr (quiet when stderr is not a terminal)."""

    def __init__(self, label: str, total: int | None, unit: str) -> None:
        self.label, self.total, self.unit = label, total, unit
        self.done = 0
        self.count = 0
        self.start = time.monotonic()
        self.tty = sys.stderr.isatty()
        self._last = 0.0

    def update(self, done: int, count: int) -> None:
        self.done, self.count = done, count
        now = time.monotonic()
        if now - self._last < 0.1 and (self.total is None or done < self.total):
            return
        self._last = now
        rate = count / max(now - self.start, 1e-6)
        if self.total:
            frac = min(1.0, done / self.total)
            bar = "#" * int(frac * 30)
            line = f"{self.label} [{bar:<30}] {frac:4.0%} {count} messages, {rate:.0f}/s"
        else:
            line = f"{self.label} {count} messages, {rate:.0f}/s"
        if self.tty:
            sys.stderr.write("\r" + line)
            sys.stderr.flush()

    def close(self) -> None:
        if self.tty:
            sys.stderr.write("\n")


@main.group(name="import")
def import_() -> None:
    """Import mail from an mbox file (Gmail Takeout too) or a Maildir."""


def _import(ctx: click.Context, kind: str, path: Path, account_address: str) -> None:
    from mailcore import _importers as importers

    if not path.exists():
        _fail(f"{path}: no such file or directory")
    if kind == "mbox":
        if not path.is_file():
            _fail(f"{path}: not a file")
        try:
            with open(path, "rb") as fh:
                if not fh.readline().startswith(b"From "):
                    _fail(f"{path} is not an mbox file (it does not start with a 'From ' line)")
        except OSError as exc:
            _fail(f"{path}: {exc.strerror}")
        position = [0]
        items = importers.read_mbox(path, position)
        bar = _Progress("importing", path.stat().st_size, "bytes")
    else:
        try:
            total = importers.count_maildir(path)
        except (ValueError, OSError) as exc:
            _fail(str(exc))
        position = [0]
        items = importers.read_maildir(path)
        bar = _Progress("importing", total, "messages")

    async def fn(engine: Engine) -> int:
        account = await engine.get_account(account_address)
        counted = [0]

        def progress(n: int) -> None:
            counted[0] += n
            bar.update(position[0] if kind == "mbox" else counted[0], counted[0])

        return await engine.import_messages(account.id, items, progress=progress)

    try:
        count = _run(ctx, fn)
    finally:
        bar.close()
    click.echo(f"imported {count} messages into {account_address}")


@import_.command("mbox")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--account", "account_address", required=True)
@click.pass_context
def import_mbox(ctx: click.Context, path: Path, account_address: str) -> None:
    """Import an mbox file; a Takeout file's X-Gmail-Labels become labels."""
    _import(ctx, "mbox", path, account_address)


@import_.command("maildir")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--account", "account_address", required=True)
@click.pass_context
def import_maildir(ctx: click.Context, path: Path, account_address: str) -> None:
    """Import a Maildir and its Maildir++ subfolders."""
    _import(ctx, "maildir", path, account_address)


# --------------------------------------------------------------- reading


def _fmt_date(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).astimezone().strftime("%Y-%m-%d %H:%M") if ts else ""


@main.command()
@click.argument("address")
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="One JSON array of results.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@click.pass_context
def search(ctx: click.Context, address: str, query: str, as_json: bool, limit: int) -> None:
    """Search an account's mail with Gmail's operators."""

    async def fn(engine: Engine) -> list[dict[str, Any]]:
        account = await engine.get_account(address)
        labels = {lb.id: lb.name for lb in await engine.labels(account.id)}
        result = await engine.search(account.id, query, limit=limit)
        return [
            {
                "id": m.id,
                "message_id": m.message_id,
                "thread_id": m.thread_id,
                "subject": m.subject,
                "from": str(m.from_[0]) if m.from_ else "",
                "to": [str(a) for a in m.to],
                "date": datetime.fromtimestamp(m.date or m.internal_date).astimezone().isoformat(),
                "labels": sorted(labels[i] for i in m.label_ids if i in labels),
                "flags": sorted(m.flags),
                "snippet": m.snippet,
                "size": m.size,
            }
            for m in result.messages
        ]

    items = _run(ctx, fn)
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    if not items:
        click.echo("no messages match", err=True)
    for it in items:
        click.echo(f"{it['id']:>7}  {it['date'][:16]}  {it['from'][:30]:<30}  {it['subject']}")


@main.command()
@click.argument("address")
@click.option("--label", default="INBOX", show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 500))
@click.pass_context
def threads(ctx: click.Context, address: str, label: str, as_json: bool, limit: int) -> None:
    """List a label's conversations, newest first."""

    async def fn(engine: Engine) -> list[dict[str, Any]]:
        account = await engine.get_account(address)
        names = {lb.id: lb.name for lb in await engine.labels(account.id)}
        page = await engine.threads(account.id, label, limit=limit)
        return [
            {
                "id": t.id,
                "subject": t.subject,
                "snippet": t.snippet,
                "participants": [str(p) for p in t.participants],
                "messages": t.message_count,
                "unread": t.unread_count,
                "has_attachment": t.has_attachment,
                "labels": sorted(names[i] for i in t.label_ids if i in names),
                "date": datetime.fromtimestamp(t.last_date).astimezone().isoformat(),
            }
            for t in page.threads
        ]

    items = _run(ctx, fn)
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    if not items:
        click.echo(f"no conversations in {label}", err=True)
    for t in items:
        who = ", ".join(p.split(" <")[0] for p in t["participants"])[:28]
        count = f" ({t['messages']})" if t["messages"] > 1 else ""
        mark = "*" if t["unread"] else " "
        click.echo(f"{mark} {t['date'][:16]}  {who + count:<32}  {t['subject']}")


@main.command()
@click.argument("address")
@click.pass_context
def labels(ctx: click.Context, address: str) -> None:
    """List an account's labels with message and unread counts."""

    async def fn(engine: Engine) -> list[Any]:
        account = await engine.get_account(address)
        return await engine.labels(account.id)

    for lb in _run(ctx, fn):
        click.echo(f"{lb.name:<30} {lb.messages:>7} messages {lb.unseen:>6} unread")


# ----------------------------------------------------------------- queue


@main.group()
def queue() -> None:
    """The outbound queue: mail waiting for remote delivery."""


@queue.command("list")
@click.option("--account", "account_address", help="Only this account's messages.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def queue_list(ctx: click.Context, account_address: str | None, as_json: bool) -> None:
    """List queued outbound messages."""

    async def fn(engine: Engine) -> list[dict[str, Any]]:
        account_id = (await engine.get_account(account_address)).id if account_address else None
        return [
            {
                "id": m.job_id,
                "account_id": m.account_id,
                "from": m.mail_from,
                "to": list(m.recipients),
                "state": m.state,
                "attempts": m.attempts,
                "next_attempt": datetime.fromtimestamp(m.not_before).astimezone().isoformat(),
                "last_error": m.last_error,
            }
            for m in await engine.outbound(account_id)
        ]

    items = _run(ctx, fn)
    if as_json:
        click.echo(json.dumps(items, indent=2))
        return
    if not items:
        click.echo("the outbound queue is empty", err=True)
    for it in items:
        click.echo(f"{it['id']}  {it['state']:<7} {it['from']} -> {', '.join(it['to'])}  (attempts: {it['attempts']})")


# --------------------------------------------------------------- migrate


@main.command()
@click.option(
    "--check",
    "--status",
    "check",
    is_flag=True,
    help="Only say where each schema stands; exit 1 if migrations are pending.",
)
@click.pass_context
def migrate(ctx: click.Context, check: bool) -> None:
    """Apply the pending schema migrations of the configured stores.

    Run it before `serve` when `[store] migrate = "manual"`. The embedded
    SQLite stores need none: they create their tables when they open.
    """
    from mailcore.store import migrate_stores
    from mailcore.store._postgres_migrations import Applied

    config: Config = ctx.obj["config"]

    def applied(step: Applied) -> None:
        name = f": {step.name}" if step.name else ""
        click.echo(f"applied PostgreSQL {step.component} migration {step.version}{name}")

    try:
        statuses = trio.run(lambda: migrate_stores(config, apply=not check, on_applied=applied))
    except MailcoreError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    if not statuses:
        click.echo("nothing to migrate: the embedded SQLite stores create their tables when they open")
        return
    for state in statuses:
        where = f"PostgreSQL {state.component} schema: version {state.current}"
        if state.pending:
            click.echo(f"{where}, this release needs {state.latest} ({state.pending} pending)")
        elif state.current > state.latest:
            click.echo(f"{where}, newer than this release's {state.latest}")
        else:
            click.echo(f"{where}, up to date")
    if check and any(state.pending for state in statuses):
        sys.exit(EXIT_ERROR)


# ----------------------------------------------------------------- serve


def _doors() -> dict[str, Any]:
    """Daemons installed beside the engine, by role (entry points ``mailcore.doors``)."""
    doors: dict[str, Any] = {}
    for ep in entry_points(group="mailcore.doors"):
        try:
            door = ep.load()
        except Exception as exc:  # a broken door must not stop the others
            click.echo(f"mailcore: warning: cannot load the {ep.name} daemon: {exc}", err=True)
            continue
        for role in getattr(door, "ROLES", (ep.name,)):
            doors[role] = door
    return doors


#: A server's log lines name their process, as syslog does (``smtpd[4242]``).
_SERVE_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s[%(process)d]: %(message)s"


async def _serve_doors(
    engine: Engine,
    by_door: dict[Any, list[Listener]],
    *,
    on_ready: Callable[[], Awaitable[None]],
    control: trio.SocketStream | None = None,
) -> None:
    """Run the doors until SIGTERM/SIGINT (or, for a worker, the end of its
    supervisor), then drain: the doors stop accepting and their sessions
    finish what they are doing, for up to ``shutdown_grace`` seconds. A
    second signal stops at once."""
    stop = trio.Event()
    doors_scope = trio.CancelScope()

    async def on_signals(signals: AsyncIterator[int]) -> None:
        received = 0
        async for _ in signals:
            received += 1
            if received > 1:
                doors_scope.cancel()
            stop.set()

    async def on_orphaned(stream: trio.SocketStream) -> None:
        with contextlib.suppress(trio.BrokenResourceError):
            while await stream.receive_some(64):
                pass
        if not stop.is_set():
            log.warning("the supervisor is gone; stopping")
        stop.set()

    with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async with trio.open_nursery() as watchers:
            watchers.start_soon(on_signals, signals)
            if control is not None:
                watchers.start_soon(on_orphaned, control)
            with doors_scope:
                async with trio.open_nursery() as doors:
                    for door, ls in by_door.items():
                        await doors.start(door.serve, engine, ls)
                    await on_ready()
                    await stop.wait()
                    grace = engine.config.shutdown_grace
                    log.info("stopping: sessions finish what they are doing (up to %g s)", grace)
                    engine.drain()
                    doors_scope.deadline = trio.current_time() + grace
            watchers.cancel_scope.cancel()


def _serve_errors(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except ListenError as exc:
        _fail(str(exc))
    except WorkersFailed as exc:
        _fail(str(exc))
    except MailcoreError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    raise AssertionError("unreachable")


@main.command()
@click.option("--listen", "listen", multiple=True, metavar="ROLE=HOST:PORT", help="A listener (repeatable).")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    envvar="MAILCORE_WORKERS",
    help="Worker processes sharing the listeners and the stores (env MAILCORE_WORKERS, "
    "config [server] workers; default: one per core). 1 serves in this process.",
)
@click.option("--inherit", "inherited", multiple=True, hidden=True)
@click.option("--worker-control", "control_fd", type=int, hidden=True)
@click.option("--connection-table", "connection_table", hidden=True)
@click.pass_context
def serve(
    ctx: click.Context,
    listen: tuple[str, ...],
    workers: int | None,
    inherited: tuple[str, ...],
    control_fd: int | None,
    connection_table: str | None,
) -> None:
    """Run the engine and every daemon installed (SMTP, IMAP, HTTP)."""
    config: Config = ctx.obj["config"]
    if control_fd is not None:
        _serve_worker(ctx, inherited, control_fd, connection_table)
        return
    try:
        listeners = tuple(Listener.parse(s) for s in listen) or config.effective_listeners()
    except ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
    count = workers or config.workers or default_workers()
    doors = _doors()
    served = []
    for listener in listeners:
        if listener.role not in doors:
            click.echo(f"mailcore: no daemon for the {listener.role} role is installed; skipped", err=True)
            continue
        served.append(listener)

    def announce(bound: list[BoundListener], how: str) -> None:
        for b in bound:
            for port in b.ports:
                click.echo(f"listening: {b.listener.role:<12} {b.listener.host}:{port}")
        click.echo(f"mailcore is running{how} (data in {config.data_dir}); Ctrl-C stops it")
        sys.stdout.flush()

    for handler in logging.getLogger().handlers:
        handler.setFormatter(logging.Formatter(_SERVE_LOG_FORMAT))
    if count == 1:
        _serve_alone(ctx, served, doors, announce)
        return
    root = ctx.find_root().params
    argv = worker_argv(
        str(root["data_dir"]) if root.get("data_dir") else None,
        str(root["config_path"]) if root.get("config_path") else None,
        bool(root.get("verbose")),
    )

    async def supervise() -> None:
        bound = await bind_listeners(served, copies=count)
        try:
            # Done once, here, rather than by N workers at once: the stores'
            # migrations and a generated TLS certificate.
            async with open_stores(config):
                pass
            await trio.to_thread.run_sync(server_context, config)
            supervisor = Supervisor(bound, count, argv, grace=config.shutdown_grace)
            await supervisor.run(lambda: announce(bound, f" with {count} workers"))
        finally:
            for b in bound:
                await b.aclose()

    _serve_errors(lambda: trio.run(supervise))


def _by_door(listeners: Sequence[Listener], doors: dict[str, Any]) -> dict[Any, list[Listener]]:
    by_door: dict[Any, list[Listener]] = {}
    for listener in listeners:
        by_door.setdefault(doors[listener.role], []).append(listener)
    return by_door


def _serve_alone(
    ctx: click.Context,
    listeners: list[Listener],
    doors: dict[str, Any],
    announce: Callable[[list[BoundListener], str], None],
) -> None:
    """``--workers 1``: the engine and the doors in this process."""
    holder: list[list[BoundListener]] = []

    async def fn(engine: Engine) -> None:
        bound = holder[0]
        try:
            by_door = _by_door([b.inherited() for b in bound], doors)

            async def ready() -> None:
                announce(bound, "")

            await _serve_doors(engine, by_door, on_ready=ready)
        finally:
            for b in bound:
                await b.aclose()

    async def bind() -> None:
        holder.append(await bind_listeners(listeners))

    # Bound before the engine opens: a busy port is one line, and nothing is created.
    _serve_errors(lambda: trio.run(bind))
    try:
        _run(ctx, fn)
    finally:
        for b in holder[0]:
            for sockets in b.slots:
                for sock in sockets:
                    sock.socket.close()


def _serve_worker(ctx: click.Context, inherited: tuple[str, ...], control_fd: int, table: str | None) -> None:
    """A worker of ``serve --workers N``: serve the supervisor's sockets."""
    connections = None
    if table:
        fd, slot, count = (int(part) for part in table.split(":"))
        connections = ConnectionTable(fd, count, slot)
        os.close(fd)  # the mapping stays
    for handler in logging.getLogger().handlers:
        handler.setFormatter(logging.Formatter(_SERVE_LOG_FORMAT))
    listeners = [parse_inherited(spec) for spec in inherited]
    doors = _doors()
    by_door = _by_door([ls for ls in listeners if ls.role in doors], doors)

    async def fn(engine: Engine) -> None:
        engine._connection_table = connections
        control = trio.SocketStream(trio.socket.from_stdlib_socket(socket.socket(fileno=control_fd)))
        async with control:

            async def ready() -> None:
                for listener in listeners:  # the doors serve their own copies
                    for fd in listener.fds:
                        os.close(fd)
                await control.send_all(READY)

            await _serve_doors(engine, by_door, on_ready=ready, control=control)

    _run(ctx, fn)


def entry() -> None:  # pragma: no cover - console script shim
    main(prog_name=os.path.basename(sys.argv[0]) or "mailcore")


if __name__ == "__main__":  # pragma: no cover
    main()
