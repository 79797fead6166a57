// The table under the chart: the same nodes and links, for the keyboard and screen readers.
import { $, ICONS, nameOf, state } from "./state.js";
import { components, edgeShown, visibleNode } from "./draw.js";
import { expand } from "./loading.js";
import { hideSelected, recordLink, refreshSelection } from "./selection.js";

export const MAX_ROWS = 500;

export function button(text, label, onClick) {
  const b = document.createElement("button"); b.type = "button"; b.textContent = text;
  b.setAttribute("aria-label", label); b.addEventListener("click", onClick); return b;
}

export function renderTables() {
  const g = state.graph; if (!g) return;
  const nodes = [], links = [];
  g.forEachNode((n, a) => { if (visibleNode(n, a)) nodes.push([n, a, g.degree(n)]); });
  g.forEachEdge((e, a, s, t) => { if (edgeShown(e, a) && !a.groupEdge) links.push([e, a, s, t]); });
  nodes.sort((p, q) => q[2] - p[2]);
  const body = $("node-table").tBodies[0];
  const rows = nodes.slice(0, MAX_ROWS).map(([n, a, degree]) => {
    const tr = document.createElement("tr"); tr.dataset.node = n;
    const type = document.createElement("td");
    const img = document.createElement("img"); img.src = ICONS + a.nodeType + ".svg"; img.alt = ""; img.width = 16; img.height = 16;
    type.append(img, a.nodeType);
    const name = document.createElement("td");
    const link = recordLink(a);
    if (link) { const l = document.createElement("a"); l.href = link; l.textContent = a.label; name.append(l); }
    else name.textContent = a.label;
    const deg = document.createElement("td"); deg.className = "num"; deg.textContent = degree;
    const com = document.createElement("td");
    const c = a.community ?? components()[n]; com.textContent = c === undefined ? "" : String(c);
    const act = document.createElement("td");
    act.append(
      button("Select", `Select ${a.label}`, () => { state.selected = new Set([n]); refreshSelection(); }),
      " ", button("Add", `Add ${a.label} as well`, () => { state.selected.add(n); refreshSelection(); }),
      " ", button("Expand", `Expand ${a.label}`, () => expand(n)),
      " ", button("Hide", `Hide ${a.label}`, () => { state.selected = new Set([n]); hideSelected(); }),
    );
    tr.append(type, name, deg, com, act);
    return tr;
  });
  body.replaceChildren(...rows);
  const lbody = $("link-table").tBodies[0];
  lbody.replaceChildren(...links.slice(0, MAX_ROWS).map(([, a, s, t]) => {
    const tr = document.createElement("tr");
    const cells = [nameOf(s), a.label, nameOf(t), a.caseId ? nameOf(`case:${a.caseId}`) : "", a.date || "", a.record];
    for (const text of cells) { const td = document.createElement("td"); td.textContent = text; tr.append(td); }
    return tr;
  }));
  $("table-note").textContent = `${nodes.length} nodes and ${links.length} links shown` +
    (nodes.length > MAX_ROWS || links.length > MAX_ROWS ? ` (the table lists the first ${MAX_ROWS} of each; filter to narrow)` : "") + ".";
  markTableSelection();
}

export function markTableSelection() {
  for (const tr of $("node-table").tBodies[0].rows) tr.classList.toggle("is-selected", state.selected.has(tr.dataset.node));
}
