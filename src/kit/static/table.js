// A table item as one widget (kit.widgets.Table): the rows come from the kernel as JSON and are drawn
// here, one grid per row (a card on a narrow screen, kit.css), each box labelled with its column.
//
// Adding a row is the browser's alone (an empty row is no answer), so the 100th costs what the 2nd
// did. A long answer draws its first rows at once and the rest in slices after, and in a table past
// LONG rows those off the screen are neither laid out nor painted (content-visibility): a 1,000-row
// answer opens about as fast as a short one, and every row stays reachable by scrolling, Tab and
// find-in-page.
//
// Typing sends the rows `send_after` ms after it stops, and at once when a box is left, a row removed
// or the page left; the kernel saves on arrival. As in textbox.js, the browser keeps the rows in
// localStorage (`draft_key`) until the kernel confirms the store holds exactly them (`saved`), offers
// an unconfirmed draft back when the page opens again, and owns the truth of the status line: "✓
// Saved" only while the rows shown are the rows confirmed. User text is only ever set as text.
import {
  CONFIRM_MS, UNCONFIRMED, draftStore, guard, hearKernel, markUnsaved, megabytes, notSavedText, offerBox,
  paintLine, pending, promptedGroup, unsaved, utf8Bytes, watchKernel,
} from "./answer.js";

let made = 0;

const FIRST = 40; // rows drawn before the widget is shown
const SLICE = 120; // rows drawn in each later task
const YESNO = ["Yes", "No"];

function isoDate(value) {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const day = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value ? null : value;
}

// A cell's value as its box holds it (and as the kernel's `clean_cell` keeps it).
function cleanCell(column, value) {
  if (column.type === "date") return isoDate(value);
  if (column.type === "choice") return column.options.includes(value) ? value : "";
  if (column.type === "yesno") return YESNO.includes(value) ? value : "";
  return value === null || value === undefined ? "" : String(value);
}

