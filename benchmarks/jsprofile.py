"""Where a team page's first open goes: every script fetched, its bytes, and chromium's main-thread time.

Opens a team's workspace link (module 00) in a fresh browser context, `--opens` times (rotating over the
teams, so each open takes a ready pool kernel), with a Chrome trace (CDP Tracing, V8's sampling profiler
included) and the Network domain. Prints, per open, the phases (navigation → HTML's first byte → HTML
complete → load event → last script fetched → first `.kit-item` visible → module usable) and, over all
opens (medians), a table of scripts: wire bytes, compile time, evaluation time (the top-level run), and
the self time of the functions each script defines (sampled); then main-thread time by kind (script,
style, layout, paint, HTML parsing, GC, idle).

    .venv/bin/python benchmarks/jsprofile.py --base http://127.0.0.1:8899 --data $KIT_DATA [--opens 5]

or, on a fresh `kit serve` of its own: `.venv/bin/python benchmarks/jsprofile.py [--serve-args ...]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.serving import ARGS, CHROMIUM, kit_serve, team_tokens  # noqa: E402
from kit.content import all_modules  # noqa: E402

MODULE = "00_team"
ITEMS = {m.id: len(m.items()) for m in all_modules()}

# Marks, in the page's own clock: the first item visible, and the module usable (as benchmarks/room.py).
MARKS = """(() => {
  const module = %s, items = %d;
  const shown = (el) => el && el.offsetParent !== null;
  let first = false;
  const poll = () => {
    if (!first && shown(document.querySelector('.kit-item'))) { first = true; performance.mark('kit-first-item'); }
    const heading = document.querySelector(`h1[data-kit-module='${module}']`);
    if (shown(heading) && heading.closest('.kit-module-body').querySelectorAll('.kit-item').length >= items) {
      performance.mark('kit-usable');
      window.__kitUsable = performance.now();
      return;
    }
    setTimeout(poll, 20);
  };
  setTimeout(poll, 20);
})();"""

# The phases in the page's own clock (ms from navigation start).
PHASES = """(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const mark = (name) => (performance.getEntriesByName(name)[0] || {}).startTime;
  const usable = mark('kit-usable');
  const scripts = performance.getEntriesByType('resource')
    .filter((r) => r.initiatorType === 'script' && r.responseEnd <= usable).map((r) => r.responseEnd);
  return {'HTML first byte': nav.responseStart, 'HTML complete': nav.responseEnd,
          'DOMContentLoaded': nav.domContentLoadedEventEnd, 'load event': nav.loadEventStart,
          'last script fetched': Math.max(...scripts), 'first .kit-item visible': mark('kit-first-item'),
          'module usable': usable};
})()"""

CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8", "v8.execute",
              "disabled-by-default-v8.compile", "disabled-by-default-v8.cpu_profiler", "blink.user_timing",
              "loading", "toplevel", "disabled-by-default-devtools.timeline.frame", "latencyInfo"]

# Main-thread trace events by kind (self time, i.e. minus the events nested in them).
KIND = {
    "compile": {"v8.compile", "v8.compileModule", "V8.CompileCode", "V8.CompileLazy", "v8.parseOnBackground",
                "V8.ParseFunction", "v8.wasm.compile", "v8.produceCache", "v8.produceModuleCache",
                "v8.deserializeOnBackground", "V8.CompileEval", "v8.compileStreaming", "v8.finalize",
                "V8.ParseProgram", "v8.parseScript"},
    "script": {"EvaluateScript", "v8.evaluateModule", "FunctionCall", "v8.run", "V8.Execute", "v8.callFunction",
               "TimerFire", "EventDispatch", "RunMicrotasks", "FireAnimationFrame", "XHRReadyStateChange",
               "XHRLoad", "v8.callModuleMethodSafe", "V8.RunMicrotasks", "FireIdleCallback"},
    "gc": {"MajorGC", "MinorGC", "V8.GCScavenger", "V8.GCFinalizeMC", "BlinkGC.AtomicPhase", "GCEvent",
           "V8.GC_MC_BACKGROUND_MARKING", "V8.GCIncrementalMarking", "V8.GCCompactor", "CppGC.AtomicMark",
           "V8.GC_SCAVENGER", "ThreadState::performIdleLazySweep", "BlinkGC.IncrementalMarkingStep",
           "V8.GCIncrementalMarkingFinalize"},
    "style": {"UpdateLayoutTree", "RecalculateStyles", "ParseAuthorStyleSheet", "InvalidateLayout",
              "ScheduleStyleRecalculation", "StyleRecalcInvalidationTracking"},
    "layout": {"Layout", "UpdateLayerTree", "IntersectionObserverController::computeIntersections",
               "ComputeIntersections", "ResizeObserverController::DeliverObservations"},
    "paint": {"Paint", "PrePaint", "Layerize", "Commit", "CompositeLayers", "PaintImage", "UpdateLayer",
              "RasterTask", "Decode Image", "PaintSetup"},
    "html": {"ParseHTML"},
}
KIND_OF = {name: kind for kind, names in KIND.items() for name in names}


def short(url: str) -> str:
    if url.startswith("blob:"):
        return "blob:*"
    path = url.split("://", 1)[-1].split("/", 1)[-1]
    for prefix in ("voila/templates/kit/static/", "voila/static/", "voila/labextensions/"):
        if path.startswith(prefix):
            path = path[len(prefix):]
    return path.split("?", 1)[0] if ".js" in path or ".css" in path else path.split("?", 1)[0]


def ms(us: float) -> float:
    return us / 1000


class Open:
    """One open's network log and trace."""

    def __init__(self) -> None:
        self.requests: dict[str, dict] = {}
        self.events: list[dict] = []
        self.traced = asyncio.Event()
        self.phases: dict = {}

    def on_request(self, p: dict) -> None:
        self.requests[p["requestId"]] = {"url": p["request"]["url"], "type": p.get("type", ""), "sent": p["timestamp"],
                                         "wire": 0, "body": 0, "cached": False}

    def on_response(self, p: dict) -> None:
        r = self.requests.setdefault(p["requestId"], {"url": p["response"]["url"], "wire": 0, "body": 0})
        headers = {k.lower(): v for k, v in p["response"]["headers"].items()}
        r.update(status=p["response"]["status"], mime=p["response"].get("mimeType", ""),
                 cache=headers.get("cache-control", ""), encoding=headers.get("content-encoding", ""),
                 etag="etag" in headers, cached=p["response"].get("fromDiskCache") or r.get("cached", False),
                 type=p.get("type", r.get("type", "")))

    def on_data(self, p: dict) -> None:
        r = self.requests.get(p["requestId"])
        if r:
            r["body"] += p.get("dataLength", 0)

    def on_finished(self, p: dict) -> None:
        r = self.requests.get(p["requestId"])
        if r:
            r["wire"] = p.get("encodedDataLength", 0)
            r["done"] = p["timestamp"]

    def on_cache(self, p: dict) -> None:
        r = self.requests.get(p["requestId"])
        if r:
            r["cached"] = True


