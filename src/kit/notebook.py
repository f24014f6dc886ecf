"""What the thin notebooks call: one parameter contract for Jupyter, Voila and papermill.

Each notebook's `parameters` cell holds defaults for a sample district; papermill injects
values after it; under Voila the page's query string (``?district=windy-city``) wins.
`mode="auto"` shows live widgets under Voila and a static report elsewhere (papermill, nbval).
"""

from __future__ import annotations

import os
import uuid
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from markupsafe import Markup

from kit.content import Module, all_modules, get_module
from kit.districts import District, find_district, load_cohort
from kit.errors import InvalidFile, KitError
from kit.pages import render
from kit.paths import sample_cohort_dir
from kit.preheat import preheated, wait_for_request
from kit.report import css, flag_html, render_module
from kit.settings import settings
from kit.store import Store, page_store, report_store

_request_seen = False


def _await_request(charts: bool = False) -> None:
    """Under Voila's preheated kernels, do the slow imports now, then wait for the page request.

    A preheated kernel runs the notebook before anyone asks for it; the query string (which
    district) only exists once the request arrives, so everything that depends on it waits here.
    Bokeh (and numpy with it, about 40 MB a kernel) is imported for pages that may draw a chart: the
    workspace (any of its modules may) and the dashboard.
    """
    global _request_seen
    if _request_seen or not preheated():
        return
    import ipywidgets  # noqa: F401

    if charts:
        from bokeh.embed import json_item  # noqa: F401
        from bokeh.resources import Resources  # noqa: F401

        import kit.charts  # noqa: F401

    import kit.workspace  # noqa: F401  (and kit.worksheets, kit.widgets with it)

    all_modules()  # parse the content and the rules now, not while the team waits
    with suppress(Exception):
        from kit.diagnostics import load_rules

        load_rules()
    with suppress(Exception):  # a store that cannot open is reported on the page, after the request
        page_store()
    wait_for_request()
    _request_seen = True


def query() -> dict[str, str]:
    """The page's query string under Voila (empty elsewhere)."""
    _await_request()
    parsed = parse_qs(os.environ.get("QUERY_STRING", ""))
    return {k: v[0] for k, v in parsed.items() if v}


def resolve(name: str, value: str) -> str:
    """A parameter's value: the URL query string under Voila, else the injected or default value."""
    return query().get(name, value)


def under_voila() -> bool:
    return "voila" in os.environ.get("SERVER_SOFTWARE", "").lower() or "VOILA_KERNEL_ID" in os.environ


def cohort_dir() -> Path:
    return settings().cohort or sample_cohort_dir()


def convening_labels(store: Store | None) -> dict[str, str]:
    """"2" → "convening 2, 14 Jan 2027" for the cohort's recorded convenings."""
    return {c.key: c.label() for c in store.convenings(cohort_dir().name)} if store else {}


