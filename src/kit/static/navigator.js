// The workspace's address bar: a team moves between modules inside one page (one kernel), and the
// browser's address follows, so a reload or a bookmark lands on the same module and the back and
// forward buttons move between modules. Links marked `data-kit-module` are real links (they open in
// a new tab as usual); a plain click asks the kernel to show that module instead of loading a page.
function moduleOf(href) {
  try {
    return new URL(href, window.location.href).searchParams.get("module");
  } catch (e) {
    return null;
  }
}

function announce(text) {
  const live = document.querySelector(".kit-navigator-status");
  if (live) live.textContent = text;
}

function focusHeading(module, tries) {
  const heading = document.querySelector(`h1[data-kit-module="${CSS.escape(module)}"]`);
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: true });
    window.scrollTo(0, 0);
    return;
  }
  if (tries > 0) window.requestAnimationFrame(() => focusHeading(module, tries - 1));
}

export default {
  initialize({ model }) {
    const onClick = (event) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey ||
          event.altKey) return;
      const link = event.target.closest ? event.target.closest("a[data-kit-module]") : null;
      if (!link) return;
      event.preventDefault();
      if (link.dataset.kitModule === model.get("module")) return;
      document.body.classList.add("kit-switching");
      announce(`Opening ${link.textContent.replace(/[←→]/g, "").trim()}…`);
      model.send({ go: link.dataset.kitModule });
    };
    const onPop = () => {
      const module = moduleOf(window.location.href);
      if (module && module !== model.get("module")) {
        document.body.classList.add("kit-switching");
        model.send({ go: module, back: true });
      }
    };
    const onMessage = (message) => {
      if (!message || !message.shown) return;
      const url = message.url ? new URL(message.url, window.location.href).href : "";
      if (url && url !== window.location.href) {
        if (message.push) window.history.pushState({ module: message.shown }, "", url);
        else window.history.replaceState({ module: message.shown }, "", url);
      }
      if (message.title) document.title = message.title;
      document.body.classList.remove("kit-switching");
      announce(message.announce || "");
      if (message.focus) focusHeading(message.shown, 120);
    };
    // The module the page opened on: its address and title (the "shown" message for it was sent
    // before this page was connected).
    const landed = model.get("url") ? new URL(model.get("url"), window.location.href).href : "";
    if (landed && moduleOf(landed) !== moduleOf(window.location.href)) {
      window.history.replaceState({ module: model.get("module") }, "", landed);
    }
    if (model.get("title")) document.title = model.get("title");
    // Tell the kernel once the first module is on the screen and the browser is idle: only then
    // does it build the other modules in the background, whose views this browser has to create too.
    let waiting = null;
    const whenIdle = window.requestIdleCallback || ((callback) => setTimeout(callback, 200));
    const drawn = () => {
      const heading = document.querySelector(`h1[data-kit-module="${CSS.escape(model.get("module"))}"]`);
      if (!heading || heading.offsetParent === null) {
        waiting = setTimeout(drawn, 250);
        return;
      }
      whenIdle(() => model.send({ drawn: model.get("module") }), { timeout: 5000 });
    };
    waiting = setTimeout(drawn, 250);
    document.addEventListener("click", onClick);
    window.addEventListener("popstate", onPop);
    model.on("msg:custom", onMessage);
    return () => {
      clearTimeout(waiting);
      document.removeEventListener("click", onClick);
      window.removeEventListener("popstate", onPop);
      model.off("msg:custom", onMessage);
    };
  },
  render({ el }) {
    // Said aloud by screen readers as a module opens; not shown.
    el.className += " kit-navigator-status";
    el.setAttribute("role", "status");
    el.setAttribute("aria-live", "polite");
  },
};
