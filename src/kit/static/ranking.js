// A ranking as labelled selects: the question names the group, each option's words label its own
// <select> of places ("—" for none, then 1…N). `value` maps an option's id to its place (unranked
// options left out); each change reaches the kernel at once.
//
// With `draft_key` set (an answer's), the places keep a draft and an honest status (answer.js).
import { formChoice, promptedGroup } from "./answer.js";

let made = 0;

export default {
  render({ model, el }) {
    made += 1;
    const base = `kit-rank-${made}-${Math.random().toString(36).slice(2, 8)}`;
    const options = model.get("options");
    el.classList.add("kit-rank");
    const [prompt, group] = promptedGroup(base, model.get("description"), "kit-rank-group");
    const selects = options.map((option, n) => {
      const row = document.createElement("div");
      row.className = "kit-rank-row";
      const label = document.createElement("label");
      label.className = "kit-rank-label";
      label.htmlFor = `${base}-${n}`;
      label.textContent = option.label;
      const select = document.createElement("select");
      select.id = `${base}-${n}`;
      select.dataset.option = option.value;
      for (let place = 0; place <= options.length; place += 1) {
        const choice = document.createElement("option");
        choice.value = String(place);
        choice.textContent = place ? String(place) : "—";
        select.append(choice);
      }
      row.append(label, select);
      group.append(row);
      return select;
    });
    el.append(prompt, group);

    const places = () => {
      const out = {};
      for (const select of selects) if (Number(select.value)) out[select.dataset.option] = Number(select.value);
      return out;
    };
    const show = (value) => {
      const ranks = value && typeof value === "object" ? value : {};
      for (const select of selects) {
        const place = ranks[select.dataset.option];
        select.value = Number.isInteger(place) && place > 0 && place <= options.length ? String(place) : "0";
      }
    };
    return formChoice({
      model,
      el,
      group,
      value: places,
      show,
      describe: (value) => {
        const ranks = value && typeof value === "object" ? value : {};
        const placed = options.filter((o) => ranks[o.value]).sort((a, b) => ranks[a.value] - ranks[b.value]);
        return placed.length ? placed.map((o) => `${ranks[o.value]} · ${o.label}`).join("\n") : "(nothing ranked)";
      },
      empty: {},
      where: () => selects[0],
    });
  },
};
