"""The Voila server `kit serve` runs: Voila, with the kit's access rules applied before any kernel starts.

Jupyter Server's own doors are used where they fit:

- an **identity provider** (`LinkIdentity`) says which team links a request holds: the token in
  its URL, and the signed, HttpOnly, SameSite=Strict cookie a page sets for its own link, which the
  page's websocket and REST calls carry (they have no token in their URL);
- an **authorizer** (`LinkAuthorizer`) lets a kernel's routes (websocket, GET/DELETE, interrupt)
  through only for a request holding the link that started the kernel: a kernel id alone opens
  nothing.

Voila's `prelaunch_hook` cannot be combined with its kernel pool, and its page handler asks only
whether someone is logged in, not which page they may open, so the page rules and the limits sit
in a subclass of Voila's page handler (`Page`): a request without a valid link for that page gets
the "No access" page, with no kernel started or taken from the pool. Voila's shutdown and
pool-request routes, which ask no one, get the same checks. `python -m kit.server` runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import re
import secrets
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from jupyter_core.utils import ensure_async
from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.identity import IdentityProvider, User
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.log import log_request
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Type
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.static_file_handler import TemplateStaticFileHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler

from kit.access import MANAGER, WORKSPACE, page_allowed, plausible_token, token_hash
from kit.pages import render
from kit.pool import PACER
from kit.settings import Settings, settings
from kit.store import Store

COOKIE_PREFIX = "kit-link-"
QUERY_SECRET_HEADER = "X-Kit-Query-Secret"  # a pool kernel shows it when it asks for its request (kit.preheat)
HOLDER_CACHE_SECONDS = 5.0  # a rotated link stops working within this long
# A link's page waits this long at most for the link's previous page to be rendered, then goes anyway.
LINK_TURN_SECONDS = 90.0
# The page limits and the render slots are settings (kit.settings, which says why they are sized so).
# A page whose kernel has had no browser connected for this long is taken as left (a tab closed
# without saying so: phones and tablets often do not). Past a limit, such kernels of the same link
# or device are stopped first, so a team that moved through every module is never locked out.
ABANDONED_AFTER_SECONDS = 15.0
CONNECTION_CHECK_SECONDS = 5
# A page refused for a limit asks again this often by itself: a tab left open elsewhere is stopped
# within ABANDONED_AFTER_SECONDS and a check, so a team that waits gets in without reloading.
RETRY_SECONDS = 10


@dataclass(frozen=True)
class Link:
    """One team link: its cohort and district (MANAGER for the program manager's), named by its hash."""

    cohort: str
    district: str
    hashed: str

    @property
    def name(self) -> str:
        return f"{self.cohort}/{self.district or 'program-manager'}"


@dataclass
class LinkUser(User):
    """A request's identity: the link in its URL (`page_link`), and every link whose cookie it carries."""

    page_link: Link | None = None
    links: frozenset[Link] = field(default_factory=frozenset)

    def opens(self, owner: Link) -> bool:
        """Whether this request may use a kernel that `owner` started (a program manager's link opens all)."""
        return any(link == owner or (link.district == MANAGER and link.cohort == owner.cohort) for link in self.links)


@dataclass(eq=False)  # compared by identity: two pages of one link from one device are two owners
class Owner:
    link: Link
    address: str
    started: float = field(default_factory=time.monotonic)


class Gate:
    """The server's view of links and kernels: which link a token is, and which link owns each kernel."""

    def __init__(self) -> None:
        self._store: Store | None = None
        self._holders: dict[str, tuple[float, Link | None]] = {}
        self.owners: dict[str, Owner] = {}
        self.request: contextvars.ContextVar[Owner | None] = contextvars.ContextVar("kit_request", default=None)
        defaults = Settings.model_construct()
        self.max_per_link = defaults.max_pages_per_link
        self.max_per_address = defaults.max_pages_per_address
        self.render_slots = defaults.render_slots
        self._module_ids: set[str] | None = None
        self.pending: list[Owner] = []  # pages being rendered: they count against the limits before their kernel
        self._slots: asyncio.Semaphore | None = None
        self._link_turns: dict[Link, asyncio.Lock] = {}
        # When each kernel was last seen with a browser connected (time.monotonic()), noted every few
        # seconds: a page closed without a word is known by that, not by its kernel's last message (a
        # room view or dashboard kernel keeps sending updates with nobody watching).
        self.connected_at: dict[str, float] = {}
        self._watching = False

    @contextlib.asynccontextmanager
    async def turn(self, owner: Owner) -> AsyncIterator[None]:
        """Hold a render slot for `owner`'s page: one page per link at a time, `render_slots` in all."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.render_slots)
        self.pending.append(owner)
        link_turn = self._link_turns.setdefault(owner.link, asyncio.Lock())
        try:
            await asyncio.wait_for(link_turn.acquire(), LINK_TURN_SECONDS)
            held = True
        except TimeoutError:  # the link's previous page never finished: its team must not wait for good
            held = False
        try:
            async with self._slots:
                yield
        finally:  # (one lock per valid link is kept: a cohort has a handful)
            if held:
                link_turn.release()
            if owner in self.pending:  # still there when no kernel was claimed for it (a refusal, an error)
                self.pending.remove(owner)

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store()
        return self._store

    @property
    def module_ids(self) -> set[str]:
        """The worksheets' notebook names, read from the content at the first page (not at start:
        JupyterHub gives a service ten seconds to answer)."""
        if self._module_ids is None:
            from kit.content import all_modules

            self._module_ids = {m.id for m in all_modules()}
        return self._module_ids

    def link_of_hash(self, hashed: str) -> Link | None:
        now = time.monotonic()
        cached = self._holders.get(hashed)
        if cached and now - cached[0] < HOLDER_CACHE_SECONDS:
            return cached[1]
        found = self.store.holder_of_hash(hashed)
        link = Link(found[0], found[1], hashed) if found else None
        if len(self._holders) > 10_000:  # junk cookies cannot grow it without bound
            self._holders.clear()
        self._holders[hashed] = (now, link)
        return link

    def link_of_token(self, token: str) -> Link | None:
        return self.link_of_hash(token_hash(token)) if plausible_token(token) else None

    def claim(self, kernel_id: str) -> None:
        """Give `kernel_id` to the request being served (started for it, or taken from the pool)."""
        owner = self.request.get()
        if owner is not None:
            self.owners[kernel_id] = owner
            if owner in self.pending:
                self.pending.remove(owner)

    def prune(self, alive: Iterable[str]) -> None:
        alive = set(alive)
        for kernel_id in [k for k in self.owners if k not in alive]:
            del self.owners[kernel_id]
        for kernel_id in [k for k in self.connected_at if k not in alive]:
            del self.connected_at[kernel_id]

    def watch_connections(self, kernel_manager: Any) -> None:
        """Note, every few seconds, which pages' kernels have a browser connected (started once)."""
        if self._watching:
            return
        from tornado.ioloop import PeriodicCallback

        def note() -> None:
            now = time.monotonic()
            for kernel_id in list(self.owners):
                if kernel_id in kernel_manager and kernel_manager.kernel_model(kernel_id).get("connections", 0):
                    self.connected_at[kernel_id] = now

        PeriodicCallback(note, CONNECTION_CHECK_SECONDS * 1000).start()
        self._watching = True

    def left_for(self, kernel_id: str) -> float:
        """Seconds since the kernel's page was last seen connected (0: never seen, or still is)."""
        seen = self.connected_at.get(kernel_id)
        return time.monotonic() - seen if seen is not None else 0.0

    def over_limit(self, link: Link, address: str) -> str | None:
        """Why a new page for this link from this address would pass a limit, or None."""
        held = [*self.owners.values(), *self.pending]
        if self.max_per_link and sum(o.link == link for o in held) >= self.max_per_link:
            return (f"This link already has {self.max_per_link} pages open. Close the kit's tabs you are not "
                    "using; pages left open elsewhere close by themselves within a minute.")
        if self.max_per_address and sum(o.address == address for o in held) >= self.max_per_address:
            return (f"This device already has {self.max_per_address} of the kit's pages open. Close the kit's"
                    " tabs you are not using; pages left open close by themselves within a minute.")
        return None