async def open_once(browser, url: str, trace: bool = True, context=None) -> tuple[Open, float]:
    own = context is None
    context = context or await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    await page.add_init_script(MARKS % (json.dumps(MODULE), ITEMS[MODULE]))
    cdp = await context.new_cdp_session(page)
    log = Open()
    cdp.on("Network.requestWillBeSent", log.on_request)
    cdp.on("Network.responseReceived", log.on_response)
    cdp.on("Network.dataReceived", log.on_data)
    cdp.on("Network.loadingFinished", log.on_finished)
    cdp.on("Network.requestServedFromCache", log.on_cache)
    cdp.on("Tracing.dataCollected", lambda p: log.events.extend(p["value"]))
    cdp.on("Tracing.tracingComplete", lambda p: log.traced.set())
    await cdp.send("Network.enable")
    if trace:
        await cdp.send("Tracing.start", {"traceConfig": {"includedCategories": CATEGORIES,
                                                         "recordMode": "recordAsMuchAsPossible"},
                                         "transferMode": "ReportEvents"})
    started = time.perf_counter()
    await page.goto(url, wait_until="commit", timeout=60000)
    await page.wait_for_function("window.__kitUsable !== undefined", timeout=60000, polling=50)
    wall = time.perf_counter() - started
    log.phases = await page.evaluate(PHASES)
    if trace:
        await asyncio.sleep(0.3)  # the trace's last events
        await cdp.send("Tracing.end")
        await asyncio.wait_for(log.traced.wait(), 300)
    await page.close(run_before_unload=True)
    if own:
        await context.close()
    return log, wall


