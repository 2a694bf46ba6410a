"""The web API: the JSON and websocket API of the Gmail-like web app.

``create_app(engine)`` builds the Quart-trio application; ``door`` serves it
with hypercorn's trio worker for ``mailcore serve`` (role ``http``). The API
is described by its OpenAPI document at ``/api/v1/openapi.json`` and
``docs/api.md``.
"""

from ._app import create_app
from ._door import ROLES, WebDoor, door, find_frontend

__all__ = ["ROLES", "WebDoor", "create_app", "door", "find_frontend"]
