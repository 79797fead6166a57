// Drawing: sigma.js over the graph, the reducers that filter and colour, the layout.
import { $, MANY_LINKS, PALETTE, TYPE_COLOURS, checked, filters, hooks, libs, state } from "./state.js";
import { iconData, iconsReady } from "./icons.js";

// The renderer opens with the page, on an empty graph: compiling its WebGL programs takes a
// second or more in software WebGL (the icon program most), and a chart's first picture
// should not wait for it. Each chart after that is handed over with setGraph.
export function openRenderer() {
  if (!libs || state.sigma) return;
  const t0 = performance.now();
  const image = libs.createNodeImageProgram({
    padding: 0.2, drawingMode: "background",
    keepWithinCircle: true, debounceTimeout: 0,
  });
  state.sigma = new libs.Sigma(state.graph, $("chart"), {
    defaultNodeType: "image", nodeProgramClasses: { image, circle: libs.NodeCircleProgram },
    // Thin GL lines draw 20,000 links fast; a path's links are drawn thick on top.
    defaultEdgeType: "line",
    edgeProgramClasses: { line: libs.EdgeLineProgram, thick: libs.EdgeRectangleProgram },
    renderEdgeLabels: false, labelRenderedSizeThreshold: 6, labelDensity: 0.6,
    hideEdgesOnMove: false, hideLabelsOnMove: false,
    zIndex: true, nodeReducer, edgeReducer, allowInvalidContainer: true,
  });
  const s = state.sigma;
  s.on("clickNode", ({ node, event }) => hooks.nodeClicked(node, event.original.shiftKey));
  s.on("clickStage", () => { state.selected.clear(); hooks.selectionChanged(); });
  dragging(s);
  state.ready = warmIcons(s).then(() => { state.openedIn = performance.now() - t0; });
}

// Every icon into the image program's texture atlas before the first chart: each icon that
// arrives later redraws the whole chart as it comes (and may recompile the program).
// The program fetches an image only for a node it draws, and the chart's reducers hide any
// node whose type is not a checked filter box: the warm-up's nodes are drawn without them.
async function warmIcons(s) {
  await iconsReady;
  if (s.getGraph() !== state.graph || state.graph.order) return; // a chart came first
  const warm = new libs.Graph();
  Object.entries(iconData).forEach(([type, src], i) => {
    warm.addNode(type, { x: i, y: 0, size: 1, image: src, color: "#ffffff", label: "" });
  });
  const chart = $("chart");
  chart.style.visibility = "hidden";
  s.setSetting("nodeReducer", null);
  s.setSetting("edgeReducer", null);
  s.setGraph(warm);
  const program = s.nodePrograms && s.nodePrograms.image;
  const sources = Object.values(iconData);
  const until = performance.now() + 3000;
  while (performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (!program || !program.atlas || sources.every((src) => program.atlas[src])) break;
  }
  s.setSetting("nodeReducer", nodeReducer);
  s.setSetting("edgeReducer", edgeReducer);
  if (s.getGraph() === warm) s.setGraph(state.graph);
  chart.style.visibility = "";
}

// Index and draw the chart's graph: hand a new graph to the renderer (which draws it), or
// refresh the one it has.
function draw() {
  if (!libs) return;
  openRenderer();
  const s = state.sigma;
  const many = state.graph.size > MANY_LINKS;
  if (s.getSetting("hideEdgesOnMove") !== many) {
    s.setSetting("hideEdgesOnMove", many);
    s.setSetting("hideLabelsOnMove", many);
  }
  if (s.getSetting("nodeReducer") !== nodeReducer) { // a chart came during the warm-up
    s.setSetting("nodeReducer", nodeReducer);
    s.setSetting("edgeReducer", edgeReducer);
  }
  if (s.getGraph() !== state.graph) {
    s.getCamera().setState({ x: 0.5, y: 0.5, ratio: 1, angle: 0 });
    s.setGraph(state.graph);
    $("chart").style.visibility = "";
  } else s.refresh();
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
  const stop = () => { if (dragged) { dragged = null; s.getCamera().enable(); hooks.selectionChanged(); } };
  s.getMouseCaptor().on("mouseup", stop);
}