def self_times(events: list[dict]) -> list[tuple[dict, float, dict | None]]:
    """(event, self µs, nearest enclosing event with a script URL) for the complete events of one thread."""
    spans = []
    opened: dict[str, list[dict]] = defaultdict(list)
    for e in events:
        if e.get("ph") == "X" and "dur" in e:
            spans.append((e["ts"], e["ts"] + e["dur"], e))
        elif e.get("ph") == "B":
            opened[e["name"]].append(e)
        elif e.get("ph") == "E" and opened.get(e["name"]):
            b = opened[e["name"]].pop()
            spans.append((b["ts"], e["ts"], {**b, "args": {**b.get("args", {}), **e.get("args", {})}}))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out = []
    stack: list[list] = []  # [start, end, event, child µs, url-event]

    def close(item: list) -> None:
        out.append((item[2], max(0.0, item[1] - item[0] - item[3]), item[4]))

    for start, end, e in spans:
        while stack and stack[-1][1] <= start:
            close(stack.pop())
        if stack:
            stack[-1][3] += min(end, stack[-1][1]) - start
        owner = e if script_url(e) else (stack[-1][4] if stack else None)
        stack.append([start, end, e, 0.0, owner])
    while stack:
        close(stack.pop())
    return out


def script_url(e: dict) -> str:
    data = e.get("args", {}).get("data") or e.get("args", {}).get("beginData") or {}
    if e["name"] in ("EvaluateScript", "v8.compile", "v8.compileModule", "v8.evaluateModule", "FunctionCall",
                     "v8.produceCache", "v8.produceModuleCache"):
        return data.get("url") or data.get("fileName") or ""
    if e["name"] == "v8.compile" or e["name"].startswith("v8.") or e["name"].startswith("V8."):
        return e.get("args", {}).get("fileName") or ""
    return ""


def group(url: str) -> str:
    """Which part of the page a script belongs to."""
    name = short(url)
    if name in MATHJAX_CHUNKS:
        return "MathJax 3 (typesetter)"
    if name.startswith("anywidget/"):
        return "anywidget (extension)"
    if name.startswith("@jupyter-widgets/"):
        return "jupyterlab-manager (ipywidgets)"
    if name.startswith("@voila-dashboards/"):
        return "widgets-manager8 (Voila)"
    if name.startswith("blob:") or "://" not in url:
        return "kit widgets' ES modules (blob)"
    if name == "voila-style.js":
        return "voila-style.js (CSS in JS)"
    if name.endswith(".voila.js") or name == "voila.js":
        return "Voila app (voila.js + chunks)"
    if "/voila/templates/kit/static/" in url:
        return "kit template static"
    return "page (inline)"


# The chunks @jupyterlab/mathjax-extension (MathJax 3) loads on the first typeset (chunk 3307's import()s).
MATHJAX_CHUNKS = {f"{c}.voila.js" for c in (4371, 2829, 7259, 6074, 4875, 4486, 6305, 7393, 225, 614, 2121, 1996,
                                            2772, 2296, 7245, 5992)}