export default {
  render({ model, el }) {
    performance.mark("kit-table-render"); // measured below: benchmarks/table_rows.py prints it
    made += 1;
    const base = `kit-table-${made}-${Math.random().toString(36).slice(2, 8)}`;
    const columns = model.get("columns");
    const fixed = model.get("fixed");
    const least = model.get("min_rows");
    const key = model.get("draft_key");
    const removable = (i) => i >= fixed.length;

    // The answer a list of rows amounts to, as a string to compare: every fixed row, then the free
    // rows anything is written in.
    const canon = (list) => {
      const rows = Array.isArray(list) ? list : [];
      const out = [];
      for (let i = 0; i < Math.max(rows.length, fixed.length); i += 1) {
        const row = rows[i] && typeof rows[i] === "object" ? rows[i] : {};
        const cells = columns.map((c, k) => (i < fixed.length && k === 0 ? fixed[i] : cleanCell(c, row[c.id])));
        if (i < fixed.length || cells.some((v, k) => !(i < fixed.length && k === 0) && v !== "" && v !== null)) {
          out.push(cells);
        }
      }
      return JSON.stringify(out);
    };
    const padded = (list) => {
      const rows = (Array.isArray(list) ? list : []).map((r) => (r && typeof r === "object" ? { ...r } : {}));
      while (rows.length < fixed.length) rows.push({ [columns[0].id]: fixed[rows.length] });
      while (rows.length - fixed.length < least) rows.push({});
      return rows;
    };

    // ---- drawing -------------------------------------------------------------------------------
    el.classList.add("kit-table-widget");
    el.style.setProperty("--kit-tracks", model.get("tracks"));
    el.style.setProperty("--kit-tracks-free", `${model.get("tracks")} 8.5em`); // "Remove row 1000"
    const [prompt, table] = promptedGroup(base, model.get("description"), "kit-table");
    const head = document.createElement("div");
    head.className = `kit-table-head${fixed.length ? " kit-fixed-row" : ""}`;
    for (const column of columns) {
      const th = document.createElement("div");
      th.className = "kit-table-colhead";
      th.textContent = column.label;
      head.append(th);
    }
    const body = document.createElement("div");
    body.className = "kit-table-body";
    table.append(head, body);
    const add = document.createElement("button");
    add.type = "button";
    add.className = "jupyter-button kit-add-row"; // ipywidgets' look, as before
    add.textContent = "Add a row";
    add.title = "Add an empty row to this table";
    const line = document.createElement("div");
    line.className = "kit-status";
    el.append(prompt, table);
    if (!fixed.length) el.append(add);
    el.append(line);

    // One row made once per kind (fixed, free) and cloned: a long table is cheap to draw.
    const proto = (labelled) => {
      const row = document.createElement("div");
      row.className = `kit-table-row${labelled ? " kit-fixed-row" : ""}`;
      columns.forEach((column, k) => {
        if (labelled && k === 0) {
          const cell = document.createElement("div");
          cell.className = "kit-rowlabel-cell";
          const span = document.createElement("span");
          span.className = "kit-rowlabel";
          cell.append(span);
          row.append(cell);
          return;
        }
        const cell = document.createElement("div");
        cell.className = "kit-cell";
        const label = document.createElement("label");
        label.className = "kit-cell-label";
        label.textContent = column.label;
        let box;
        if (column.type === "choice" || column.type === "yesno") {
          box = document.createElement("select");
          for (const text of ["", ...(column.type === "choice" ? column.options : YESNO)]) {
            const option = document.createElement("option");
            option.value = text;
            option.textContent = text;
            box.append(option);
          }
        } else {
          box = document.createElement("input");
          box.type = column.type === "date" ? "date" : "text";
          if (column.type === "number") box.inputMode = "decimal";
        }
        box.dataset.col = column.id;
        cell.append(label, box);
        row.append(cell);
      });
      if (!labelled) {
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "jupyter-button kit-remove-row";
        row.append(remove);
      }
      return row;
    };
    const protos = { fixed: proto(true), free: proto(false) };

    let rows = padded(model.get("value"));
    let els = []; // the drawn rows' elements, in order (the first els.length rows)
    let keys = 0;
    let building = null;
    const rowOf = new WeakMap(); // element → its row object

    const draw = (i) => {
      const row = rows[i];
      const node = (removable(i) ? protos.free : protos.fixed).cloneNode(true);
      keys += 1;
      const boxes = node.querySelectorAll("input, select");
      const labels = node.querySelectorAll("label");
      boxes.forEach((box, k) => {
        const id = `${base}-${keys}-${k}`;
        box.id = id;
        labels[k].htmlFor = id;
        const column = columns.find((c) => c.id === box.dataset.col);
        const value = cleanCell(column, row[column.id]);
        box.value = value === null ? "" : value;
      });
      if (removable(i)) node.lastChild.textContent = `Remove row ${i + 1}`;
      else node.querySelector(".kit-rowlabel").textContent = fixed[i];
      rowOf.set(node, row);
      return node;
    };
    const LONG = 60; // rows past which rows off the screen are skipped by the browser (kit.css)
    const drawMore = (count) => {
      el.classList.toggle("kit-table-long", rows.length > LONG);
      const part = document.createDocumentFragment();
      const end = Math.min(rows.length, els.length + count);
      for (let i = els.length; i < end; i += 1) {
        const node = draw(i);
        els.push(node);
        part.append(node);
      }
      body.append(part);
    };
    const drawRest = () => {
      clearTimeout(building);
      building = null;
      drawMore(rows.length);
    };
    const drawLater = () => {
      if (els.length >= rows.length) return;
      building = setTimeout(() => { drawMore(SLICE); drawLater(); }, 0);
    };
    const redraw = () => {
      clearTimeout(building);
      els = [];
      body.replaceChildren();
      drawMore(FIRST);
      drawLater();
    };

    // ---- drafts, sending and the status line ---------------------------------------------------
    const draft = draftStore(key); // no key (a table outside a worksheet): no draft
    let sent = canon(rows); // the answer the kernel has (or is about to have)
    let sending = false; // our own model.set: not news from the kernel
    let typed = false; // edited here since the store last confirmed these rows
    let local = null; // { state, text }: what this browser knows and the kernel's word does not say
    let lost = "";
    let timer = null; // the confirmation's deadline
    let later = null; // the typing's pause
    let offer = null;
    let size = 0; // the rows' JSON, in bytes, when last measured over the limit
    const max = model.get("max_bytes");
    let savedFrom; // the `saved` rows last compared, and their answer
    let savedAnswer = "";
    const stored = () => {
      const saved = model.get("saved");
      if (saved !== savedFrom) [savedFrom, savedAnswer] = [saved, canon(saved)];
      return savedAnswer;
    };
    const unconfirmed = () => typed && canon(rows) !== stored();
    const track = () => markUnsaved(el, model, unconfirmed());
    const paint = () => {
      let state = model.get("state");
      let words = model.get("status");
      if (local) ({ state, text: words } = local);
      else if (state === "ok" && canon(rows) !== stored()) [state, words] = ["pending", "Editing…"];
      paintLine(line, state, words);
    };
    const notSaved = (reason) => { local = { state: "error", text: notSavedText(reason, "Your rows are") }; };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const spoke = ["error", "conflict"].includes(model.get("state"));
        if (unconfirmed() && !size && (local ? local.state === "pending" : !spoke)) {
          notSaved(UNCONFIRMED);
          paint();
        }
      }, CONFIRM_MS);
    };
    const keep = () => { // the draft: every keystroke, the whole table's rows
      const text = JSON.stringify(rows);
      const kept = draft.set(text);
      size = max > 0 && text.length * 3 > max && utf8Bytes(text) > max ? utf8Bytes(text) : 0;
      return kept;
    };
    const sendNow = (again = false) => {
      clearTimeout(later);
      later = null;
      pending.delete(sendNow);
      const answer = canon(rows);
      if (answer === sent && !again) return;
      if (size) {
        local = { state: "error", text: `Not saved: this table is ${megabytes(size)} MB, over the limit of `
          + `${megabytes(max)} MB. Shorten it and it will save. Your rows are still here.` };
        paint();
        return;
      }
      const copy = JSON.parse(JSON.stringify(rows));
      sending = true;
      model.set("value", copy);
      model.save_changes();
      sending = false;
      // Again after a lost connection: the kernel may hold these rows already, unsaved or saved
      // with the confirmation lost; it saves them, or confirms them again.
      if (again) model.send({ event: "rows", rows: copy });
      sent = answer;
      arm();
      if (answer === stored()) local = null;
      else if (lost) notSaved(lost);
      else local = { state: "pending", text: "Editing…" };
      track();
      paint();
    };
    const edited = () => {
      typed = true;
      keep();
      if (lost) notSaved(lost);
      else local = canon(rows) === stored() ? null : { state: "pending", text: "Editing…" };
      clearTimeout(later);
      later = setTimeout(sendNow, model.get("send_after"));
      pending.add(sendNow);
      track();
      paint();
    };

    // ---- what the team does --------------------------------------------------------------------
    const typedIn = (event) => {
      const box = event.target;
      if (!box.dataset || !box.dataset.col) return;
      const row = rowOf.get(box.closest(".kit-table-row"));
      if (!row) return;
      const column = columns.find((c) => c.id === box.dataset.col);
      const value = column.type === "date" ? isoDate(box.value) : box.value;
      if (cleanCell(column, row[column.id]) === cleanCell(column, value)) return;
      row[column.id] = value;
      edited();
    };
    body.addEventListener("input", typedIn);
    body.addEventListener("change", typedIn);
    body.addEventListener("focusout", () => { if (later !== null) sendNow(); });
    body.addEventListener("click", (event) => {
      const button = event.target.closest("button.kit-remove-row");
      if (!button) return;
      const at = els.indexOf(button.parentElement);
      if (at < 0) return;
      drawRest();
      rows.splice(at, 1);
      els[at].remove();
      els.splice(at, 1);
      for (let i = at; i < els.length; i += 1) {
        if (removable(i)) els[i].lastChild.textContent = `Remove row ${i + 1}`;
      }
      if (rows.length - fixed.length < least) {
        rows.push({});
        drawMore(1);
      }
      const next = els.slice(at).find((node, n) => removable(at + n));
      (next ? next.lastChild : add).focus();
      if (canon(rows) !== sent) { // a row with something in it: saved at once, as a new version
        typed = true;
        keep();
        sendNow();
      }
    });
    add.addEventListener("click", () => {
      drawRest();
      rows.push({});
      drawMore(1);
      const first = els[els.length - 1].querySelector("input, select");
      if (first) first.focus();
    });

    // ---- the kernel's word ---------------------------------------------------------------------
    const confirmed = () => {
      clearTimeout(timer);
      typed = false;
      if (!(offer && offer.isConnected)) draft.clear();
    };
    const fromKernel = () => {
      if (!size) local = null;
      if (canon(rows) === stored()) confirmed();
      else if (typed) arm();
      track();
      paint();
    };
    const newValue = () => { // another version shown (restored, another device's, carried, cleared)
      if (sending) return;
      const fresh = model.get("value");
      if (canon(fresh) === canon(rows)) return;
      rows = padded(fresh);
      sent = canon(rows);
      clearTimeout(later);
      later = null;
      pending.delete(sendNow);
      redraw();
      fromKernel();
    };
    model.on("change:value", newValue);
    const unhear = hearKernel(model, fromKernel);

    const unwatch = watchKernel(model, {
      lost(reason) {
        lost = reason;
        if (unconfirmed() && !size) notSaved(lost);
        paint();
      },
      back() {
        lost = "";
        if (unconfirmed() && !size) sendNow(true); // send again now that the kernel is back
        paint();
      },
    });

    // ---- a draft from an earlier page that the store does not hold: offer it back --------------
    let earlier = null;
    if (key) {
      try { earlier = JSON.parse(draft.get()); } catch (e) { earlier = null; }
      if (!Array.isArray(earlier)) earlier = null;
      if (earlier === null) draft.clear();
    }
    const savedCanon = stored();
    if (earlier !== null && canon(earlier) === savedCanon) draft.clear();
    else if (earlier !== null && canon(earlier) === canon(rows)) { typed = true; arm(); }
    else if (earlier !== null) {
      // The rows that differ from the store's, as text: "Row 3: Ana Ruiz · Coach" ("Meetings: …").
      const held = new Set(JSON.parse(savedCanon).map((cells) => JSON.stringify(cells)));
      const lines = [];
      padded(earlier).forEach((row, i) => {
        const cells = columns.map((c, k) => (i < fixed.length && k === 0 ? fixed[i] : cleanCell(c, row[c.id])));
        const words = cells.slice(i < fixed.length ? 1 : 0).filter((v) => v !== "" && v !== null);
        if ((!words.length && i >= fixed.length) || held.has(JSON.stringify(cells))) return;
        lines.push(`${i < fixed.length ? fixed[i] : `Row ${i + 1}`}: ${words.join(" · ") || "(empty)"}`);
      });
      if (!lines.length) {
        lines.push(`The table as you left it, with rows removed: ${JSON.parse(canon(earlier)).length} rows `
          + `(the saved one has ${held.size}).`);
      }
      const text = lines.length > 20 ? `${lines.slice(0, 20).join("\n")}\n… and ${lines.length - 20} more rows`
        : lines.join("\n");
      const kept = earlier;
      offer = offerBox(text, () => {
        rows = padded(kept);
        redraw();
        typed = true;
        keep();
        sendNow(); // saved now
        const first = body.querySelector("input, select");
        if (first) first.focus();
      }, () => {
        draft.clear();
        const first = body.querySelector("input, select");
        if (first) first.focus();
      });
      el.insertBefore(offer, table);
    }

    redraw();
    guard();
    track();
    paint();
    performance.measure("kit-table-render", "kit-table-render");
    return () => {
      clearTimeout(timer);
      clearTimeout(building);
      if (later !== null) sendNow();
      unsaved.delete(model);
      model.off("change:value", newValue);
      unhear();
      unwatch();
    };
  },
};
