// The chart's graph: API data merged into graphology (or a stand-in without the libraries).
import { $, EDGE_STYLES, TYPE_COLOURS, libs, state } from "./state.js";
import { iconOf } from "./icons.js";

export function newGraph() {
  if (libs) return new libs.Graph({ multi: true, type: "mixed" });
  return fallbackGraph();
}

// Without the chart's libraries, a small stand-in holds the data for the table.
export function fallbackGraph() {
  const nodes = new Map(), edges = new Map();
  return {
    order: 0,
    hasNode: (k) => nodes.has(k), hasEdge: (k) => edges.has(k),
    addNode(k, a) { nodes.set(k, a); this.order = nodes.size; },
    addEdgeWithKey(k, s, t, a) { edges.set(k, Object.assign({ s, t }, a)); },
    getNodeAttributes: (k) => nodes.get(k), getNodeAttribute: (k, n) => nodes.get(k)[n],
    setNodeAttribute(k, n, v) { nodes.get(k)[n] = v; },
    mergeNodeAttributes(k, a) { Object.assign(nodes.get(k), a); },
    getEdgeAttributes: (k) => edges.get(k), setEdgeAttribute(k, n, v) { edges.get(k)[n] = v; },
    forEachNode(f) { nodes.forEach((a, k) => f(k, a)); },
    forEachEdge(node, f) {
      if (f === undefined) { edges.forEach((a, k) => node(k, a, a.s, a.t)); return; }
      edges.forEach((a, k) => { if (a.s === node || a.t === node) f(k, a, a.s, a.t); });
    },
    nodes: () => [...nodes.keys()], extremities: (k) => [edges.get(k).s, edges.get(k).t],
    source: (k) => edges.get(k).s, target: (k) => edges.get(k).t,
    forEachNeighbor(k, f) { edges.forEach((a) => { if (a.s === k) f(a.t); else if (a.t === k) f(a.s); }); },
    degree(k) { let n = 0; edges.forEach((a) => { if (a.s === k || a.t === k) n++; }); return n; },
    dropNode(k) { nodes.delete(k); edges.forEach((a, e) => { if (a.s === k || a.t === k) edges.delete(e); }); this.order = nodes.size; },
    dropEdge(k) { edges.delete(k); },
    clear() { nodes.clear(); edges.clear(); this.order = 0; },
  };
}

export function edgeKey(e) {
  return [e.source, e.target, e.type, e.case_id == null ? "" : e.case_id, e.record].join("|");
}

const edgeLabels = {};

export function merge(body, near) {
  const g = state.graph;
  const added = [];
  const centre = near && g.hasNode(near) ? g.getNodeAttributes(near) : null;
  const n = body.nodes.length;
  for (let i = 0; i < n; i++) {
    const node = body.nodes[i];
    const attrs = {
      label: node.label, nodeType: node.type, info: node.attrs || {},
      community: node.community, centrality: node.centrality || null,
    };
    if (g.hasNode(node.id)) { g.mergeNodeAttributes(node.id, attrs); continue; }
    const layout = node.layout || {};
    let x = layout.x, y = layout.y;
    if (x === undefined) {
      const angle = (2 * Math.PI * i) / Math.max(n, 1);
      const radius = centre ? 20 + Math.random() * 30 : 100 * Math.sqrt(n) * Math.random();
      x = (centre ? centre.x : 0) + radius * Math.cos(angle);
      y = (centre ? centre.y : 0) + radius * Math.sin(angle);
    }
    attrs.x = x; attrs.y = y; attrs.size = node.type === "case" ? 11 : 8;
    attrs.color = TYPE_COLOURS[node.type] || "#dddddd";
    attrs.image = iconOf(node.type); attrs.fixed = !!layout.pinned;
    g.addNode(node.id, attrs);
    if (layout.hidden) state.hiddenByHand.add(node.id);
    if (layout.group) {
      if (!state.groups.has(layout.group)) state.groups.set(layout.group, new Set());
      state.groups.get(layout.group).add(node.id);
    }
    added.push(node.id);
  }
  for (const e of body.edges) {
    const key = edgeKey(e);
    if (g.hasEdge(key) || !g.hasNode(e.source) || !g.hasNode(e.target)) continue;
    let label = edgeLabels[e.type] || (edgeLabels[e.type] = e.type.replace(/_/g, " "));
    if (e.attrs && e.attrs.amount) label += ` ${e.attrs.amount} ${e.attrs.chain || ""}`.trimEnd();
    g.addEdgeWithKey(key, e.source, e.target, {
      edgeType: e.type, caseId: e.case_id, record: e.record, date: e.date,
      info: e.attrs || {}, size: 1, color: "#aab4c0", label, ...EDGE_STYLES[e.type],
    });
  }
  return added;
}

// A new, empty graph: the renderer keeps drawing the old one until it is handed the new.
export function resetGraph() {
  state.graph = newGraph();
  state.selected.clear(); state.expanded.clear(); state.hiddenByHand.clear();
  state.groups.clear(); state.path = []; state.pathEdges.clear();
  $("path-hops").replaceChildren();
}
