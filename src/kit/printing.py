"""Print a packet to PDF with headless chromium, after its charts have drawn.

Chromium's own `--print-to-pdf` prints as soon as the page has loaded, before BokehJS has drawn
the charts, so most of them came out blank. Here chromium is driven over the DevTools protocol
on a pipe (`--remote-debugging-pipe`: no port is opened): the page is laid out at the printed
page's width with the print style sheet, the script waits until BokehJS has drawn every chart,
puts a picture of each chart in its place (one image per chart, never wider than the page),
then asks for the PDF.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import tempfile
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

from kit.atomic import atomic_path
from kit.errors import KitError

# US Letter with half-inch margins: the page's text is 7.5 in = 720 CSS pixels wide.
PAPER = {"paperWidth": 8.5, "paperHeight": 11, "marginTop": 0.5, "marginBottom": 0.5, "marginLeft": 0.5,
         "marginRight": 0.5}
TEXT_WIDTH = round((PAPER["paperWidth"] - PAPER["marginLeft"] - PAPER["marginRight"]) * 96)

# Resolves to the number of charts once every BokehJS root in the page has drawn and been replaced
# by a picture of itself; rejects, naming how many did not draw, after `limit` ms.
CHARTS_AS_PICTURES = """
async (limit) => {
  const roots = [...document.querySelectorAll('[data-root-id]')];
  const view = (el) => window.Bokeh && window.Bokeh.index[el.dataset.rootId];
  const drawn = (el) => { const v = view(el); return Boolean(v && v.has_finished()); };
  const deadline = Date.now() + limit;
  while (!roots.every(drawn)) {
    if (Date.now() > deadline) {
      throw new Error(`${roots.filter((el) => !drawn(el)).length} of ${roots.length} charts did not draw`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (const el of roots) {
    const v = view(el);
    const img = document.createElement('img');
    img.src = v.export('png', true).canvas.toDataURL('image/png');
    img.alt = (v.model.title && v.model.title.text) || 'chart';
    img.className = 'kit-chart-print';
    img.style.width = `${Math.round(v.el.getBoundingClientRect().width)}px`;
    el.after(img);
    el.style.display = 'none';
    await img.decode();
  }
  return roots.length;
}
"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise KitError("--pdf needs chromium — install it with `apt-get install chromium`")


class DevTools:
    """A headless chromium and its DevTools protocol on a pipe: chromium reads commands on its
    fd 3 and writes replies and events on its fd 4, each message JSON ended by a NUL byte."""

    def __init__(self, profile: Path, timeout: float):
        if not hasattr(os, "posix_spawn"):
            raise KitError("--pdf needs a POSIX system (Linux or macOS) to drive chromium")
        self.deadline = time.monotonic() + timeout
        self.log = profile / "chromium.log"
        commands_in, commands_out = os.pipe()
        replies_in, replies_out = os.pipe()
        # Above 9, so that moving them to chromium's fds 3 and 4 cannot overwrite one another.
        child_in = fcntl.fcntl(commands_in, fcntl.F_DUPFD_CLOEXEC, 10)
        child_out = fcntl.fcntl(replies_out, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(commands_in)
        os.close(replies_out)
        argv = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-extensions", f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"]
        try:
            self.pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, str(self.log), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
                (os.POSIX_SPAWN_DUP2, 1, 2),
                (os.POSIX_SPAWN_DUP2, child_in, 3),
                (os.POSIX_SPAWN_DUP2, child_out, 4),
            ])
        finally:
            os.close(child_in)
            os.close(child_out)
        self.writer, self.reader = commands_out, replies_in
        self.buffer = b""
        self.events: list[dict[str, Any]] = []
        self.last_id = 0

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send one command and wait for its reply (events that arrive meanwhile are kept)."""
        self.last_id += 1
        message: dict[str, Any] = {"id": self.last_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self.writer, data):]
        while True:
            reply = self.receive()
            if reply.get("id") == self.last_id:
                if "error" in reply:
                    raise KitError(f"chromium refused {method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, event: str) -> dict[str, Any]:
        while True:
            for n, found in enumerate(self.events):
                if found.get("method") == event:
                    return self.events.pop(n)
            self.events.append(self.receive())

    def receive(self) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            left = self.deadline - time.monotonic()
            if left <= 0 or not select.select([self.reader], [], [], left)[0]:
                raise KitError("chromium did not finish the PDF in time")
            chunk = os.read(self.reader, 1 << 20)
            if not chunk:
                raise KitError(f"chromium stopped: {self.stderr()}")
            self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(message)

    def stderr(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace").strip()[-200:]
        except OSError:
            return ""

    def close(self) -> None:
        with suppress(KitError, OSError):  # chromium may exit before it answers
            self.send("Browser.close")
        os.close(self.writer)
        os.close(self.reader)
        for _ in range(50):
            if os.waitpid(self.pid, os.WNOHANG) != (0, 0):
                return
            time.sleep(0.1)
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)


def print_pdf(html: Path, timeout: float = 180.0) -> Path:
    """Print a packet to PDF next to the HTML, once every chart has drawn; returns the PDF's path."""
    target = html.with_suffix(".pdf")
    with tempfile.TemporaryDirectory() as profile:
        browser = DevTools(Path(profile), timeout)
        try:
            target_id = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = browser.send("Target.attachToTarget", {"targetId": target_id, "flatten": True})["sessionId"]
            # Laid out as it will print, so that each chart is drawn at the width it will have on paper.
            browser.send("Emulation.setDeviceMetricsOverride", {"width": TEXT_WIDTH, "height": 1000,
                                                                "deviceScaleFactor": 2, "mobile": False}, session)
            browser.send("Emulation.setEmulatedMedia", {"media": "print"}, session)
            browser.send("Page.enable", {}, session)
            browser.send("Page.navigate", {"url": html.resolve().as_uri()}, session)
            browser.wait_for("Page.loadEventFired")
            limit = max(1000, round((browser.deadline - time.monotonic()) * 1000) - 5000)
            drawn = browser.send("Runtime.evaluate", {
                "expression": f"({CHARTS_AS_PICTURES})({limit})", "awaitPromise": True, "returnByValue": True,
            }, session)
            if "exceptionDetails" in drawn:
                problem = drawn["exceptionDetails"].get("exception", {}).get("description", "a script error")
                raise KitError(f"could not draw the charts of {html}: {problem.splitlines()[0]}")
            pdf = browser.send("Page.printToPDF", {**PAPER, "printBackground": True}, session)
        finally:
            browser.close()
    with atomic_path(target) as tmp:  # two runs printing the same packet never share a temporary file
        tmp.write_bytes(base64.b64decode(pdf["data"]))
    return target
