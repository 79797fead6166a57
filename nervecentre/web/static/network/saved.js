// Saving a chart to a case and reopening it.
import { $, api, checked, libs, root, state, status } from "./state.js";
import { iconsReady } from "./icons.js";
import { merge, resetGraph } from "./graph.js";
import { redraw } from "./draw.js";
import { applyGroups } from "./selection.js";
import { collectDates } from "./time.js";

export function fillCaseChoices() {
  const select = $("save-case"); if (!select) return;
  const current = select.value;
  const options = [select.options[0]];
  state.graph.forEachNode((n, a) => {
    if (a.nodeType === "case") { const o = document.createElement("option"); o.value = a.info.case_id; o.textContent = a.label; options.push(o); }
  });
  select.replaceChildren(...options);
  if ([...select.options].some((o) => o.value === current)) select.value = current;
}

export function chartState() {
  const nodes = [];
  state.graph.forEachNode((n, a) => {
    if (a.nodeType === "group") return;
    const item = { id: n, x: a.x, y: a.y };
    if (state.hiddenByHand.has(n)) item.hidden = true;
    if (a.fixed) item.pinned = true;
    for (const [name, members] of state.groups) if (members.has(n)) item.group = name;
    nodes.push(item);
  });
  return {
    nodes, colour: $("colour-by").value, path: state.path,
    filters: { node_types: [...checked("node_type")], edge_types: [...checked("edge_type")], since: $("since").value || null, until: $("until").value || null },
  };
}

export async function saveChart() {
  const caseId = $("save-case").value, name = $("save-name").value.trim();
  if (!caseId) { status("Choose the case to save the chart to."); $("save-case").focus(); return; }
  if (!name) { status("Give the chart a name."); $("save-name").focus(); return; }
  try {
    const made = await api(`/api/cases/${caseId}/charts`, {
      method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": root.dataset.csrf },
      body: JSON.stringify({ name, chart: chartState() }),
    });
    status(`Saved as chart ${made.id} of the case.`);
    loadSavedList(caseId);
  } catch (err) { status(`Could not save: ${err.message}`); }
}

export async function loadSavedList(caseId) {
  const list = $("saved-charts");
  try {
    const charts = await api(`/api/cases/${caseId}/charts`);
    if (!charts.length) { const li = document.createElement("li"); li.className = "muted"; li.textContent = "None yet."; list.replaceChildren(li); return; }
    list.replaceChildren(...charts.map((c) => {
      const li = document.createElement("li"); const a = document.createElement("a");
      a.href = `/network/charts/${c.id}`; a.textContent = c.name;
      li.append(a, ` · ${c.nodes} nodes · ${c.created_at.replace("T", " ")}`); return li;
    }));
  } catch (err) { list.replaceChildren(); }
}

export async function reopen(chartId) {
  await iconsReady;
  resetGraph(); status("Opening the saved chart…");
  try {
    const body = await api(`/api/charts/${chartId}`);
    const f = body.filters;
    for (const [name, values] of [["node_type", f.node_types], ["edge_type", f.edge_types]]) {
      if (values && values.length) for (const i of document.querySelectorAll(`input[name=${name}]`)) i.checked = values.includes(i.value);
    }
    $("since").value = f.since || ""; $("until").value = f.until || "";
    $("colour-by").value = body.colour;
    merge(body.graph, null);
    applyGroups();
    state.path = body.path;
    state.pathEdges = new Set();
    for (let i = 1; libs && i < state.path.length; i++) {
      const [a, b] = [state.path[i - 1], state.path[i]];
      for (const e of state.graph.edges(a, b).concat(state.graph.edges(b, a))) state.pathEdges.add(e);
    }
    loadSavedList(body.case_id);
    const left = body.omitted ? ` ${body.omitted} of its nodes are not shown: no longer in the registry, or not visible to you.` : "";
    collectDates(); redraw();
    status(`Chart “${body.name}” of ${body.case_key}: ${body.graph.nodes.length} nodes.${left}`);
  } catch (err) { status(`Could not open the chart: ${err.message}`); }
}
