// A chart's text equivalent: the values it shows, for screen readers (visually hidden, like the
// chart's own labels it repeats). It also takes its chart out of the Tab order: BokehJS gives every
// canvas an unlabelled, invisible Tab stop (a div with tabindex 0 for its tools; the kit's charts have
// none), so the chart before it in its frame is made `inert`, and the text stands in for it.
function quiet(el, tries) {
  const frame = el.closest(".kit-chart-frame");
  const chart = frame ? frame.querySelector(".kit-chart") : null;
  if (chart) {
    chart.inert = true;
    return;
  }
  if (tries > 0) window.requestAnimationFrame(() => quiet(el, tries - 1));
}

export default {
  render({ model, el }) {
    const text = document.createElement("p");
    text.className = "kit-chart-text";
    const show = () => { text.textContent = model.get("text"); };
    show();
    model.on("change:text", show);
    el.append(text);
    quiet(el, 600);
    return () => model.off("change:text", show);
  },
};
