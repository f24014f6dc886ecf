// A Bokeh chart drawn from its JSON (kit.widgets.Chart), its data sources following the kernel's.
// BokehJS (1.3 MB) is fetched once the page has drawn its questions and is idle, so a team never
// waits for it; where the kernel put BokehJS in the page itself (outside `kit serve`), that copy is used.
let loading = null;

function bokehjs(path) {
  if (window.Bokeh && window.Bokeh.embed) return Promise.resolve(window.Bokeh);
  if (loading) return loading;
  loading = new Promise((resolve, reject) => {
    if (!path) { // the kernel's own copy (kit.notebook): wait for it to run
      const started = Date.now();
      const wait = () => {
        if (window.Bokeh && window.Bokeh.embed) resolve(window.Bokeh);
        else if (Date.now() - started > 120000) reject(new Error("BokehJS never arrived"));
        else setTimeout(wait, 100);
      };
      wait();
      return;
    }
    const fetch = () => {
      const config = JSON.parse(document.getElementById("jupyter-config-data").textContent);
      const script = document.createElement("script");
      script.src = new URL(`${config.baseUrl}${path}`, window.location.href).href;
      script.onload = () => resolve(window.Bokeh);
      script.onerror = () => {
        loading = null; // the next chart asks again
        reject(new Error("BokehJS could not be fetched"));
      };
      document.head.append(script);
    };
    // Once the page has drawn its questions (the browser is idle), or after 5 s at the latest.
    if (window.requestIdleCallback) window.requestIdleCallback(fetch, { timeout: 5000 });
    else setTimeout(fetch, 500);
  });
  return loading;
}

// JSON has no NaN (a gap in a line): the kernel sends null, and a numeric column gets NaN back.
function columns(data) {
  const out = {};
  for (const [name, values] of Object.entries(data)) {
    out[name] = values.some((v) => typeof v === "number") ? values.map((v) => (v === null ? NaN : v)) : values;
  }
  return out;
}

// Bokeh draws only into an element that is in the page; a widget's element is added after render().
// Stops looking once the view is removed (`gone()`), so a closed chart leaves no frame loop behind.
function inPage(el, gone) {
  return new Promise((resolve) => {
    const check = () => (el.isConnected || gone() ? resolve() : window.requestAnimationFrame(check));
    check();
  });
}

export default {
  render({ model, el }) {
    el.classList.add("kit-chart");
    let views = null;
    let gone = false;
    const follow = () => {
      const root = views && views.roots[0];
      if (!root) return;
      for (const [id, data] of Object.entries(model.get("columns"))) {
        const source = root.model.document.get_model_by_id(id);
        if (source) source.data = columns(data);
      }
    };
    (async () => {
      try {
        const Bokeh = await bokehjs(model.get("bokeh_path"));
        await inPage(el, () => gone);
        if (gone) return;
        const target = document.createElement("div");
        el.append(target);
        views = await Bokeh.embed.embed_item(JSON.parse(model.get("item")), target);
        follow(); // what changed while BokehJS was on its way
      } catch (error) {
        el.dataset.kitChartError = String(error.message || error); // the text equivalent still says it all
      }
    })();
    model.on("change:columns", follow);
    return () => {
      gone = true;
      model.off("change:columns", follow);
      if (views) for (const view of [...views.roots]) { view.remove(); views.delete(view); }
    };
  },
};