def busy_ms(spans: list[tuple[float, float]]) -> float:
    total, end = 0.0, float("-inf")
    for start, finish in sorted(spans):
        if finish > end:
            total += finish - max(start, end)
            end = finish
    return ms(total)


def analyse(log: Open, wall: float) -> dict:
    result = {"wall": wall, "phases": log.phases, "net": {short(r["url"]): r for r in log.requests.values()
                                                          if "127.0.0.1" in r["url"] or r["url"].startswith("blob:")}}
    events = log.events
    if not events:
        return result
    pid = next(e["pid"] for e in events if e["name"] == "ParseHTML"
               and "voila/render/" in (e["args"].get("beginData") or {}).get("url", ""))
    main_tid = next(e["tid"] for e in events if e.get("ph") == "M" and e["name"] == "thread_name"
                    and e["pid"] == pid and e["args"]["name"] == "CrRendererMain")
    nav = next(e["ts"] for e in events if e["name"] == "navigationStart" and e.get("pid") == pid
               and (e["args"].get("data") or {}).get("documentLoaderURL", "").find("voila/render") >= 0)
    end = next(e["ts"] for e in events if e["name"] == "kit-usable" and e.get("pid") == pid)
    main = [e for e in events if e.get("pid") == pid and e.get("tid") == main_tid and nav <= e["ts"] <= end]
    kinds: dict[str, float] = defaultdict(float)
    per_url: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    names: dict[str, float] = defaultdict(float)
    for e, own, owner in self_times([e for e in main if e.get("ph") in ("X", "B", "E")]):
        if e["name"] in ("RunTask", "ThreadControllerImpl::RunTask", "ThreadPool_RunTask"):
            continue  # the task wrapper: its self time is the scheduler's
        kind = KIND_OF.get(e["name"], "other")
        kinds[kind] += own
        names[e["name"]] += own
        url = script_url(owner) if owner else ""
        if kind in ("compile", "script") and url:
            per_url[short(url)][kind] += own
    tasks = [(e["ts"], e["ts"] + e["dur"]) for e in main if e.get("ph") == "X"
             and e["name"] in ("RunTask", "ThreadControllerImpl::RunTask")]
    # CPU of the browser's other processes meanwhile (chromium's own UI pages, the GPU process...): not the page's
    others = [(e["ts"], e["ts"] + e["dur"]) for e in events if e.get("ph") == "X" and e.get("pid") != pid
              and e["name"] in ("RunTask", "ThreadControllerImpl::RunTask") and nav <= e["ts"] <= end]
    # Sampled self time per script (functions defined in it), from V8's profiler in the trace.
    nodes: dict[tuple, dict] = {}
    samples: dict[str, float] = defaultdict(float)
    for e in events:
        if e["name"] == "ProfileChunk" and e.get("pid") == pid:
            data = e["args"]["data"]
            prof = data.get("cpuProfile", {})
            for n in prof.get("nodes", []):
                nodes[(e["id"], n["id"])] = n["callFrame"]
            deltas = data.get("timeDeltas", [])
            for i, s in enumerate(prof.get("samples", [])):
                frame = nodes.get((e["id"], s), {})
                url = frame.get("url") or frame.get("functionName") or "?"
                samples[short(url) if "://" in url else url] += deltas[i + 1] if i + 1 < len(deltas) else 0
    # CPU time (thread time, so a loaded machine's waiting is left out) by chromium process, and the main thread's
    process = {e["pid"]: e["args"]["name"] for e in events if e.get("ph") == "M" and e["name"] == "process_name"}
    cpu: dict[str, float] = defaultdict(float)
    for e in events:
        if (e.get("ph") == "X" and e["name"] == "ThreadControllerImpl::RunTask" and "tdur" in e
                and nav <= e["ts"] <= end):
            name = "page renderer" if e["pid"] == pid else process.get(e["pid"], "?")
            cpu[name] += e["tdur"] / 1000
            if e["pid"] == pid and e["tid"] == main_tid:
                cpu["page main thread"] += e["tdur"] / 1000
    result.update(kinds=dict(kinds), per_url=per_url, names=dict(names), samples=dict(samples),
                  busy=busy_ms(tasks), others=busy_ms(others), span=ms(end - nav), cpu=dict(cpu))
    return result