GATE = Gate()


class ScrubTokens(logging.Filter):
    """Every log line with `token=…` shows `token=[secret]`: Jupyter's request log does, tornado's errors did not."""

    pattern = re.compile(r"(token=)[^&\s'\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token=" in message:
            record.msg, record.args = self.pattern.sub(r"\1[secret]", message), ()
        return True


# -- identity and authorization (Jupyter Server's own extension points) ---------------------------


class LinkIdentity(IdentityProvider):
    """Identify a request by the team links it holds; every other request is anonymous (None)."""

    @property
    def auth_enabled(self) -> bool:
        return True

    def get_handlers(self) -> list[tuple[str, object]]:
        return [(r"/login", NoAccess), (r"/logout", NotFound)]

    def get_user(self, handler: web.RequestHandler) -> LinkUser | None:
        page_link = None
        token = handler.get_query_argument("token", "")
        if token:
            page_link = GATE.link_of_token(token)
        links = set()
        for name in handler.request.cookies:
            if name.startswith(COOKIE_PREFIX):
                value = handler.get_secure_cookie(name, max_age_days=2)
                link = GATE.link_of_hash(value.decode()) if value else None
                if link is not None and cookie_name(link) == name:
                    links.add(link)
        if page_link is not None:
            # Set (again) unless a valid cookie of this link came: one signed before a restart of the
            # server (a new cookie secret) is still sent, and left in place it refused the page's kernel.
            if page_link not in links:
                handler.set_secure_cookie(
                    cookie_name(page_link), page_link.hashed, expires_days=1, httponly=True, samesite="Strict",
                    path=handler.base_url, secure=handler.request.protocol == "https")
            links.add(page_link)
        if not links:
            return None
        name = (page_link or min(links, key=lambda link: link.name)).name
        return LinkUser(username=name, name=name, page_link=page_link, links=frozenset(links))

    def validate_security(self, app: Any, ssl_options: dict[str, Any] | None = None) -> None:
        """Jupyter's warnings about running without a password do not apply: every link carries a secret."""


def cookie_name(link: Link) -> str:
    return COOKIE_PREFIX + link.hashed.removeprefix("sha256:")[:16]


def kernel_id_of(handler: web.RequestHandler) -> str:
    return handler.path_kwargs.get("kernel_id") or (handler.path_args[0] if handler.path_args else "")


class LinkAuthorizer(Authorizer):
    """A kernel's routes answer only the link that started the kernel (or its cohort's program manager)."""

    def is_authorized(self, handler: web.RequestHandler, user: User, action: str, resource: str) -> bool:
        if not isinstance(user, LinkUser):
            return False
        if resource != "kernels":
            return True
        kernel_id = kernel_id_of(handler)
        if kernel_id not in handler.kernel_manager:  # gone: let the route say 404 (the page's "no longer connected")
            return True
        owner = GATE.owners.get(kernel_id)
        return owner is not None and user.opens(owner.link)


# -- handlers ---------------------------------------------------------------------------------------

def refusal_page(handler: web.RequestHandler, status: int, title: str, message: str, retry_seconds: int = 0) -> None:
    """A page with no kernel; with `retry_seconds`, one that loads itself again that often (a full room)."""
    handler.set_status(status)
    handler.set_header("Content-Type", "text/html; charset=UTF-8")
    handler.set_header("Cache-Control", "no-store")
    if retry_seconds:
        handler.set_header("Retry-After", str(retry_seconds))
    handler.finish(render("refusal.html", title=title, message=message, retry_seconds=retry_seconds))


DENIED = ("This link does not open this page. Use the link your program manager sent your team, or ask them"
          " for it again.")


class Page(TornadoVoilaHandler):
    """A worksheet, the cohort page, the dashboard or a guide: checked here, before any kernel."""

    async def get(self, path: str | None = None) -> Any:
        user = self.current_user
        link = user.page_link if isinstance(user, LinkUser) else None
        params = {k: v[0] for k, v in parse_qs(self.request.query).items() if v}
        notebook = (path or "").rsplit("/", 1)[-1]
        if link is None or not page_allowed(link.district, notebook, params, GATE.module_ids):
            return refusal_page(self, 403, "No access", DENIED)
        module = notebook.removesuffix(".ipynb")
        if module in GATE.module_ids:  # an old per-module link: the team's workspace, open at that module
            return self.redirect(f"{WORKSPACE}.ipynb?{urlencode({**params, 'module': module})}")
        GATE.prune(self.kernel_manager.list_kernel_ids())
        GATE.watch_connections(self.kernel_manager)
        address = client_address(self.request)
        reason = GATE.over_limit(link, address)
        if reason:
            await self.stop_abandoned(lambda owner: owner.link == link or owner.address == address)
            reason = GATE.over_limit(link, address)
        if reason:
            return refusal_page(self, 429, "Too many open pages", reason, retry_seconds=RETRY_SECONDS)
        owner = Owner(link, address)
        GATE.request.set(owner)  # the kernel started (or taken from the pool) for this request is claimed for it
        async with GATE.turn(owner):
            with PACER.page():  # the pool's replacements wait while pages render (kit.pool)
                return await super().get(path)


    async def stop_abandoned(self, mine: Any) -> None:
        """Stop the kernels of `mine` (a test on owners) that no browser has used for a while, oldest first."""
        from datetime import UTC, datetime

        now = datetime.now(UTC)
        for kernel_id, owner in sorted(GATE.owners.items(), key=lambda pair: pair[1].started):
            if not mine(owner) or kernel_id not in self.kernel_manager:
                continue
            model = self.kernel_manager.kernel_model(kernel_id)
            last = model.get("last_activity")
            quiet = (now - datetime.fromisoformat(str(last).replace("Z", "+00:00"))).total_seconds() if last else 0.0
            # Quiet (no message either way), or a kernel still talking to a page no browser has had
            # open since a check at least ABANDONED_AFTER_SECONDS ago.
            left = GATE.left_for(kernel_id)
            if model.get("connections", 0) == 0 and max(quiet, left) > ABANDONED_AFTER_SECONDS:
                self.log.info("Stopping kernel %s: its page was left (no browser for %.0f s)", kernel_id, quiet)
                await ensure_async(self.kernel_manager.shutdown_kernel(kernel_id))


def client_address(request: Any) -> str:
    """The device's address: the peer's, or the one a proxy on this machine (JupyterHub's) forwarded."""
    peer = request.remote_ip or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded and peer in ("127.0.0.1", "::1"):
        return forwarded.split(",")[-1].strip() or peer
    return peer


class Tree(TornadoVoilaTreeHandler):
    """Voila's notebook listing: for the program manager only."""

    async def get(self, path: str = "") -> Any:
        user = self.current_user
        if not isinstance(user, LinkUser) or user.page_link is None or user.page_link.district != MANAGER:
            return refusal_page(self, 403, "No access", DENIED)
        return await super().get(path)


class Shutdown(VoilaShutdownKernelHandler):
    """Voila's "the page is closing, stop its kernel" call, for the kernel's own link only."""

    async def post(self, kernel_id: str) -> None:
        if not self.authorizer.is_authorized(self, self.current_user, "write", "kernels"):
            raise web.HTTPError(403)
        await super().post(kernel_id)


class QuerySocket(RequestInfoSocketHandler):
    """Where a pool kernel waits for its page request: only the server's own kernels may connect.

    Voila's handler accepted anyone, and its `on_close` deleted the last waiter in its table when the
    closing socket was not found there (voila/request_info_handler.py, `on_close`: the loop's
    variable outlives the loop), so a stranger's socket on a kernel id could strand another
    page's kernel. Here each socket removes only itself.
    """

    def prepare(self) -> None:
        expected = settings().query_secret
        given = self.request.headers.get(QUERY_SECRET_HEADER, "")
        if not expected or not secrets.compare_digest(given, expected):
            raise web.HTTPError(403)

    def open(self, kernel_id: str) -> None:  # type: ignore[override]
        PACER.ready(kernel_id)  # started and waiting for its page: the next pool kernel may start
        super().open(kernel_id)

    def on_close(self) -> None:
        waiters = RequestInfoSocketHandler._waiters
        for kernel_id in [k for k, waiter in waiters.items() if waiter is self]:
            del waiters[kernel_id]


class NoAccess(JupyterHandler):
    """Where Jupyter sends a request it could not identify (its "login" page): the kit has no logins."""

    def get(self) -> None:
        refusal_page(self, 403, "No access", DENIED)


class NotFound(JupyterHandler):
    """Any route the kit does not serve: a plain 404, never a traceback."""

    def prepare(self) -> None:
        refusal_page(self, 404, "Not found", "There is no page at this address. Use the link your program"
                     " manager sent your team.")

    def get(self) -> None:  # prepare() has answered
        pass


class TemplateFiles(TemplateStaticFileHandler):
    """/voila/templates/<template>/static/<file>: any other shape is a 404 (Voila's answered 500 with a traceback)."""

    def parse_url_path(self, path: str) -> str:
        parts = path.split("/", 2)
        if len(parts) < 3 or parts[1] != "static" or not parts[2]:
            raise web.HTTPError(404)
        return super().parse_url_path(path)

    @classmethod
    def get_absolute_path(cls, root: str, path: str) -> str:
        try:
            return super().get_absolute_path(root, path)
        except (AssertionError, ValueError):
            raise web.HTTPError(404) from None


class KitKernelManager(AsyncMappingKernelManager):
    """Records which link each kernel was started for (with the pool: taken for; see `_claim_pooled`),
    and paces the pool's refills (kit.pool)."""

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
        if kwargs.get("env", {}).get("VOILA_PREHEAT") == "True" and not kwargs.get("kernel_id"):
            task = asyncio.current_task()  # Voila's pool holds the task of each start, until a page takes it
            await PACER.turn(lambda: not any(task in pool for pool in getattr(self, "_pools", {}).values()))
            kwargs["kernel_id"] = str(uuid.uuid4())  # named now, so it counts as starting from now on
            PACER.started(kwargs["kernel_id"])
            try:
                # No claim: a spare belongs to nobody until a page takes it (`_claim_pooled`). Its start
                # runs in a task made inside the page request that took the last spare, with that
                # request's owner in its context: claimed here, it counted against that team's limits.
                return await super().start_kernel(*args, **kwargs)
            except BaseException:
                PACER.ready(kwargs["kernel_id"])
                raise
        kernel_id = await super().start_kernel(*args, **kwargs)
        GATE.claim(kernel_id)
        return kernel_id

    async def shutdown_kernel(self, kernel_id: str, *args: Any, **kwargs: Any) -> None:
        try:
            await super().shutdown_kernel(kernel_id, *args, **kwargs)
        finally:  # after: while it stops, its routes still answer its own link only
            GATE.owners.pop(kernel_id, None)
            RequestInfoSocketHandler._cache.pop(kernel_id, None)
            PACER.ready(kernel_id)


_send_updates = RequestInfoSocketHandler.send_updates.__func__  # type: ignore[attr-defined]


def _claim_pooled(cls: type, msg: dict[str, Any]) -> None:
    """Voila hands a pool kernel its request here, inside the page request's task: claim it for that link.

    The request is also kept for the kernel's next socket. A waiting kernel opens a new socket every
    20 s (kit.preheat); Voila wrote the request to the socket it had, or kept it only when there was
    none, so a request written to a socket the kernel had just closed was lost: that page never
    finished, and its link's later pages waited behind it (seen under load in benchmarks/room.py).
    """
    RequestInfoSocketHandler._cache[msg["kernel_id"]] = msg["payload"]
    GATE.claim(msg["kernel_id"])
    _send_updates(cls, msg)


RequestInfoSocketHandler.send_updates = classmethod(_claim_pooled)  # type: ignore[method-assign,assignment]


REPLACED = {TornadoVoilaHandler: Page, TornadoVoilaTreeHandler: Tree, VoilaShutdownKernelHandler: Shutdown,
            RequestInfoSocketHandler: QuerySocket, TemplateStaticFileHandler: TemplateFiles}


class KitVoila(Voila):
    """Voila with the kit's identity provider, authorizer, page rules, kernel manager and logging."""

    identity_provider_class = Type(default_value=LinkIdentity, klass=IdentityProvider, config=True)
    authorizer_class = Type(default_value=LinkAuthorizer, klass=Authorizer, config=True)

    def initialize(self, argv: list[str] | None = None) -> None:
        super().initialize(argv)
        for name in ("tornado.application", "tornado.access", "tornado.general"):
            logging.getLogger(name).addFilter(ScrubTokens())
        self.log.addFilter(ScrubTokens())
        self.voila_configuration.multi_kernel_manager_class = KitKernelManager
        os.environ.setdefault("KIT_QUERY_SECRET", secrets.token_urlsafe(24))  # the kernels inherit it
        configured = settings()
        GATE.max_per_link = configured.max_pages_per_link
        GATE.max_per_address = configured.max_pages_per_address
        GATE.render_slots = configured.render_slots

    def init_settings(self) -> dict[str, Any]:
        settings = super().init_settings()
        settings.update(
            log_function=log_request,  # Jupyter's: scrubs ?token= from every logged URL
            allow_unauthenticated_access=True,  # static files; every page and kernel route checks itself
            default_handler_class=NotFound,
            headers={"Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"},
        )
        return settings

    def init_handlers(self) -> list[Any]:
        handlers = []
        for route in super().init_handlers():
            pattern, handler, *rest = route
            handlers.append((pattern, REPLACED.get(handler, handler), *rest))
        return handlers


def main(argv: list[str] | None = None) -> None:
    KitVoila.launch_instance(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
