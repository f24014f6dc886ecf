// What every answer's widget shares (text boxes, tables, ratings, choices, checklists, rankings): a
// draft in localStorage until the kernel confirms the store holds exactly that answer, the status line
// the browser keeps honest ("Editing…" at once, "✗ Not saved: why" when the kernel cannot hear), the
// offer to keep a draft an earlier page left, the kernel's connection watched, and one beforeunload
// guard while anything is unsaved.
//
// A widget module imports its names from ./answer.js (one import line). kit.widgets._script resolves
// that line by including this file's text (its exports become the names imported), so the widget's
// module is one text, sent inline or served by URL alike. Everything here is exported or local to it.

export const CONFIRM_MS = 5000; // the kernel saves 1 s after typing stops; 4 s more is a lost server
export const LABELS = { ok: "✓", pending: "…", error: "✗", conflict: "⚠", carried: "↺" };
export const unsaved = new Set(); // widgets holding answers the store has not confirmed
export const pending = new Set(); // sends waiting for a pause: run as the page is left
let guarded = false;

// Voila's own beforeunload listener stops the page's kernel (a beacon to voila/api/shutdown) even
// when the person then chooses to stay. Ours is a capturing listener, so it runs first: it sends what
// is waiting, and while an answer is unconfirmed it asks and keeps Voila's from running (a page kept
// stays connected; a page left anyway leaves its kernel to save what it has, the idle cull stops it).
export function guard() {
  if (guarded) return;
  guarded = true;
  const flush = () => { for (const send of [...pending]) send(); };
  window.addEventListener("beforeunload", (event) => {
    flush();
    if (unsaved.size === 0) return undefined;
    event.stopImmediatePropagation();
    event.preventDefault();
    event.returnValue = "";
    return "";
  }, { capture: true });
  window.addEventListener("pagehide", flush, { capture: true });
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") flush(); });
}

// `who` (a widget's token in `unsaved`) holds an answer the store has not confirmed, or not.
export function markUnsaved(el, who, yes) {
  if (yes) unsaved.add(who);
  else unsaved.delete(who);
  el.dataset.kitUnsaved = yes ? "1" : "";
}

export function utf8Bytes(text) {
  return new TextEncoder().encode(text).length;
}

export function megabytes(n) {
  return (n / 1_000_000).toFixed(1).replace(/\.0$/, ""); // "12.2", "1"
}

// localStorage under one key (no key: no draft); private mode or a full quota keeps nothing.
export function draftStore(key) {
  return {
    get() { try { return key ? window.localStorage.getItem(key) : null; } catch (e) { return null; } },
    set(text) { try { if (key) window.localStorage.setItem(key, text); return true; } catch (e) { return false; } },
    clear() { try { if (key) window.localStorage.removeItem(key); } catch (e) { /* private mode */ } },
  };
}

// Draw a status line: one span of class kit-status-<state>, or nothing (hidden).
export function paintLine(line, state, words) {
  if (!state || !words) {
    line.replaceChildren();
    line.hidden = true;
    return;
  }
  const span = document.createElement("span");
  span.className = `kit-status-${state}`;
  span.setAttribute("role", "status");
  span.textContent = `${LABELS[state] || ""} ${words}`;
  line.replaceChildren(span);
  line.hidden = false;
}

export function notSavedText(reason, what = "Your text is") {
  return `Not saved: ${reason} ${what} kept in this browser and offered back when the page is opened again.`;
}

export const UNCONFIRMED = "the server has not confirmed it (the connection was lost or the server stopped).";

// A saved status line elsewhere in the item (the kernel's, shared by a rating's level and evidence):
// say "Editing…" there at once, before the kernel hears of the change.
export function flipItem(el, words = "Editing…") {
  const item = el.closest(".kit-item");
  const ok = item && item.querySelector(".kit-status .kit-status-ok");
  if (ok && !el.contains(ok)) {
    ok.className = "kit-status-pending";
    ok.textContent = `${LABELS.pending} ${words}`;
  }
}

