// The selection and what can be done with it: hide, pin, group.
import { $, ICONS, TYPE_COLOURS, hooks, state, status } from "./state.js";
import { iconOf } from "./icons.js";
import { layout, redraw } from "./draw.js";

export function selectedOne() { const s = [...state.selected]; return s.length ? s[s.length - 1] : null; }

export function recordLink(a) {
  if (a.nodeType === "person" && a.info.records && a.info.records.length) return `/people/${a.info.records[0]}`;
  if (a.nodeType === "case" && a.info.case_id) return `/cases/${a.info.case_id}`;
  return null;
}

export function refreshSelection() {
  describeSelection();
  if (state.sigma) state.sigma.refresh({ skipIndexation: true });
}

// The panel about the selected node, and the table's marks.
export function describeSelection() {
  const node = selectedOne();
  $("selected-none").hidden = !!node; $("selected-detail").hidden = !node;
  if (node && state.graph.hasNode(node)) {
    const a = state.graph.getNodeAttributes(node);
    $("selected-label").textContent = a.label;
    $("selected-type").textContent = `${a.nodeType} · ${node}`;
    $("selected-icon").src = ICONS + a.nodeType + ".svg";
    const more = [`${state.graph.degree(node)} links in the chart`];
    if (state.selected.size > 1) more.push(`${state.selected.size} selected`);
    if (a.info.roles) more.push(`roles: ${a.info.roles.join(", ")}`);
    if (a.info.protected) more.push("protected identity: shown by code");
    $("selected-more").textContent = more.join(" · ");
    const link = recordLink(a);
    $("do-open").hidden = !link; if (link) $("do-open").href = link;
    $("do-pin").setAttribute("aria-pressed", a.fixed ? "true" : "false");
    $("do-pin").textContent = a.fixed ? "Unpin" : "Pin";
  }
  hooks.selectionDescribed();
}

export function hideSelected() {
  for (const n of state.selected) state.hiddenByHand.add(n);
  state.selected.clear(); refreshSelection(); redraw();
  status("Hidden. 'Show hidden nodes' brings them back.");
}

export function togglePin() {
  const node = selectedOne(); if (!node) return;
  const pinned = !state.graph.getNodeAttribute(node, "fixed");
  for (const n of state.selected) state.graph.setNodeAttribute(n, "fixed", pinned);
  refreshSelection();
  status(pinned ? "Pinned: the layout will not move it." : "Unpinned.");
}

export function groupSelected() {
  const name = $("group-name").value.trim() || "Group";
  const members = [...state.selected].filter((n) => state.graph.getNodeAttribute(n, "nodeType") !== "group");
  if (members.length < 2) { status("Select two or more nodes (shift-click) to group them."); return; }
  state.groups.set(name, new Set(members));
  applyGroups();
  state.selected = new Set([`group:${name}`]);
  refreshSelection(); redraw();
  status(`${members.length} nodes grouped as ${name}.`);
}

// A group is a node of its own; its members hide behind it and their links join it.
export function applyGroups() {
  const g = state.graph;
  g.forEachNode((n, a) => { if (a.nodeType === "group") g.dropNode(n); else if (a.groupedIn) g.setNodeAttribute(n, "groupedIn", null); });
  for (const [name, members] of state.groups) {
    const live = [...members].filter((m) => g.hasNode(m));
    if (!live.length) continue;
    const id = `group:${name}`;
    const xs = live.map((m) => g.getNodeAttribute(m, "x")), ys = live.map((m) => g.getNodeAttribute(m, "y"));
    g.addNode(id, {
      label: `${name} (${live.length})`, nodeType: "group", info: { members: live },
      x: xs.reduce((p, q) => p + q, 0) / live.length, y: ys.reduce((p, q) => p + q, 0) / live.length,
      size: 12, image: iconOf("group"), color: TYPE_COLOURS.group,
    });
    for (const m of live) g.setNodeAttribute(m, "groupedIn", id);
  }
  const joins = [];
  g.forEachEdge((e, a, s, t) => {
    if (a.groupEdge) return;
    const gs = g.getNodeAttribute(s, "groupedIn") || s, gt = g.getNodeAttribute(t, "groupedIn") || t;
    if ((gs !== s || gt !== t) && gs !== gt) joins.push([`${gs}→${gt}|${e}`, gs, gt, a]);
  });
  for (const [k, s, t, a] of joins) {
    if (!g.hasEdge(k)) g.addEdgeWithKey(k, s, t, Object.assign({}, a, { groupEdge: true }));
  }
}

export function ungroup() {
  const node = selectedOne();
  const a = node && state.graph.getNodeAttributes(node);
  if (!a || a.nodeType !== "group") { status("Select a group to ungroup it."); return; }
  state.groups.delete(node.slice(6));
  applyGroups(); state.selected.clear(); refreshSelection(); redraw();
  status("Ungrouped.");
}