def med(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def report(results: list[dict]) -> None:
    n = len(results)
    print(f"\n== phases, ms from navigation start (median of {n}; then each open)")
    for name in results[0]["phases"]:
        values = [r["phases"][name] for r in results if r["phases"].get(name) is not None]
        print(f"  {name:26s} {med(values):7.0f}   " + " ".join(f"{v:.0f}" for v in values))
    walls = [r["wall"] * 1000 for r in results]
    print(f"  {'(playwright: goto→usable)':26s} {med(walls):7.0f}   " + " ".join(f"{v:.0f}" for v in walls))
    traced = [r for r in results if "kinds" in r]
    if traced:
        print("\n== the page's main thread, navigation → usable, ms (median)")
        for kind in ("compile", "script", "gc", "style", "layout", "paint", "html", "other"):
            print(f"  {kind:8s} {med([r['kinds'].get(kind, 0) / 1000 for r in traced]):7.0f}")
        busy, span = med([r["busy"] for r in traced]), med([r["span"] for r in traced])
        print(f"  busy {busy:.0f} of {span:.0f}: idle (network, server, kernel) {span - busy:.0f};"
              f" chromium's other processes busy {med([r['others'] for r in traced]):.0f}")
        print("\n== CPU time (thread time), navigation → usable, ms (median; then each open)")
        names = {k for r in traced for k in r["cpu"]}
        for name in sorted(names, key=lambda k: -med([r["cpu"].get(k, 0) for r in traced])):
            values = [r["cpu"].get(name, 0) for r in traced]
            print(f"  {name:24s} {med(values):7.0f}   " + " ".join(f"{v:.0f}" for v in values))
    print("\n== scripts by part: count, wire KB, compile+evaluate of the top level ms, sampled self ms of"
          " their functions (median over opens)")
    parts: dict[str, list] = defaultdict(list)
    for r in results:
        sums: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0, 0])
        for u, q in r["net"].items():
            if q.get("type") != "Script" and ".js" not in u:
                continue
            g = group(q["url"])
            sums[g][0] += 1
            sums[g][1] += q["wire"]
            if "per_url" in r:
                sums[g][2] += sum(r["per_url"].get(u, {}).values()) / 1000
                sums[g][3] += r["samples"].get(u, 0) / 1000
        for g, v in sums.items():
            parts[g].append(v)
    for g, vs in sorted(parts.items(), key=lambda kv: -med([v[1] for v in kv[1]])):
        print(f"  {g:36s} {med([v[0] for v in vs]):4.0f} {med([v[1] for v in vs]) / 1024:7.0f}K "
              f"{med([v[2] for v in vs]):6.0f} {med([v[3] for v in vs]):6.0f}")
    print("\n== every script (median): wire KB, top-level compile+evaluate ms, sampled self ms, Cache-Control,"
          " Content-Encoding")
    urls = sorted({u for r in results for u, q in r["net"].items() if q.get("type") == "Script" or ".js" in u},
                  key=lambda u: -med([r["net"].get(u, {}).get("wire", 0) for r in results]))
    for u in urls:
        q = next(r["net"][u] for r in results if u in r["net"])
        seen = sum(1 for r in results if u in r["net"])
        top = med([sum(r["per_url"].get(u, {}).values()) / 1000 for r in traced]) if traced else 0
        samp = med([r["samples"].get(u, 0) / 1000 for r in traced]) if traced else 0
        print(f"  {u[:66]:66s} {med([r['net'][u]['wire'] for r in results if u in r['net']]) / 1024:6.0f}K "
              f"{top:5.0f} {samp:5.0f}  {q.get('cache', '') or '-'} {q.get('encoding', '') or '-'}"
              f"{'' if seen == n else f' ({seen}/{n} opens)'}")
    others = sorted({u for r in results for u, q in r["net"].items() if u not in urls})
    print("\n== other requests (wire KB, median)")
    for u in others:
        q = next(r["net"][u] for r in results if u in r["net"])
        print(f"  {u[:70]:70s} {med([r['net'][u]['wire'] for r in results if u in r['net']]) / 1024:6.0f}K "
              f"{q.get('cache', '') or '-'}")
    if traced:
        print("\n== sampled self time by script or V8 category (ms, median), top 20")
        keys = {k for r in traced for k in r["samples"]}
        for k in sorted(keys, key=lambda k: -med([r["samples"].get(k, 0) for r in traced]))[:20]:
            print(f"  {k[:80]:80s} {med([r['samples'].get(k, 0) / 1000 for r in traced]):7.0f}")
        print("\n== main-thread trace events by self time (ms, median), top 20")
        keys = {k for r in traced for k in r["names"]}
        for k in sorted(keys, key=lambda k: -med([r["names"].get(k, 0) for r in traced]))[:20]:
            print(f"  {k[:60]:60s} {med([r['names'].get(k, 0) / 1000 for r in traced]):7.0f}")