// A lost connection or a dead kernel, where the page's widget manager says so: `lost(reason)` and
// `back()` (connected again). Returns the function that stops watching.
export function watchKernel(model, { lost, back }) {
  const kernel = model.widget_manager && model.widget_manager.kernel;
  let gone = false;
  const connection = (_sender, status) => {
    if (status === "connected") {
      if (!gone) return;
      gone = false;
      back();
    } else {
      gone = true;
      lost("the connection to the server was lost.");
    }
  };
  const life = (_sender, status) => {
    if (status !== "dead" && status !== "restarting" && status !== "autorestarting") return;
    lost("the server stopped this page's kernel.");
  };
  try {
    if (kernel && kernel.connectionStatusChanged) kernel.connectionStatusChanged.connect(connection);
    if (kernel && kernel.statusChanged) kernel.statusChanged.connect(life);
  } catch (e) { /* a page without a kernel connection to watch: the confirmation timer still does */ }
  return () => {
    try {
      if (kernel && kernel.connectionStatusChanged) kernel.connectionStatusChanged.disconnect(connection);
      if (kernel && kernel.statusChanged) kernel.statusChanged.disconnect(life);
    } catch (e) { /* as above */ }
  };
}

// The question as a paragraph (id `${base}-prompt`) and the group of controls it names (role=group).
export function promptedGroup(base, question, className) {
  const prompt = document.createElement("p");
  prompt.className = "kit-prompt";
  prompt.id = `${base}-prompt`;
  prompt.textContent = question;
  const group = document.createElement("div");
  group.className = className;
  group.setAttribute("role", "group");
  group.setAttribute("aria-labelledby", prompt.id);
  return [prompt, group];
}

// The kernel's word on an answer (`saved`, `status`, `state`): `heard()` at each change. Returns the
// function that stops listening.
export function hearKernel(model, heard) {
  const names = ["change:saved", "change:status", "change:state"];
  for (const name of names) model.on(name, heard);
  return () => { for (const name of names) model.off(name, heard); };
}

// The offer's question: "You typed this…" (a text box, a table) or "You chose this…" (clicks).
export function offerText(how = "typed") {
  return `You ${how} this and it was not saved: keep it?`;
}

// The offer of a draft an earlier page left: the question, the draft as text, Keep and Discard.
export function offerBox(shown, keep, discard, how = "typed") {
  const offer = document.createElement("div");
  offer.className = "kit-draft-offer";
  offer.setAttribute("role", "group");
  const ask = document.createElement("p");
  ask.className = "kit-draft-ask";
  ask.textContent = offerText(how);
  const text = document.createElement("blockquote");
  text.className = "kit-draft-text";
  text.textContent = shown;
  const yes = document.createElement("button");
  yes.type = "button";
  yes.className = "kit-draft-keep";
  yes.textContent = "Keep";
  const no = document.createElement("button");
  no.type = "button";
  no.className = "kit-draft-discard";
  no.textContent = "Discard";
  yes.addEventListener("click", () => { offer.remove(); keep(); });
  no.addEventListener("click", () => { offer.remove(); discard(); });
  offer.append(ask, text, yes, no);
  return offer;
}

