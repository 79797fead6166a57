// The link chart: sigma.js (WebGL) over a graphology graph, fed by the graph API. The page
// loads this module; the others hold one concept each.
import { $, hooks, libs, root, state, status } from "./state.js";
import { iconData, iconsReady } from "./icons.js";
import { merge, resetGraph } from "./graph.js";
import { layout, openRenderer, readFilters, redraw } from "./draw.js";
import { expand, onNodeClick, start } from "./loading.js";
import { groupSelected, hideSelected, refreshSelection, selectedOne, togglePin, ungroup } from "./selection.js";
import { collectDates, onSlider } from "./time.js";
import { clearPath, findPath } from "./paths.js";
import { fillCaseChoices, reopen, saveChart } from "./saved.js";
import { markTableSelection, renderTables } from "./tables.js";
import { exportPng, exportSvg } from "./export.js";

hooks.nodeClicked = onNodeClick;
hooks.selectionChanged = refreshSelection;
hooks.pictureDrawn = () => { renderTables(); fillCaseChoices(); };
hooks.selectionDescribed = markTableSelection;

function on(id, event, fn) { const el = $(id); if (el) el.addEventListener(event, fn); }

function zoom(factor) { if (state.sigma) { const c = state.sigma.getCamera(); c.animate({ ratio: c.ratio * factor }, { duration: 150 }); } }

function keyboard(e) {
  if (!state.sigma) return;
  const c = state.sigma.getCamera(), step = 0.1 * c.ratio;
  const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
  if (moves[e.key]) { c.setState({ x: c.x + moves[e.key][0], y: c.y + moves[e.key][1] }); e.preventDefault(); }
  else if (e.key === "+" || e.key === "=") { zoom(1 / 1.5); e.preventDefault(); }
  else if (e.key === "-") { zoom(1.5); e.preventDefault(); }
}

on("chart-start", "submit", (e) => { e.preventDefault(); start($("start-node").value.trim(), $("start-hops").value); });
on("do-expand", "click", () => { const n = selectedOne(); if (n) expand(n); });
on("do-hide", "click", hideSelected);
on("do-pin", "click", togglePin);
on("do-group", "click", groupSelected);
on("do-ungroup", "click", ungroup);
on("show-hidden", "click", () => { state.hiddenByHand.clear(); redraw(); status("Hidden nodes shown again."); });
on("colour-by", "change", redraw);
on("since", "change", redraw);
on("until", "change", redraw);
on("time-slider", "input", onSlider);
on("clear-dates", "click", () => { $("since").value = ""; $("until").value = ""; collectDates(); redraw(); });
on("path-find", "click", findPath);
on("path-clear", "click", clearPath);
on("path-from-selected", "click", () => { const n = selectedOne(); if (n) $("path-a").value = n; });
on("path-to-selected", "click", () => { const n = selectedOne(); if (n) $("path-b").value = n; });
on("save-chart", "click", saveChart);
on("export-png", "click", exportPng);
on("export-svg", "click", exportSvg);
on("zoom-in", "click", () => zoom(1 / 1.5));
on("zoom-out", "click", () => zoom(1.5));
on("zoom-fit", "click", () => { if (state.sigma) state.sigma.getCamera().animatedReset({ duration: 200 }); });
on("relayout", "click", () => layout(2500));
on("chart", "keydown", keyboard);
for (const input of document.querySelectorAll("input[name=node_type], input[name=edge_type]")) input.addEventListener("change", redraw);

// For the browser tests and the benchmark: the chart's state, and a way to draw given data.
window.NCNetwork = {
  state,
  async load(body) {
    const times = {}; let t = performance.now();
    const lap = (name) => { const now = performance.now(); times[name] = now - t; t = now; };
    await iconsReady; resetGraph(); lap("reset");
    merge(body, null); lap("graph");
    collectDates(); lap("dates");
    redraw(); lap("draw");
    times.opened = state.openedIn;
    return times;
  },
  // Resolves once the renderer has opened with every icon in place (see draw.js).
  get ready() { return state.ready; },
  icons: iconData,
  nodePosition(node) { const s = state.sigma; return s ? s.framedGraphToViewport(s.getNodeDisplayData(node)) : null; },
};

resetGraph();
readFilters();
openRenderer();
if (root.dataset.chart) reopen(root.dataset.chart);
else if (root.dataset.start) start(root.dataset.start, root.dataset.hops || 1);
else status(libs ? "Give a node to start from." : "The chart's scripts are missing; the table still works.");
