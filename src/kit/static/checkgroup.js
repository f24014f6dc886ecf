// A checklist as one group of real checkboxes: a <fieldset> whose <legend> is the question, each
// option a checkbox inside its own <label> (a click on the words ticks it, Space toggles it, each box
// is a Tab stop), an option's detail under it, tied to its box as its description. `value` is the ids
// ticked, in the options' order; each tick reaches the kernel at once.
//
// With `draft_key` set (an answer's), the ticks keep a draft and an honest status (answer.js).
import { formChoice } from "./answer.js";

let made = 0;

export default {
  render({ model, el }) {
    made += 1;
    const base = `kit-check-${made}-${Math.random().toString(36).slice(2, 8)}`;
    const options = model.get("options");
    el.classList.add("kit-check");
    const set = document.createElement("fieldset");
    set.className = "kit-check-group";
    const legend = document.createElement("legend");
    legend.className = "kit-prompt";
    legend.textContent = model.get("description");
    set.append(legend);
    const boxes = options.map((option, n) => {
      const label = document.createElement("label");
      label.className = "kit-check-option";
      const box = document.createElement("input");
      box.type = "checkbox";
      box.id = `${base}-${n}`;
      box.value = option.value;
      const words = document.createElement("span");
      words.textContent = option.label;
      label.append(box, words);
      set.append(label);
      if (option.detail) {
        const detail = document.createElement("p");
        detail.className = "kit-detail";
        detail.id = `${base}-${n}-detail`;
        detail.textContent = option.detail;
        box.setAttribute("aria-describedby", detail.id);
        set.append(detail);
      }
      return box;
    });
    el.append(set);

    const ticked = () => boxes.filter((b) => b.checked).map((b) => b.value);
    const show = (value) => {
      const on = new Set(Array.isArray(value) ? value : []);
      for (const box of boxes) box.checked = on.has(box.value);
    };
    return formChoice({
      model,
      el,
      group: set,
      value: ticked,
      show,
      describe: (value) => {
        const on = new Set(Array.isArray(value) ? value : []);
        const labels = options.filter((o) => on.has(o.value)).map((o) => `☑ ${o.label}`);
        return labels.length ? labels.join("\n") : "(nothing ticked)";
      },
      empty: [],
      where: () => boxes[0],
    });
  },
};