// Drafts and an honest status for an answer chosen with clicks (a rating, a choice, a checklist, a
// ranking): `value()` is the answer shown (JSON), `show(v)` shows one, `commit()` sends the shown
// answer to the kernel, `describe(v)` says an answer in words for the offer. The widget calls
// `changed()` at every choice, before the kernel hears of it. `empty` is the answer no choice makes
// (the store holding nothing is the same as holding it). The item's own status line is the
// kernel's (flipped at once here); this line under the widget shows only "✗ Not saved: why".
export function choiceDrafts({ model, el, value, show, commit, describe, where, empty = null }) {
  const key = model.get("draft_key");
  const line = document.createElement("div");
  line.className = "kit-answer-problem";
  line.hidden = true;
  if (!key) {
    el.append(line);
    return { changed() {}, fromKernel() {}, dispose() {} };
  }
  el.dataset.kitDraft = key;
  const draft = draftStore(key);
  const canon = (v) => JSON.stringify(v === undefined ? null : v);
  const stored = () => canon(model.get("saved") === null ? empty : model.get("saved"));
  let typed = false; // chosen here since the store last confirmed this answer
  let local = null; // { state, text }: what this browser knows and the kernel's word does not say
  let lost = "";
  let timer = null;
  let offer = null;
  const me = {};
  const unconfirmed = () => typed && canon(value()) !== stored();
  const track = () => markUnsaved(el, me, unconfirmed());
  const paint = () => {
    const state = local ? local.state : model.get("state");
    paintLine(line, state === "error" ? "error" : "", local ? local.text : model.get("status"));
  };
  const notSaved = (reason) => { local = { state: "error", text: notSavedText(reason, "Your choice is") }; };
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const spoke = ["error", "conflict"].includes(model.get("state"));
      if (unconfirmed() && (local ? local.state === "pending" : !spoke)) {
        notSaved(UNCONFIRMED);
        paint();
      }
    }, CONFIRM_MS);
  };
  const changed = () => {
    typed = true;
    draft.set(canon(value()));
    if (canon(value()) === stored()) local = null;
    else if (lost) notSaved(lost);
    else local = { state: "pending", text: "Saving…" };
    arm();
    track();
    paint();
    if (local) flipItem(el, "Saving…");
  };
  const fromKernel = () => {
    if (!lost) local = null;
    if (canon(value()) === stored()) {
      clearTimeout(timer);
      typed = false;
      local = null;
      if (!(offer && offer.isConnected)) draft.clear();
    } else if (typed) arm();
    track();
    paint();
  };
  const unhear = hearKernel(model, fromKernel);
  const unwatch = watchKernel(model, {
    lost(reason) {
      lost = reason;
      if (unconfirmed()) notSaved(lost);
      paint();
    },
    back() {
      lost = "";
      if (unconfirmed()) { // send it again now that the kernel is back (it may hold it, unsaved)
        local = { state: "pending", text: "Saving…" };
        commit();
        model.send({ event: "resend" });
        arm();
      }
      paint();
    },
  });

  let earlier;
  try { earlier = JSON.parse(draft.get()); } catch (e) { earlier = undefined; }
  if (earlier === undefined || draft.get() === null) draft.clear();
  else if (canon(earlier) === stored()) draft.clear();
  else if (canon(earlier) === canon(value())) { typed = true; arm(); }
  else {
    offer = offerBox(describe(earlier), () => {
      show(earlier);
      commit();
      changed();
      if (where) where().focus();
    }, () => {
      draft.clear();
      if (where) where().focus();
    }, "chose");
    el.append(offer);
  }
  el.append(line);
  guard();
  track();
  paint();
  return {
    changed,
    fromKernel,
    dispose() {
      clearTimeout(timer);
      unsaved.delete(me);
      unhear();
      unwatch();
    },
  };
}

// A choice made with form controls in `group` (a checklist's checkboxes, a ranking's selects): each
// "change" there sends `value()` to the kernel at once, with choiceDrafts; the kernel's value is
// shown (`show`). Returns the render's clean-up.
export function formChoice({ model, el, group, value, show, describe, empty, where }) {
  const commit = () => {
    model.set("value", value());
    model.save_changes();
  };
  const drafts = choiceDrafts({ model, el, value, show, commit, describe, empty, where });
  const onPick = () => {
    commit();
    drafts.changed();
  };
  group.addEventListener("change", onPick);
  const onChange = () => {
    show(model.get("value"));
    drafts.fromKernel();
  };
  model.on("change:value", onChange);
  show(model.get("value"));
  return () => {
    model.off("change:value", onChange);
    drafts.dispose();
  };
}