export function readFilters() {
  filters.nodeTypes = checked("node_type"); filters.edgeTypes = checked("edge_type");
  filters.since = $("since").value; filters.until = $("until").value;
  filters.colour = $("colour-by").value;
  // Whether any node is out of view: when none is, a link's ends need no look-up.
  const boxes = document.querySelectorAll("input[name=node_type]").length;
  filters.someNodesOut = filters.nodeTypes.size < boxes || state.hiddenByHand.size > 0 ||
    state.groups.size > 0;
}

export function visibleNode(node, a) {
  if (state.hiddenByHand.has(node) || a.groupedIn) return false;
  return a.nodeType === "group" || filters.nodeTypes.has(a.nodeType);
}

export function edgeInRange(a) {
  if (!a.date) return true;
  return (!filters.since || a.date >= filters.since) && (!filters.until || a.date <= filters.until);
}

// The reducers run for every node and link on each refresh: sigma hands them a copy of the
// attributes to change, and they read only what readFilters prepared.
export function nodeReducer(node, a) {
  a.hidden = !visibleNode(node, a);
  if (filters.colour !== "type") a.color = colourOf(node, a);
  if (state.selected.has(node)) { a.highlighted = true; a.zIndex = 2; }
  if (state.path.length) {
    if (state.path.includes(node)) { a.highlighted = true; a.zIndex = 2; a.size *= 1.4; }
    else { a.color = "#e3e7ec"; a.label = ""; }
  }
  return a;
}

export function edgeShown(edge, a) {
  if (!filters.edgeTypes.has(a.edgeType) || !edgeInRange(a)) return false;
  if (!filters.someNodesOut) return true;
  const g = state.graph, s = g.source(edge), t = g.target(edge);
  return visibleNode(s, g.getNodeAttributes(s)) && visibleNode(t, g.getNodeAttributes(t));
}

export function edgeReducer(edge, a) {
  a.hidden = !edgeShown(edge, a);
  if (state.path.length) {
    if (state.pathEdges.has(edge)) { a.color = "#c0392b"; a.size = 3; a.zIndex = 2; a.type = "thick"; }
    else a.color = "#eef0f3";
  }
  return a;
}

export function colourOf(node, a) {
  const mode = filters.colour;
  if (mode === "community") {
    const c = a.community === undefined || a.community === null ? components()[node] : a.community;
    return c === undefined ? "#dddddd" : PALETTE[c % PALETTE.length];
  }
  if (mode === "centrality") {
    const v = score(node, a) / topScore();
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
// connected components, and degree for centrality (said in words below the control). Both
// are worked out when first asked for after a change (see measure).
export function components() {
  if (state.components) return state.components;
  const g = state.graph, seen = {}, found = {};
  let next = 0;
  g.forEachNode((node) => {
    if (seen[node]) return;
    const stack = [node]; seen[node] = true;
    while (stack.length) {
      const current = stack.pop(); found[current] = next;
      g.forEachNeighbor(current, (other) => {
        if (!seen[other]) { seen[other] = true; stack.push(other); }
      });
    }
    next++;
  });
  state.components = found;
  return found;
}

function topScore() {
  if (state.topScore === null) {
    let top = 0;
    state.graph.forEachNode((node, a) => { top = Math.max(top, score(node, a)); });
    state.topScore = top || 1;
  }
  return state.topScore;
}

export function measure() {
  state.components = null; state.topScore = null;
  const mode = $("colour-by").value;
  let fromServer = false;
  if (mode === "community") {
    state.graph.forEachNode((_n, a) => { if (a.community !== undefined && a.community !== null) fromServer = true; });
  }
  $("colour-note").textContent = mode === "type" ? "" : mode === "community"
    ? (fromServer ? "Communities found by the analytics: groups that link more among themselves than to others."
      : "Connected groups within this chart (the server's community analysis is not available).")
    : "Darker means more central: more links to other well-linked nodes.";
}

// The table and the case choices follow once the picture is on screen (two frames on):
// for thousands of nodes they take longer to build than the picture.
let tablesDue = false;
export function scheduleTables() {
  if (tablesDue) return;
  tablesDue = true;
  const build = () => { tablesDue = false; hooks.pictureDrawn(); };
  requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(build, 0)));
}

export function redraw() {
  readFilters();
  measure();
  draw();
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
