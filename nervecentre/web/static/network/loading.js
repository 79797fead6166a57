// Starting a chart from a node, expanding a node.
import { $, api, state, status } from "./state.js";
import { iconsReady } from "./icons.js";
import { merge, resetGraph } from "./graph.js";
import { layout, redraw } from "./draw.js";
import { describeSelection, refreshSelection } from "./selection.js";
import { collectDates } from "./time.js";
import { loadSavedList } from "./saved.js";

export function dateParams() {
  const p = new URLSearchParams();
  if ($("since").value) p.set("since", $("since").value);
  if ($("until").value) p.set("until", $("until").value);
  return p;
}

export async function start(ref, hops) {
  await iconsReady;
  resetGraph();
  status("Loading…");
  const params = dateParams(); params.set("node", ref); params.set("hops", hops);
  try {
    const body = await api(`/api/graph/neighbourhood?${params}`);
    merge(body, null);
    state.expanded.add(body.centre);
    const centre = state.graph.getNodeAttributes(body.centre);
    if (centre.nodeType === "case") loadSavedList(centre.info.case_id);
    show(body.centre, `${body.nodes.length} nodes and ${body.edges.length} links` +
      (body.truncated ? " (the nearest only: the neighbourhood is larger)" : ""));
  } catch (err) {
    status(`Could not load the chart: ${err.message}`);
    redraw();
  }
}

export function show(focus, message) {
  if (focus) { state.selected = new Set([focus]); }
  collectDates();
  redraw();
  describeSelection();
  layout(1500);
  status(message);
}

export async function expand(node) {
  status("Expanding…");
  const params = dateParams(); params.set("node", node); params.set("hops", 1);
  try {
    const body = await api(`/api/graph/neighbourhood?${params}`);
    const added = merge(body, node);
    state.expanded.add(node);
    collectDates(); redraw(); layout(800);
    status(`${added.length} new nodes around ${state.graph.getNodeAttribute(node, "label")}`);
  } catch (err) { status(`Could not expand: ${err.message}`); }
}

export function onNodeClick(node, add) {
  if (!add) state.selected.clear();
  if (add && state.selected.has(node)) state.selected.delete(node); else state.selected.add(node);
  refreshSelection();
  const a = state.graph.getNodeAttributes(node);
  if ($("expand-on-click").checked && !add && a.nodeType !== "group" && !state.expanded.has(node)) expand(node);
}
