"""Voila serves the worksheets and nothing else: not the database, the content files or the code."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from tests.browser.conftest import pm

pytestmark = pytest.mark.browser

PATHS = [
    "/voila/files/../kit-data/kit.db",
    "/voila/files/%2e%2e/kit-data/kit.db",
    "/voila/files/%2e%2e%2fkit-data%2fkit.db",
    "/voila/files/home.ipynb",
    "/voila/files/../modules/diagnostics.yaml",
    "/voila/render/../src/kit/store.py",
    "/voila/render/%2e%2e%2fREADME.md",
    "/voila/static/../../../pyproject.toml",
    "/api/contents",
    "/api/contents/home.ipynb",
    "/api/kernels",
    "/files/home.ipynb",
]


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.parametrize("path", PATHS)
def test_files_outside_the_worksheets_are_not_served(server, path):
    status, body = fetch(server + path)
    assert status in (403, 404), (path, status)
    assert b"SQLite format" not in body and b"schema_version" not in body and b"import" not in body


def test_the_tree_lists_notebooks_only(server):
    assert fetch(server + "/voila/tree")[0] == 403  # for the program manager's link only
    status, body = fetch(pm(server + "/voila/tree"))
    assert status == 200
    assert b"kit-data" not in body and b"kit.db" not in body
