// A text box that says when it is left: the kernel saves at once on "blur" (ipywidgets' Textarea
// has no such event), besides saving a second after typing stops. One <label> names the box.
// With `remember` set, what is typed is kept in this browser (localStorage) and filled in again
// when the box opens empty, so "Your name" need not be typed on every module and after a reload.
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
    el.classList.add("kit-text");
    el.append(label, box);
    return () => model.off("change:value", shown);
  },
};