def which_convening(store: Store | None, convening: str) -> str:
    """The convening asked for, or (when none is) the cohort's latest."""
    convening = (convening or "").strip()
    if convening:
        return convening
    return store.current_convening(cohort_dir().name) if store else "1"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def device(user_agent: str) -> str:
    """A short, readable name for the device that saved an answer ("Chrome on Windows")."""
    browsers = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
    systems = [("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("CrOS", "Chromebook"),
               ("Windows", "Windows"), ("Mac OS", "Mac"), ("Linux", "Linux")]
    browser = next((name for mark, name in browsers if mark in user_agent), "a browser")
    system = next((name for mark, name in systems if mark in user_agent), "")
    return f"{browser} on {system}" if system else browser


def page_url(name: str, **params: str) -> str:
    """A link to another page of the kit that keeps this page's access token."""
    token = query().get("token")
    params = {**params, **({"token": token} if token else {})}
    return f"{name}.ipynb?{urlencode(params)}" if params else f"{name}.ipynb"


def link(module: Module | str, district: str, convening: str = "") -> str:
    """A district's workspace, open at `module` (an empty `convening`: the cohort's latest)."""
    name = module if isinstance(module, str) else module.id
    return page_url("workspace", district=district, module=name, **({"convening": convening} if convening else {}))


def access(store: Store | None, district_id: str | None) -> bool:
    """Whether this page's link opens `district_id` (None: the program manager's pages).

    Under `kit serve` every team has a link with a secret token (`kit links`); a district's
    token opens only that district's worksheets, the program manager's opens everything. Outside
    Voila (papermill, packets, nbval) and on a store without links, nothing is asked.
    """
    if not under_voila() or store is None or not store.guarded():
        return True
    found = store.holder(query().get("token", ""))
    if found is None or found[0] != cohort_dir().name:
        return False
    return found[1] == "" or (district_id is not None and found[1] == district_id)


def _denied_page(for_manager: bool = False) -> None:
    import ipywidgets as w

    who = ("This page is for the program manager. Your team's link opens your own district's worksheets."
           if for_manager else "This link does not open this worksheet. Use the link your program manager "
           "sent your team, or ask them for it again (`kit links`).")
    _display(w.HTML(render("kernel_page.html", css=css(), denied=True, title="No access", message=who, back=None)))


def _display(obj: Any) -> None:
    from IPython.display import display

    display(obj)


def _error_page(message: str, back: tuple[str, str] | None = None) -> None:
    """A page that cannot open, and `back`, (text, address) of a page this page's link does open, if any.

    Never a fixed "Back to the cohort": a team's link opens its own worksheets only, so that link led
    a team to "No access".
    """
    import ipywidgets as w

    _display(w.HTML(render("kernel_page.html", css=css(), denied=False, title="This worksheet cannot open",
                           message=message, back=back)))


def way_back(store: Store | None, district_id: str) -> tuple[str, str] | None:
    """Where an error page on a worksheet may send its reader: the cohort page for the program manager,
    the team's own first module for a team (when its district opens), nothing otherwise."""
    if is_manager(store):
        return "Back to the cohort", page_url("home")
    try:
        district = find_district(cohort_dir(), district_id)
    except KitError:
        return None
    return "Open your team's worksheets", link(all_modules()[0], district.id)


def is_manager(store: Store | None) -> bool:
    """Whether this page was opened with the program manager's link (or outside `kit serve`'s links).

    Only then may a page link to the cohort page, the dashboard or a guide: a team's link opens its
    own worksheets and nothing else, so such a link would lead a team to "No access".
    """
    return access(store, None)


def workspace(module: str = "", district: str = "windy-city", convening: str = "", mode: str = "auto") -> Any:
    """A team's workspace, open at `module` (the URL's ``?module=`` under Voila; if none, the module the
    program manager has sent the room to, else the first).

    Elsewhere (papermill, nbval) the module's static report, as `worksheet` gives.
    """
    _await_request(charts=True)
    module = resolve("module", module) or (under_voila() and _room_module()) or all_modules()[0].id
    return worksheet(module, district, convening, mode)


def _room_module() -> str:
    """The module the room is on (kit.room), or "" when none is set or the store cannot say."""
    from kit.room import load

    try:
        store = page_store()
        module = load(store, cohort_dir().name)[0].module if store else None
        return get_module(module).id if module else ""
    except Exception:  # noqa: BLE001 - only a starting point: the first module will do
        return ""


def worksheet(module_id: str, district: str = "windy-city", convening: str = "", mode: str = "auto") -> Any:
    """Show one module for one district: the team's workspace under Voila, a static report otherwise.

    An empty `convening` means the cohort's latest (`kit convening add`), or "1" before any is added.
    """
    _await_request(charts=True)
    asked_convening = resolve("convening", "")
    district_id, convening = resolve("district", district), resolve("convening", convening)
    # `mode` is never read from the URL: ?mode=report once showed any district's answers, token or not.
    if mode == "auto":
        mode = "live" if under_voila() else "report"
    if mode == "report":  # papermill and packets: errors raise, so a batch reports them
        from IPython.display import HTML

        module = get_module(module_id)
        profile = find_district(cohort_dir(), district_id)
        store = report_store()
        convening = which_convening(store, convening)
        answers = store.latest(profile.id, convening, module.id) if store else {}
        history = None
        if store and module.trends:
            labels = convening_labels(store)
            history = [(labels.get(k, f"convening {k}"), a) for k, a in store.over_time(profile.id, module.id,
                                                                                        convening)]
        return _display(HTML(render_module(module, profile, convening, answers, history=history)))
    try:
        store = page_store()
    except Exception as exc:  # noqa: BLE001 - shown as a page, never a traceback
        return _error_page(f"The answer store cannot be opened ({exc}). Tell the program manager.")
    if not access(store, district_id):  # before anything else: a wrong link learns nothing, not even names
        return _denied_page()
    try:
        module = get_module(module_id)
        profile = find_district(cohort_dir(), district_id)
    except InvalidFile as exc:
        return _error_page("; ".join(str(p) for p in exc.problems), way_back(store, district_id))
    except KitError as exc:
        return _error_page(str(exc), way_back(store, district_id))
    return _live(module, profile, convening, store, asked_convening)


def _live(module: Module, district: District, convening: str, store: Store, asked_convening: str = "") -> Any:
    from kit.workspace import Workspace

    try:
        convening = which_convening(store, convening)
        labels = convening_labels(store)
    except Exception as exc:  # noqa: BLE001 - shown as a page, never a traceback
        return _error_page(f"The answer store cannot be read ({exc}). Tell the program manager.")
    client = f"{device(os.environ.get('HTTP_USER_AGENT', ''))} · {uuid.uuid4().hex[:6]}"
    manager = is_manager(store)
    space = Workspace(district, convening, store, url=lambda m: link(m, district.id, asked_convening),
                      home=page_url("home") if manager else None, labels=labels, client=client,
                      cohort=cohort_dir().name)
    if not settings().template:  # kit serve's template has it; any module may draw a chart
        _load_bokehjs()
    space.open(module)
    _display(space.widget)
    space.room.start()
    return space


def guide_html(markdown: str) -> str:
    """A facilitator guide as HTML for the Voila page, with its repo links turned into page links."""
    import re

    import mistune

    html = mistune.create_markdown(escape=True, plugins=["table"])(markdown)

    def relink(match: re.Match[str]) -> str:
        target, text = match[1], match[2]
        if target.startswith("../notebooks/") and target.endswith(".ipynb"):
            page = target.removeprefix("../notebooks/").removesuffix(".ipynb")
            return str(Markup('<a href="{}">{}</a>').format(page_url(page), Markup(text)))
        if re.fullmatch(r"[\w-]+\.md", target):
            return str(Markup('<a href="{}">{}</a>').format(page_url("guide", module=target.removesuffix(".md")),
                                                            Markup(text)))
        if re.match(r"https?://", target):
            return match[0]
        return text  # content files and other repo paths are not served to the room: plain text, not a dead link

    return re.sub(r'<a href="([^"]*)">(.*?)</a>', relink, html, flags=re.S)


def guide(module: str = "") -> None:
    """Show a facilitator guide (or the index of guides) as a page."""
    import ipywidgets as w

    from kit.paths import guides_dir

    module = resolve("module", module)
    try:
        name = get_module(module).id if module and module not in ("README", "run-of-show") else (module or "README")
    except KitError as exc:  # guides are the program manager's pages (kit.access): the cohort page opens
        return _error_page(str(exc), ("Back to the cohort", page_url("home")))
    path = guides_dir() / f"{name}.md"
    if not path.is_file():
        return _error_page(f"There is no facilitator guide {name!r}.", ("Back to the cohort", page_url("home")))
    body = guide_html(path.read_text(encoding="utf-8"))
    page = Markup("<style>{}</style><div class='kit-page kit-guide'><p class='kit-meta'><a href='{}'>← Cohort</a> · "
                  "<a href='{}'>All guides</a></p>{}</div>")
    _display(w.HTML(str(page.format(Markup(css()), page_url("home"), page_url("guide"), Markup(body)))))


def _load_bokehjs() -> None:
    """Put BokehJS in the page once, for the charts (kit.widgets.BokehChart) outside `kit serve`.

    Only the core library (1.3 MB), not INLINE's widgets, tables, GL and MathJax (3.9 MB).
    (Displaying the JavaScript alone, without `output_notebook`, left the charts undrawn.)
    """
    from bokeh.io import output_notebook
    from bokeh.resources import Resources

    output_notebook(Resources(mode="inline", components=["bokeh"]), hide_banner=True)


def home(convening: str = "") -> None:
    """The cohort page: every district with a link to each module and how much is answered."""
    import ipywidgets as w

    store = Store.if_exists()
    if not access(store, None):
        return _denied_page(for_manager=True)
    districts, problems = load_cohort(cohort_dir())
    modules = all_modules()
    convening = which_convening(store, resolve("convening", convening))
    labels = convening_labels(store)
    done = store.answered_items(convening) if store else {}
    from kit.diagnostics import diagnose, load_rules

    try:
        rules = load_rules()
    except InvalidFile:
        rules = None
    rows = []
    for d in districts:
        cells = [(link(m, d.id, convening), round(100 * done.get((d.id, m.id), (0, None))[0] / max(len(m.items()), 1)))
                 for m in modules]
        flags = diagnose(store, d, convening, rules, cohort=cohort_dir().name) if rules is not None else None
        rows.append((d, cells, flags))
    from kit.widgets import ProjectorSwitch

    _display(ProjectorSwitch())
    # An ipywidgets HTML, not display(HTML): JupyterLab's output renderer swallows clicks on relative links.
    _display(w.HTML(render(
        "home.html", css=css(), heading=_capital(labels.get(convening, "convening " + convening)),
        districts=districts, modules=modules, total=sum(m.duration_minutes for m in modules), labels=labels,
        convening=convening, url=page_url, rows=rows, flag_html=flag_html, problems=[str(p) for p in problems])))


def room(convening: str = "") -> Any:
    """The program manager's room view: timer, who is done, answers side by side (kit.roomview)."""
    _await_request()
    store = page_store() if under_voila() else report_store()
    if not access(store, None):
        return _denied_page(for_manager=True)
    if store is None:
        return _error_page("There is no answer store yet: start the kit with `kit serve`.")
    from kit.roomview import RoomView

    districts, _problems = load_cohort(cohort_dir())
    convening = which_convening(store, resolve("convening", convening))
    view = RoomView(store, cohort_dir().name, districts, convening,
                    convening_labels(store).get(convening, f"convening {convening}"), home=page_url("home"))
    _display(view.widget)
    if under_voila():
        view.start()
    return view


def dashboard(convening: str = "", refresh: str = "30") -> Any:
    """The program manager's cohort dashboard; under Voila it refreshes itself every `refresh` seconds."""
    from kit.dashboard import Dashboard

    _await_request(charts=True)
    store = page_store() if under_voila() else report_store()
    if not access(store, None):
        return _denied_page(for_manager=True)
    districts, _problems = load_cohort(cohort_dir())
    convening = which_convening(store, resolve("convening", convening))
    try:
        seconds = min(max(float(resolve("refresh", refresh)), 1.0), 3600.0)
    except ValueError:
        seconds = 30.0
    if not settings().template:
        _load_bokehjs()
    board = Dashboard(store, districts, convening, convening_labels(store), refresh=seconds)
    _display(board.widget)
    if under_voila():
        board.start()
    return board
