// The shortest path between two nodes, with the evidence of each hop.
import { $, api, nameOf, state, status } from "./state.js";
import { iconsReady } from "./icons.js";
import { edgeKey, merge, resetGraph } from "./graph.js";
import { redraw } from "./draw.js";
import { dateParams, show } from "./loading.js";

export async function findPath() {
  const a = $("path-a").value.trim(), b = $("path-b").value.trim();
  if (!a || !b) { status("Give both ends of the path."); return; }
  const params = dateParams(); params.set("a", a); params.set("b", b);
  status("Looking for the shortest path…");
  try {
    const body = await api(`/api/graph/path?${params}`);
    await iconsReady;
    ensureGraph();
    merge(body, null);
    state.path = body.path;
    state.pathEdges = new Set(body.hops.flatMap((h) => h.evidence.map(edgeKey)));
    renderHops(body);
    show(null, body.path.length
      ? `Path of ${body.hops.length} hops; the evidence of each hop is listed beside the chart.`
      : "These two are not connected in what you may see.");
  } catch (err) { status(`Could not find a path: ${err.message}`); }
}

export function ensureGraph() { if (!state.graph) resetGraph(); }

export function renderHops(body) {
  const list = $("path-hops"); list.replaceChildren();
  for (const hop of body.hops) {
    const li = document.createElement("li");
    li.textContent = `${nameOf(hop.source)} — ${nameOf(hop.target)}`;
    const ul = document.createElement("ul");
    for (const e of hop.evidence) {
      const item = document.createElement("li");
      const paid = e.attrs && e.attrs.amount ? ` ${e.attrs.amount} ${e.attrs.chain || ""}`.trimEnd() : "";
      const text = `${e.type.replace(/_/g, " ")}${paid}${e.date ? ", " + e.date : ""}, record ${e.record}`;
      if (e.case_id) {
        const a = document.createElement("a"); a.href = `/cases/${e.case_id}`;
        a.textContent = nameOf(`case:${e.case_id}`);
        item.append(text + " — ", a);
      } else item.textContent = text;
      ul.append(item);
    }
    li.append(ul); list.append(li);
  }
}

export function clearPath() { state.path = []; state.pathEdges.clear(); $("path-hops").replaceChildren(); redraw(); }
