// Drawing: sigma.js over the graph, the reducers that filter and colour, the layout.
import { $, MANY_LINKS, PALETTE, TYPE_COLOURS, checked, filters, libs, state } from "./state.js";
import { onNodeClick, show } from "./loading.js";
import { refreshSelection } from "./selection.js";
import { renderTables } from "./tables.js";
import { fillCaseChoices } from "./saved.js";

export function ensureSigma() {
  if (!libs || state.sigma) return;
  readFilters();
  const image = libs.createNodeImageProgram({
    padding: 0.2, drawingMode: "background",
    keepWithinCircle: true,
  });
  state.sigma = new libs.Sigma(state.graph, $("chart"), {
    defaultNodeType: "image", nodeProgramClasses: { image, circle: libs.NodeCircleProgram },
    // Thin GL lines draw 20,000 links fast; a path's links are drawn thick on top.
    defaultEdgeType: "line",
    edgeProgramClasses: { line: libs.EdgeLineProgram, thick: libs.EdgeRectangleProgram },
    renderEdgeLabels: false, labelRenderedSizeThreshold: 6, labelDensity: 0.6,
    hideEdgesOnMove: state.graph.size > MANY_LINKS, hideLabelsOnMove: state.graph.size > MANY_LINKS,
    zIndex: true, nodeReducer, edgeReducer, allowInvalidContainer: true,
  });
  const s = state.sigma;
  s.on("clickNode", ({ node, event }) => onNodeClick(node, event.original.shiftKey));
  s.on("clickStage", () => { state.selected.clear(); refreshSelection(); });
  dragging(s);
}

export function dragging(s) {
  let dragged = null;
  s.on("downNode", ({ node }) => { dragged = node; s.getCamera().disable(); });
  s.getMouseCaptor().on("mousemovebody", (e) => {
    if (!dragged) return;
    const pos = s.viewportToGraph(e);
    state.graph.mergeNodeAttributes(dragged, { x: pos.x, y: pos.y, fixed: true });
    e.preventSigmaDefault(); e.original.preventDefault(); e.original.stopPropagation();
  });
  const stop = () => { if (dragged) { dragged = null; s.getCamera().enable(); refreshSelection(); } };
  s.getMouseCaptor().on("mouseup", stop);
}

export function readFilters() {
  filters.nodeTypes = checked("node_type"); filters.edgeTypes = checked("edge_type");
  filters.since = $("since").value; filters.until = $("until").value;
  filters.colour = $("colour-by").value;
}

export function visibleNode(node, a) {
  if (state.hiddenByHand.has(node) || a.groupedIn) return false;
  return a.nodeType === "group" || filters.nodeTypes.has(a.nodeType);
}

export function edgeInRange(a) {
  if (!a.date) return true;
  return (!filters.since || a.date >= filters.since) && (!filters.until || a.date <= filters.until);
}

export function nodeReducer(node, a) {
  const out = Object.assign({}, a);
  out.hidden = !visibleNode(node, a);
  out.color = colourOf(node, a);
  if (state.selected.has(node)) { out.highlighted = true; out.zIndex = 2; }
  if (state.path.length) {
    if (state.path.includes(node)) { out.highlighted = true; out.zIndex = 2; out.size = a.size * 1.4; }
    else { out.color = "#e3e7ec"; out.label = ""; }
  }
  return out;
}

export function edgeReducer(edge, a) {
  const out = Object.assign({}, a);
  const [s, t] = state.graph.extremities(edge);
  out.hidden = !filters.edgeTypes.has(a.edgeType) ||
    !edgeInRange(a) || !visibleNode(s, state.graph.getNodeAttributes(s)) ||
    !visibleNode(t, state.graph.getNodeAttributes(t));
  if (state.path.length) {
    if (state.pathEdges.has(edge)) { out.color = "#c0392b"; out.size = 3; out.zIndex = 2; out.type = "thick"; }
    else out.color = "#eef0f3";
  }
  return out;
}

export function colourOf(node, a) {
  const mode = filters.colour;
  if (mode === "community") {
    const c = a.community === undefined || a.community === null ? state.components[node] : a.community;
    return c === undefined ? "#dddddd" : PALETTE[c % PALETTE.length];
  }
  if (mode === "centrality") {
    const v = score(node, a) / (state.topScore || 1);
    const light = Math.round(92 - 50 * Math.sqrt(v));
    return `hsl(8, 75%, ${light}%)`;
  }
  return TYPE_COLOURS[a.nodeType] || "#dddddd";
}

export function score(node, a) {
  if (a.centrality) {
    for (const m of ["pagerank", "betweenness", "eigenvector", "degree"]) {
      if (typeof a.centrality[m] === "number") return a.centrality[m];
    }
  }
  return state.graph.degree(node);
}

// Communities from the server's analytics when it sent them; otherwise the chart's own
// connected components, and degree for centrality (said in words below the control).
export function measure() {
  const g = state.graph;
  let fromServer = false, top = 0;
  const seen = {}, components = {};
  let next = 0;
  g.forEachNode((node, a) => {
    if (a.community !== undefined && a.community !== null) fromServer = true;
    top = Math.max(top, score(node, a));
    if (seen[node]) return;
    const stack = [node]; seen[node] = true;
    while (stack.length) {
      const current = stack.pop(); components[current] = next;
      g.forEachEdge(current, (_e, _a, s, t) => {
        const other = s === current ? t : s;
        if (!seen[other]) { seen[other] = true; stack.push(other); }
      });
    }
    next++;
  });
  state.components = components; state.topScore = top;
  const mode = $("colour-by").value;
  $("colour-note").textContent = mode === "type" ? "" : mode === "community"
    ? (fromServer ? "Communities found by the analytics: groups that link more among themselves than to others."
      : "Connected groups within this chart (the server's community analysis is not available).")
    : "Darker means more central: more links to other well-linked nodes.";
}

// The table and the case choices follow the chart a frame later: the picture comes first.
export let tablesDue = false;
export function scheduleTables() {
  if (tablesDue) return;
  tablesDue = true;
  requestAnimationFrame(() => setTimeout(() => { tablesDue = false; renderTables(); fillCaseChoices(); }, 0));
}

export function redraw() {
  readFilters();
  measure();
  if (state.sigma) {
    const many = state.graph.size > MANY_LINKS;
    state.sigma.setSetting("hideEdgesOnMove", many);
    state.sigma.setSetting("hideLabelsOnMove", many);
    state.sigma.refresh();
  }
  scheduleTables();
  $("show-hidden").hidden = state.hiddenByHand.size === 0;
}

// A force-directed layout in short steps, so the page stays responsive; pinned nodes stay.
export function layout(ms) {
  if (!libs || state.graph.order < 2) return;
  clearTimeout(state.layoutTimer);
  const settings = libs.forceAtlas2.inferSettings(state.graph);
  settings.barnesHutOptimize = state.graph.order > 500;
  const end = performance.now() + (ms || 1500);
  const step = () => {
    libs.forceAtlas2.assign(state.graph, { iterations: state.graph.order > 2000 ? 1 : 5, settings });
    if (performance.now() < end) state.layoutTimer = setTimeout(step, 0);
  };
  state.layoutTimer = setTimeout(step, 0);
}
