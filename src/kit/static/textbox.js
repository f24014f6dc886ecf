// A text box that says when it is left: the kernel saves at once on "blur" (ipywidgets' Textarea
// has no such event), besides saving a second after typing stops. One <label> names the box.
// With `remember` set, what is typed is kept in this browser (localStorage) and filled in again
// when the box opens empty, so "Your name" need not be typed on every module and after a reload.
//
// With `draft_key` set (an answer's box), the browser keeps a draft of every keystroke in
// localStorage until the kernel confirms the store saved exactly that text (`saved`), offers an
// unconfirmed draft back when the page is opened again, and owns the truth of the status line:
// "✓ Saved" only while the box holds the confirmed text; "Editing…" at once on a keystroke; "Not
// saved" with the reason when the text is too large to send, the connection or kernel is lost, or
// no confirmation comes within CONFIRM_MS. The kernel's word (`status`, `state`) is shown otherwise.
import {
  CONFIRM_MS, UNCONFIRMED, draftStore, flipItem, guard, hearKernel, markUnsaved, megabytes, notSavedText, offerBox,
  paintLine, unsaved, utf8Bytes, watchKernel,
} from "./answer.js";

let made = 0;

export default {
  render({ model, el }) {
    made += 1;
    const id = `kit-text-${made}-${Math.random().toString(36).slice(2, 8)}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.className = "kit-text-label";
    label.textContent = model.get("description");
    const multiline = model.get("multiline");
    const box = document.createElement(multiline ? "textarea" : "input");
    box.id = id;
    if (multiline) box.rows = model.get("rows");
    else box.type = "text";
    box.placeholder = model.get("placeholder");
    box.value = model.get("value");
    box.spellcheck = true;
    const remember = model.get("remember");
    const stored = () => {
      try { return remember ? window.localStorage.getItem(remember) : null; } catch (e) { return null; }
    };
    const keep = (text) => {
      try { if (remember) window.localStorage.setItem(remember, text); } catch (e) { /* private mode */ }
    };
    if (remember && !box.value && stored()) {
      box.value = stored();
      model.set("value", box.value);
      model.save_changes();
    }
    el.classList.add("kit-text");
    el.append(label, box);

    const key = model.get("draft_key");
    if (!key) {
      box.addEventListener("input", () => {
        model.set("value", box.value);
        model.save_changes();
        keep(box.value);
      });
      box.addEventListener("blur", () => model.send({ event: "blur" }));
      const shown = () => {
        if (box.value !== model.get("value")) box.value = model.get("value");
      };
      model.on("change:value", shown);
      return () => model.off("change:value", shown);
    }

    // An answer's box: drafts and an honest status line.
    const draft = draftStore(key);
    const owns = model.get("owns_status");
    const line = document.createElement("div");
    // A box that does not own its item's status line shows only its own "Not saved" here.
    line.className = owns ? "kit-status" : "kit-text-problem";
    el.dataset.kitDraft = key;
    let local = null; // { state, text }: what this browser knows and the kernel's word does not say
    let typed = false; // typed here since the store last confirmed this box's text
    let lost = ""; // why the kernel cannot be reached now ("" while it can)
    let timer = null;
    let offer = null;
    const tooBig = () => {
      const max = model.get("max_bytes");
      return max > 0 && box.value.length * 3 > max ? utf8Bytes(box.value) > max : false; // ≤ 3 bytes a unit
    };
    const unconfirmed = () => typed && box.value !== model.get("saved");

    const track = () => markUnsaved(el, box, unconfirmed());
    const paint = () => {
      let state = model.get("state");
      let words = model.get("status");
      if (local) ({ state, text: words } = local);
      else if (state === "ok" && box.value !== model.get("saved")) [state, words] = ["pending", "Editing…"];
      if (!owns && state !== "error") state = ""; // the item's own status line (the kernel's) speaks
      paintLine(line, state, words);
    };
    const notSaved = (reason) => { local = { state: "error", text: notSavedText(reason) }; };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const spoke = ["error", "conflict"].includes(model.get("state")); // the kernel said why itself
        if (unconfirmed() && !tooBig() && (local ? local.state === "pending" : !spoke)) {
          notSaved(UNCONFIRMED);
          paint();
        }
      }, CONFIRM_MS);
    };
    const send = () => {
      const text = box.value;
      const kept = draft.set(text);
      if (tooBig()) {
        const size = utf8Bytes(text);
        clearTimeout(timer);
        local = { state: "error", text: `Not saved: this answer is ${megabytes(size)} MB, over the limit of `
          + `${megabytes(model.get("max_bytes"))} MB. Shorten it (or link to a document) and it will save. `
          + (kept ? "Your text is still here and kept in this browser."
            : "Your text is still here, but too large to keep in this browser: copy it somewhere before "
              + "you close the page.") };
        return;
      }
      model.set("value", text);
      model.save_changes();
      arm();
      if (text === model.get("saved")) {
        local = null;
        return;
      }
      if (lost) notSaved(lost);
      else local = { state: "pending", text: "Editing…" };
    };
    const confirmed = () => {
      clearTimeout(timer);
      typed = false;
      // The box holds what the store holds: nothing typed is left unsaved (a draft still offered
      // back waits for Keep or Discard).
      if (!(offer && offer.isConnected)) draft.clear();
    };

    box.addEventListener("input", () => {
      typed = true;
      send();
      track();
      paint();
      if (!owns) flipItem(el);
    });
    box.addEventListener("blur", () => model.send({ event: "blur" }));

    // The kernel's word: a new value (another version chosen), a confirmation, a status.
    const fromKernel = () => {
      if (!tooBig()) local = null;
      if (box.value === model.get("saved")) confirmed();
      else if (typed) arm();
      track();
      paint();
    };
    const newValue = () => { // also fired by this box's own model.set: only another value is news
      if (box.value === model.get("value") || tooBig()) return;
      box.value = model.get("value");
      fromKernel();
    };
    model.on("change:value", newValue);
    const unhear = hearKernel(model, fromKernel);

    // A lost connection or a dead kernel: "Not saved", and the text sent again once the kernel is back.
    const unwatch = watchKernel(model, {
      lost(reason) {
        lost = reason;
        if (unconfirmed() && !tooBig()) notSaved(lost);
        paint();
      },
      back() {
        lost = "";
        if (unconfirmed() && !tooBig()) {
          send();
          model.send({ event: "blur" });
        }
        paint();
      },
    });

    // A draft from an earlier page that the store does not hold: offer it back.
    const earlier = draft.get();
    if (earlier !== null && earlier === model.get("saved")) draft.clear();
    else if (earlier !== null && earlier === box.value) { typed = true; arm(); }
    else if (earlier !== null) {
      offer = offerBox(earlier.length > 2000 ? `${earlier.slice(0, 2000)}…` : earlier, () => {
        box.value = earlier;
        typed = true;
        send();
        track();
        paint();
        model.send({ event: "blur" }); // save it now
        box.focus();
      }, () => {
        draft.clear();
        box.focus();
      });
      el.append(offer);
    }
    el.append(line);
    guard();
    track();
    paint();
    return () => {
      clearTimeout(timer);
      unsaved.delete(box);
      model.off("change:value", newValue);
      unhear();
      unwatch();
    };
  },
};
