// Shared by the chart's modules: its elements, state, constants and server calls.
// Every label reaches the page as text (canvas, textContent, escaped SVG): never as HTML.
export const root = document.getElementById("network");
export const libs = window.NCChart || null;
export const $ = (id) => document.getElementById(id);
export const ICONS = "/static/network/icons/";
export const TYPE_COLOURS = {
  person: "#f4b183", case: "#9dc3e6", phone: "#c5e0b4", email: "#c5e0b4", upi: "#ffe699",
  bank_account: "#ffe699", crypto: "#ffe699", ip: "#d9d2e9", imei: "#d9d2e9",
  vehicle: "#d9d2e9", social: "#c5e0b4", url: "#d9d2e9", place: "#bdd7ee",
  establishment: "#f8cbad", org: "#dbdbdb", group: "#ffd966", campaign: "#f4cccc",
};
// Links drawn apart from the grey evidence links: money paid, in green and thicker.
export const EDGE_STYLES = { paid: { color: "#2e7d32", size: 2 } };
export const PALETTE = ["#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462",
  "#b3de69", "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f"];
export const state = {
  graph: null, sigma: null, selected: new Set(), expanded: new Set(), path: [],
  pathEdges: new Set(), hiddenByHand: new Set(), groups: new Map(), caseId: null,
  dates: [], layoutTimer: null, components: null, topScore: null, openedIn: null,
  ready: Promise.resolve(),
};

// What the drawing and the selection code ask of the modules above them, set by chart.js:
// each module imports only the ones below it, never one that imports it back.
export const hooks = {
  nodeClicked: (_node, _add) => {}, // loading.js: select a node (shift adds it)
  selectionChanged: () => {}, // selection.js: describe the selection, mark it on the chart
  pictureDrawn: () => {}, // tables.js and saved.js: the tables and the case choices
  selectionDescribed: () => {}, // tables.js: mark the selection in the tables
};

export function status(text) { $("chart-status").textContent = text; }

export async function api(url, options) {
  const response = await fetch(url, Object.assign({ credentials: "same-origin" }, options));
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail || `the server answered ${response.status}`);
  return body;
}

// The filters as the controls set them, read once per redraw (the reducers run per node
// and per link on every frame: they must not touch the DOM).
export const filters = { nodeTypes: new Set(), edgeTypes: new Set(), since: "", until: "" };

// Past this many links, they are left out while the view moves (as cytoscape.js does):
// panning and zooming a large chart stay fluid even without a GPU.
export const MANY_LINKS = 5_000;

export function checked(name) {
  return new Set([...document.querySelectorAll(`input[name=${name}]`)].filter((i) => i.checked).map((i) => i.value));
}

export function nameOf(node) { return state.graph.hasNode(node) ? state.graph.getNodeAttribute(node, "label") : node; }
