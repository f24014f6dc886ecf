// A rating or a single choice as one radio group (the WAI-ARIA radio group pattern): the question
// labels the group, each option is a radio with aria-checked, the group is one Tab stop (the chosen
// option, or the first), and the arrow keys, Home and End move the choice. A click or Space chooses
// at once; a choice made with the arrow keys reaches the kernel once it settles (no key for
// `settle` ms, or focus leaving the group), so arrowing past three options saves one version, not
// three. Options are <button>s showing their label ("2 · Emerging") and carrying `mod-active` when
// chosen, as ipywidgets' toggle buttons did.
//
// With `draft_key` set (an answer's), the choice keeps a draft and an honest status (answer.js).
import { choiceDrafts } from "./answer.js";

let made = 0;

const NEXT = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };

export default {
  render({ model, el }) {
    made += 1;
    const base = `kit-radio-${made}-${Math.random().toString(36).slice(2, 8)}`;
    const options = model.get("options");
    el.classList.add("kit-radio");

    const label = document.createElement("div");
    label.id = `${base}-label`;
    label.className = "kit-radio-label";
    label.textContent = model.get("description");
    el.append(label);
    const levels = model.get("levels");
    if (levels.length) {
      const list = document.createElement("ul");
      list.className = "kit-radio-levels";
      for (const [name, text] of levels) {
        const li = document.createElement("li");
        const b = document.createElement("b");
        b.textContent = name;
        li.append(b, ` — ${text}`);
        list.append(li);
      }
      el.append(list);
    }
    const group = document.createElement("div");
    group.setAttribute("role", "radiogroup");
    group.setAttribute("aria-labelledby", label.id);
    group.className = `kit-radio-group kit-radio-${model.get("orientation")}`;
    if (model.get("help")) {
      const help = document.createElement("p");
      help.id = `${base}-help`;
      help.className = "kit-radio-help";
      help.textContent = model.get("help");
      el.append(help);
      group.setAttribute("aria-describedby", help.id);
    }
    const buttons = options.map((option, n) => {
      const button = document.createElement("button");
      button.type = "button";
      button.setAttribute("role", "radio");
      button.className = "kit-radio-option";
      button.textContent = option.label;
      if (option.hint) button.title = option.hint;
      button.dataset.index = String(n);
      return button;
    });
    group.append(...buttons);
    el.append(group);

    let shown = model.get("value");  // what the buttons show; the model's value follows when it settles
    let timer = null;

    const paint = () => {
      const at = options.findIndex((o) => o.value === shown);
      buttons.forEach((button, n) => {
        const on = n === at;
        button.setAttribute("aria-checked", on ? "true" : "false");
        button.classList.toggle("mod-active", on);
        button.tabIndex = n === (at < 0 ? 0 : at) ? 0 : -1;
      });
    };
    const commit = () => {
      if (timer !== null) {
        window.clearTimeout(timer);
        timer = null;
      }
      if (model.get("value") !== shown) {
        model.set("value", shown);
        model.save_changes();
      }
    };
    const choose = (n, settle) => {
      const before = shown;
      shown = options[n].value;
      paint();
      buttons[n].focus();
      if (shown !== before || !settle) drafts.changed();
      if (!settle) return commit();
      if (timer !== null) window.clearTimeout(timer);
      timer = window.setTimeout(commit, model.get("settle"));
    };
    const onClick = (event) => {
      const button = event.target.closest("button[role=radio]");
      if (button && group.contains(button)) choose(Number(button.dataset.index), false);
    };
    const onKey = (event) => {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      const at = Math.max(0, buttons.indexOf(document.activeElement));
      let to = null;
      if (event.key in NEXT) to = (at + NEXT[event.key] + buttons.length) % buttons.length;
      else if (event.key === "Home") to = 0;
      else if (event.key === "End") to = buttons.length - 1;
      if (to === null) return;
      event.preventDefault();
      choose(to, true);
    };
    const onLeave = (event) => {
      if (!group.contains(event.relatedTarget)) commit();
    };
    const drafts = choiceDrafts({
      model,
      el,
      value: () => shown,
      show: (value) => {
        shown = options.some((o) => o.value === value) ? value : null;
        paint();
      },
      commit,
      describe: (value) => (options.find((o) => o.value === value) || { label: "(none)" }).label,
      where: () => buttons.find((b) => b.tabIndex === 0) || buttons[0],
    });
    const onChange = () => {
      if (timer !== null) return;  // a choice of this page's is about to be sent: it stays shown
      shown = model.get("value");
      paint();
      drafts.fromKernel();
    };
    group.addEventListener("click", onClick);
    group.addEventListener("keydown", onKey);
    group.addEventListener("focusout", onLeave);
    window.addEventListener("pagehide", commit);
    model.on("change:value", onChange);
    paint();
    return () => {
      commit();
      window.removeEventListener("pagehide", commit);
      model.off("change:value", onChange);
      drafts.dispose();
    };
  },
};
