// The "Projector mode" switch of the dashboard and the cohort page (kit.widgets.ProjectorSwitch): a
// button with aria-pressed that puts the class `kit-projector` on the page's root element, which
// kit.css keys the projector sizing on (text from 18 px, the whole width). The choice is this
// browser's (localStorage), so a reload, the other page and another tab of the same browser keep it;
// a device that never chose gets projector mode, as these pages are run on a projector. The kit's
// Voila template sets the class before the page draws (no jump from narrow to wide); the same rule
// is here for pages served without that template.
const KEY = "kit-projector";

function chosen() {
  try { return window.localStorage.getItem(KEY) !== "off"; } catch (e) { return true; }
}

function apply(on) {
  const root = document.documentElement;
  if (root.classList.contains("kit-projector") === on) return;
  root.classList.toggle("kit-projector", on);
  // Bokeh's stretch-width charts follow their container on a window resize, not on a class change.
  window.dispatchEvent(new Event("resize"));
}

export default {
  render({ el }) {
    el.classList.add("kit-projector-switch");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "kit-projector-button";
    const mark = document.createElement("span");  // the switch's look; aria-pressed says it to a screen reader
    mark.className = "kit-projector-mark";
    mark.setAttribute("aria-hidden", "true");
    const state = document.createElement("span");
    state.className = "kit-projector-state";
    state.setAttribute("aria-hidden", "true");
    button.append(mark, "Projector mode", state);
    el.append(button);
    const show = (on) => {
      button.setAttribute("aria-pressed", on ? "true" : "false");
      state.textContent = on ? "on" : "off";
      apply(on);
    };
    button.addEventListener("click", () => {
      const on = button.getAttribute("aria-pressed") !== "true";
      try { window.localStorage.setItem(KEY, on ? "on" : "off"); } catch (e) { /* private mode: this page only */ }
      show(on);
    });
    const follow = (event) => { if (event.key === KEY) show(chosen()); };  // switched in another tab
    window.addEventListener("storage", follow);
    show(chosen());
    return () => window.removeEventListener("storage", follow);
  },
};
