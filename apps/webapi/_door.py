"""``mailcore serve``'s door for the ``http`` role: hypercorn's trio worker."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import trio
from hypercorn.config import Config as HypercornConfig
from hypercorn.trio import serve as hypercorn_serve

import mailcore

from ._app import create_app

ROLES = ("http",)
log = logging.getLogger("mailcore.webapi")


def find_frontend() -> Path | None:
    """``$MAILCORE_FRONTEND_DIST``, else ``frontend/dist`` under the current
    directory, if it exists."""
    env = os.environ.get("MAILCORE_FRONTEND_DIST")
    candidate = Path(env) if env else Path.cwd() / "frontend" / "dist"
    return candidate if candidate.is_dir() else None


def _binds(listener: mailcore.Listener) -> list[str]:
    """hypercorn's binds: the listener's own sockets (duplicated: hypercorn
    closes what it serves) when it has them, else its address."""
    if listener.fds:
        return [f"fd://{os.dup(fd)}" for fd in listener.fds]
    host = f"[{listener.host}]" if ":" in listener.host else listener.host
    return [f"{host}:{listener.port}"]


class WebDoor:
    ROLES = ROLES

    async def serve(
        self,
        engine: mailcore.Engine,
        listeners: Sequence[mailcore.Listener],
        *,
        task_status: trio.TaskStatus[list[str]] = trio.TASK_STATUS_IGNORED,
        frontend_dir: Path | None = None,
    ) -> None:
        """Serve until cancelled; ``task_status.started`` gets the bound URLs
        once every listener is listening."""
        origins = [o.strip() for o in os.environ.get("MAILCORE_CORS_ORIGINS", "").split(",") if o.strip()]
        app = create_app(engine, frontend_dir=frontend_dir or find_frontend(), cors_origins=origins)
        config = HypercornConfig()
        config.bind = [bind for listener in listeners if listener.role in ROLES for bind in _binds(listener)]
        config.accesslog = None  # the app logs paths without query strings (tokens)
        config.errorlog = logging.getLogger("hypercorn.error")
        config.websocket_ping_interval = 25
        config.keep_alive_timeout = 75
        # Stopping (``engine.draining``): requests under way may finish.
        config.graceful_timeout = min(5.0, engine.config.shutdown_grace)
        config.include_server_header = False
        await hypercorn_serve(app, config, task_status=task_status, shutdown_trigger=engine.draining.wait)


door = WebDoor()
