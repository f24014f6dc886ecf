"""Who a team link lets in: token hashes, and which pages a link opens.

The server (kit.server) applies these rules to every request before a kernel is started or taken
from the pool; the notebooks apply them again inside the kernel (kit.notebook.access).
"""

from __future__ import annotations

import hashlib
import re

MANAGER = ""  # the district of the program manager's link: it opens every page of its cohort
HASH_PREFIX = "sha256:"
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")  # what secrets.token_urlsafe makes


def token_hash(token: str) -> str:
    """What the store keeps of a token: its SHA-256, so a copy of the database opens no page.

    A plain hash (no salt, no stretching) is enough: tokens are 144 random bits, not passwords.
    """
    return HASH_PREFIX + hashlib.sha256(token.encode("utf-8")).hexdigest()


def plausible_token(token: str) -> bool:
    """Cheap shape check before any lookup: a URL's junk never reaches the database."""
    return bool(TOKEN_PATTERN.fullmatch(token))


WORKSPACE = "workspace"  # the notebook in which a team's modules take turns (kit.workspace)


def page_allowed(link_district: str, notebook: str, params: dict[str, str], module_ids: set[str]) -> bool:
    """Whether a link (its district; MANAGER for the program manager's) opens `notebook` with `params`.

    A team's link opens its own district's workspace (and the module worksheets that lead to it) and
    nothing else: not the cohort page, the dashboard, the guides, or another district's answers.
    """
    if link_district == MANAGER:
        return True
    page = notebook.removesuffix(".ipynb")
    return (page in module_ids or page == WORKSPACE) and params.get("district") == link_district