async def run(args: argparse.Namespace, servers: list[tuple[str, str, dict[str, str]]]) -> None:
    """`servers`: (label, base URL, tokens); with two, their opens alternate (A B A B...), so the load of a
    shared machine falls on both alike."""
    from playwright.async_api import async_playwright

    results: dict[str, list[dict]] = {label: [] for label, _, _ in servers}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for i in range(args.opens + args.warmup):
            for label, base, tokens in servers:
                teams = [d for d in tokens if d]
                d = teams[i % len(teams)]
                url = f"{base}/voila/render/workspace.ipynb?district={d}&module={MODULE}&token={tokens[d]}"
                log, wall = await open_once(browser, url, trace=args.trace)
                if i >= args.warmup:
                    result = analyse(log, wall)
                    results[label].append(result)
                    print(f"{label} open {i - args.warmup + 1} ({d}): usable after {wall:.2f} s; "
                          + ", ".join(f"{k} {v:.0f}" for k, v in result["phases"].items() if v is not None)
                          + f"; load average {os.getloadavg()[0]:.1f}", flush=True)
                    if args.save:
                        Path(args.save).mkdir(parents=True, exist_ok=True)
                        trace = Path(args.save) / f"trace-{label}-{i}.json"
                        trace.write_text(json.dumps({"traceEvents": log.events}))
                await asyncio.sleep(args.gap)
        await browser.close()
    for label, got in results.items():
        print(f"\n######## {label}")
        report(got)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opens", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="opens first, not counted (the server's first page)")
    parser.add_argument("--gap", type=float, default=8.0, help="seconds between opens (the pool refills)")
    parser.add_argument("--base", action="append", default=[],
                        help="a running kit serve, LABEL=URL (then --data: its KIT_DATA); twice to compare two")
    parser.add_argument("--data", action="append", default=[], help="each running kit serve's KIT_DATA")
    parser.add_argument("--serve-args", default="")
    parser.add_argument("--no-trace", dest="trace", action="store_false",
                        help="phases and network only (a trace with V8's profiler slows the page)")
    parser.add_argument("--save", help="a folder for the traces (open them in chromium's Performance panel)")
    args = parser.parse_args()
    if args.base:
        servers = [(*(b.split("=", 1) if "=" in b else (b, b)), team_tokens(Path(d)))
                   for b, d in zip(args.base, args.data, strict=True)]
        asyncio.run(run(args, servers))
        return
    with kit_serve(*args.serve_args.split()) as served:
        time.sleep(20)  # the pool fills
        asyncio.run(run(args, [("kit serve", served.base, team_tokens(served.data))]))


if __name__ == "__main__":
    main()
