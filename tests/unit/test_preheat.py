"""A preheated kernel's wait for its page request, spoken directly to Voila's websocket."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from websockets.sync.server import serve

from kit import preheat


@contextmanager
def voila_query_socket(message: str) -> Iterator[tuple[str, list[str]]]:
    """A stand-in for Voila's `voila/query/<kernel id>` handler: sends `message` to whoever connects."""
    paths: list[str] = []

    def handler(connection) -> None:
        paths.append(connection.request.path)
        connection.send(message)

    with serve(handler, "127.0.0.1", 0) as server:
        port = server.socket.getsockname()[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield str(port), paths
        finally:
            server.shutdown()
            thread.join(timeout=5)


@pytest.fixture
def preheated_kernel(monkeypatch):
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("VOILA_KERNEL_ID", "k-123")
    monkeypatch.setenv("VOILA_APP_IP", "127.0.0.1")
    monkeypatch.delenv("VOILA_WS_BASE_URL", raising=False)
    monkeypatch.setenv("VOILA_SERVER_URL", "/services/kit/")
    for name in ("QUERY_STRING", "HTTP_USER_AGENT"):  # absent now, and absent again after the test
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


def test_the_request_arrives_in_the_environment(preheated_kernel, monkeypatch):
    request = {"QUERY_STRING": "district=copper-mine&token=abc", "HTTP_USER_AGENT": "Firefox/140"}
    with voila_query_socket(json.dumps(request)) as (port, paths):
        monkeypatch.setenv("VOILA_APP_PORT", port)
        assert preheat.wait_for_request() is True
    assert paths == ["/services/kit/voila/query/k-123"]  # the base URL and kernel id, as Voila routes it
    assert os.environ["QUERY_STRING"] == "district=copper-mine&token=abc"
    assert os.environ["HTTP_USER_AGENT"] == "Firefox/140"


def test_outside_a_preheated_kernel_nothing_waits(monkeypatch):
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    monkeypatch.setenv("QUERY_STRING", "district=windy-city")
    assert preheat.wait_for_request("ws://127.0.0.1:9/never") is False
    assert os.environ["QUERY_STRING"] == "district=windy-city"


@pytest.mark.parametrize("message", ["not json", "[1, 2]", '"district=x"'])
def test_a_garbled_request_changes_nothing(preheated_kernel, monkeypatch, message):
    with voila_query_socket(message) as (port, _paths):
        monkeypatch.setenv("VOILA_APP_PORT", port)
        assert preheat.wait_for_request() is False
    assert "QUERY_STRING" not in os.environ


def test_no_voila_listening_returns_instead_of_hanging(preheated_kernel, monkeypatch):
    with voila_query_socket("{}") as (port, _paths):
        pass  # closed again: nothing listens on this port now
    monkeypatch.setenv("VOILA_APP_PORT", port)
    assert preheat.wait_for_request(open_timeout=2) is False


def test_a_preheated_worksheet_kernel_waits_without_importing_the_server(preheated_kernel, tmp_path):
    """A pool kernel does its imports, waits, then reads the request; Voila and jupyter_server stay out
    of it (importing them took 1.3 s and more before a replacement kernel in the pool was ready)."""
    code = ("import os, sys\n"
            "from kit import notebook\n"
            "notebook._await_request(charts=True)\n"
            "print(notebook.resolve('district', 'windy-city'))\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'voila', 'jupyter_server', 'jupyterlab_server'}))")
    with voila_query_socket(json.dumps({"QUERY_STRING": "district=copper-mine"})) as (port, paths):
        env = {**os.environ, "VOILA_APP_PORT": port, "KIT_DB_URL": f"sqlite:///{tmp_path / 'kit.db'}"}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["copper-mine", "[]"]
    assert paths == ["/services/kit/voila/query/k-123"]


def test_the_kernel_shows_the_servers_secret_when_it_asks(preheated_kernel, monkeypatch):
    """kit.server's query socket refuses anyone without it (a stranger could strand a pool kernel)."""
    seen: list[str | None] = []

    def handler(connection) -> None:
        seen.append(connection.request.headers.get("X-Kit-Query-Secret"))
        connection.send(json.dumps({"QUERY_STRING": "district=valley-view"}))

    monkeypatch.setenv("KIT_QUERY_SECRET", "s3cret")
    with serve(handler, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        monkeypatch.setenv("VOILA_APP_PORT", str(server.socket.getsockname()[1]))
        assert preheat.wait_for_request() is True
        server.shutdown()
    assert seen == ["s3cret"]


def test_a_socket_that_stays_silent_is_opened_again_not_waited_on_forever(preheated_kernel, monkeypatch):
    """A lost socket cannot strand a pool kernel: after a quiet spell the kernel asks again."""
    connections: list[int] = []

    def handler(connection) -> None:
        connections.append(1)
        if len(connections) >= 2:
            connection.send(json.dumps({"QUERY_STRING": "district=center-city"}))
        else:
            connection.recv()  # say nothing until the kernel gives up on this socket

    with serve(handler, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        monkeypatch.setenv("VOILA_APP_PORT", str(server.socket.getsockname()[1]))
        assert preheat.wait_for_request(recv_seconds=0.5) is True
        server.shutdown()
    assert len(connections) == 2 and os.environ["QUERY_STRING"] == "district=center-city"
