"""A preheated Voila kernel waits here for the page request that will use it.

Voila's own helper, `voila.utils.wait_for_request`, imports the whole of Voila and with it
jupyter_server and jupyterlab_server: 1.3 s of imports on a quiet machine, and 4-5 s while a
browser draws a page on the same two cores. That is most of what a replacement kernel in the
pool spends before it is ready, so the next team to open the page waited for it. The protocol
is small enough to speak directly: the kernel opens a websocket at ``voila/query/<kernel id>``
and Voila sends one JSON message holding the request's variables (``QUERY_STRING``, headers).
"""

from __future__ import annotations

import json
import os

from kit.settings import settings


def preheated() -> bool:
    """True in a kernel that Voila started ahead of any request (its pool)."""
    return os.environ.get("VOILA_PREHEAT", "False") != "False"


def request_url() -> str:
    """Where Voila hands this kernel its request, built as Voila builds it (base URL included)."""
    protocol = os.environ.get("VOILA_WS_PROTOCOL", "ws")
    host = os.environ.get("VOILA_APP_IP", "127.0.0.1")
    port = os.environ.get("VOILA_APP_PORT", "8866")
    base = os.environ.get("VOILA_WS_BASE_URL", os.environ.get("VOILA_SERVER_URL", "/"))
    return f"{protocol}://{host}:{port}{base}voila/query/{os.environ.get('VOILA_KERNEL_ID', '')}"


# Every wait here ends: the socket is re-opened this often (Voila replays a request that arrived
# while no socket was open), and a server that cannot be reached at all is given up on.
RECV_SECONDS = 20.0
UNREACHABLE_TRIES = 3


def wait_for_request(url: str | None = None, open_timeout: float = 5.0, recv_seconds: float = RECV_SECONDS) -> bool:
    """Block until Voila sends the request, then put its variables in `os.environ`.

    Returns False (and changes nothing) outside a preheated kernel or when Voila cannot be
    reached; the page then renders with the notebook's defaults, as Voila's helper does.
    The socket shows the server's secret (``KIT_QUERY_SECRET``, inherited from `kit serve`):
    only the server's own kernels may wait for requests (kit.server.QuerySocket).
    """
    if not preheated():
        return False
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect

    headers = {"X-Kit-Query-Secret": settings().query_secret}
    failures = 0
    while failures < UNREACHABLE_TRIES:
        try:
            with connect(url or request_url(), open_timeout=open_timeout, additional_headers=headers) as socket:
                failures = 0
                message = socket.recv(timeout=recv_seconds)
        except TimeoutError:
            continue  # no page yet: open the socket again, so a lost socket cannot strand this kernel
        except (OSError, WebSocketException):
            failures += 1
            continue
        return _apply(message)
    return False


def _apply(message: str | bytes) -> bool:
    try:
        variables = json.loads(message)
    except ValueError:
        return False
    if not isinstance(variables, dict):
        return False
    os.environ.update({str(k): str(v) for k, v in variables.items()})
    return True
