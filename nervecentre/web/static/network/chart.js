// The link chart: sigma.js (WebGL) over a graphology graph, fed by the graph API.
// Every label reaches the page as text (canvas, textContent, escaped SVG): never as HTML.
(function () {
  "use strict";

  const root = document.getElementById("network");
  if (!root) return;
  const libs = window.NCChart || null;
  const $ = (id) => document.getElementById(id);
  const ICONS = "/static/network/icons/";
  const TYPE_COLOURS = {
    person: "#f4b183", case: "#9dc3e6", phone: "#c5e0b4", email: "#c5e0b4", upi: "#ffe699",
    bank_account: "#ffe699", crypto: "#ffe699", ip: "#d9d2e9", imei: "#d9d2e9",
    vehicle: "#d9d2e9", social: "#c5e0b4", url: "#d9d2e9", place: "#bdd7ee",
    establishment: "#f8cbad", org: "#dbdbdb", group: "#ffd966",
  };
  const PALETTE = ["#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462",
    "#b3de69", "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f"];
  const state = {
    graph: null, sigma: null, selected: new Set(), expanded: new Set(), path: [],
    pathEdges: new Set(), hiddenByHand: new Set(), groups: new Map(), caseId: null,
    dates: [], layoutTimer: null,
  };

  // The icons, rasterised once into data: URLs: WebGL textures need pixels, and the page's
  // policy lets images come only from the app itself or data: URLs (never blob:).
  const iconData = {};
  const iconsReady = Promise.all(Object.keys(TYPE_COLOURS).map((type) => new Promise((resolve) => {
    const img = new Image(128, 128);
    img.onload = () => {
      const canvas = document.createElement("canvas"); canvas.width = 128; canvas.height = 128;
      canvas.getContext("2d").drawImage(img, 0, 0, 128, 128);
      iconData[type] = canvas.toDataURL("image/png"); resolve();
    };
    img.onerror = () => resolve();
    img.src = ICONS + type + ".svg";
  })));
  const iconOf = (type) => iconData[type] || iconData.org || "";

  function status(text) { $("chart-status").textContent = text; }

  async function api(url, options) {
    const response = await fetch(url, Object.assign({ credentials: "same-origin" }, options));
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.detail || `the server answered ${response.status}`);
    return body;
  }

  // -- the graph ---------------------------------------------------------------------------

  function newGraph() {
    if (libs) return new libs.Graph({ multi: true, type: "mixed" });
    return fallbackGraph();
  }

  // Without the chart's libraries, a small stand-in holds the data for the table.
  function fallbackGraph() {
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
      degree(k) { let n = 0; edges.forEach((a) => { if (a.s === k || a.t === k) n++; }); return n; },
      dropNode(k) { nodes.delete(k); edges.forEach((a, e) => { if (a.s === k || a.t === k) edges.delete(e); }); this.order = nodes.size; },
      dropEdge(k) { edges.delete(k); },
      clear() { nodes.clear(); edges.clear(); this.order = 0; },
    };
  }

  function edgeKey(e) {
    return [e.source, e.target, e.type, e.case_id == null ? "" : e.case_id, e.record].join("|");
  }

  function merge(body, near) {
    const g = state.graph;
    const added = [];
    const centre = near && g.hasNode(near) ? g.getNodeAttributes(near) : null;
    const n = body.nodes.length;
    body.nodes.forEach((node, i) => {
      const attrs = {
        label: node.label, nodeType: node.type, info: node.attrs || {},
        community: node.community, centrality: node.centrality || null,
      };
      if (g.hasNode(node.id)) { g.mergeNodeAttributes(node.id, attrs); return; }
      const layout = node.layout || {};
      let x = layout.x, y = layout.y;
      if (x === undefined) {
        const angle = (2 * Math.PI * i) / Math.max(n, 1);
        const radius = centre ? 20 + Math.random() * 30 : 100 * Math.sqrt(n) * Math.random();
        x = (centre ? centre.x : 0) + radius * Math.cos(angle);
        y = (centre ? centre.y : 0) + radius * Math.sin(angle);
      }
      g.addNode(node.id, Object.assign(attrs, {
        x, y, size: node.type === "case" ? 11 : 8, image: iconOf(node.type),
        fixed: !!layout.pinned,
      }));
      if (layout.hidden) state.hiddenByHand.add(node.id);
      if (layout.group) {
        if (!state.groups.has(layout.group)) state.groups.set(layout.group, new Set());
        state.groups.get(layout.group).add(node.id);
      }
      added.push(node.id);
    });
    for (const e of body.edges) {
      const key = edgeKey(e);
      if (g.hasEdge(key) || !g.hasNode(e.source) || !g.hasNode(e.target)) continue;
      g.addEdgeWithKey(key, e.source, e.target, {
        edgeType: e.type, caseId: e.case_id, record: e.record, date: e.date,
        info: e.attrs || {}, size: 1, color: "#aab4c0", label: e.type.replace(/_/g, " "),
      });
    }
    return added;
  }

  function resetGraph() {
    if (state.sigma) state.sigma.kill();
    state.sigma = null;
    state.graph = newGraph();
    state.selected.clear(); state.expanded.clear(); state.hiddenByHand.clear();
    state.groups.clear(); state.path = []; state.pathEdges.clear();
    $("path-hops").replaceChildren();
  }

  // -- drawing -----------------------------------------------------------------------------

  function ensureSigma() {
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

  function dragging(s) {
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

  // The filters as the controls set them, read once per redraw (the reducers run per node
  // and per link on every frame: they must not touch the DOM).
  const filters = { nodeTypes: new Set(), edgeTypes: new Set(), since: "", until: "" };

  function readFilters() {
    filters.nodeTypes = checked("node_type"); filters.edgeTypes = checked("edge_type");
    filters.since = $("since").value; filters.until = $("until").value;
    filters.colour = $("colour-by").value;
  }

  function visibleNode(node, a) {
    if (state.hiddenByHand.has(node) || a.groupedIn) return false;
    return a.nodeType === "group" || filters.nodeTypes.has(a.nodeType);
  }

  function edgeInRange(a) {
    if (!a.date) return true;
    return (!filters.since || a.date >= filters.since) && (!filters.until || a.date <= filters.until);
  }

  function nodeReducer(node, a) {
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

  function edgeReducer(edge, a) {
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

  function colourOf(node, a) {
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

  function score(node, a) {
    if (a.centrality) {
      for (const m of ["pagerank", "betweenness", "eigenvector", "degree"]) {
        if (typeof a.centrality[m] === "number") return a.centrality[m];
      }
    }
    return state.graph.degree(node);
  }

  // Communities from the server's analytics when it sent them; otherwise the chart's own
  // connected components, and degree for centrality (said in words below the control).
  function measure() {
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
  let tablesDue = false;
  function scheduleTables() {
    if (tablesDue) return;
    tablesDue = true;
    requestAnimationFrame(() => setTimeout(() => { tablesDue = false; renderTables(); fillCaseChoices(); }, 0));
  }

  // Past this many links, they are left out while the view moves (as cytoscape.js does):
  // panning and zooming a large chart stay fluid even without a GPU.
  const MANY_LINKS = 5_000;

  function redraw() {
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
  function layout(ms) {
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

  // -- loading -----------------------------------------------------------------------------

  function dateParams() {
    const p = new URLSearchParams();
    if ($("since").value) p.set("since", $("since").value);
    if ($("until").value) p.set("until", $("until").value);
    return p;
  }

  async function start(ref, hops) {
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

  function show(focus, message) {
    ensureSigma();
    if (focus) { state.selected = new Set([focus]); }
    collectDates();
    redraw();
    refreshSelection();
    layout(1500);
    status(message);
  }

  async function expand(node) {
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

  function onNodeClick(node, add) {
    if (!add) state.selected.clear();
    if (add && state.selected.has(node)) state.selected.delete(node); else state.selected.add(node);
    refreshSelection();
    const a = state.graph.getNodeAttributes(node);
    if ($("expand-on-click").checked && !add && a.nodeType !== "group" && !state.expanded.has(node)) expand(node);
  }

  // -- selection and its actions -------------------------------------------------------------

  function selectedOne() { const s = [...state.selected]; return s.length ? s[s.length - 1] : null; }

  function recordLink(a) {
    if (a.nodeType === "person" && a.info.records && a.info.records.length) return `/people/${a.info.records[0]}`;
    if (a.nodeType === "case" && a.info.case_id) return `/cases/${a.info.case_id}`;
    return null;
  }

  function refreshSelection() {
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
    if (state.sigma) state.sigma.refresh({ skipIndexation: true });
    markTableSelection();
  }

  function hideSelected() {
    for (const n of state.selected) state.hiddenByHand.add(n);
    state.selected.clear(); refreshSelection(); redraw();
    status("Hidden. 'Show hidden nodes' brings them back.");
  }

  function togglePin() {
    const node = selectedOne(); if (!node) return;
    const pinned = !state.graph.getNodeAttribute(node, "fixed");
    for (const n of state.selected) state.graph.setNodeAttribute(n, "fixed", pinned);
    refreshSelection();
    status(pinned ? "Pinned: the layout will not move it." : "Unpinned.");
  }

  function groupSelected() {
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
  function applyGroups() {
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
        size: 12, image: iconOf("group"),
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

  function ungroup() {
    const node = selectedOne();
    const a = node && state.graph.getNodeAttributes(node);
    if (!a || a.nodeType !== "group") { status("Select a group to ungroup it."); return; }
    state.groups.delete(node.slice(6));
    applyGroups(); state.selected.clear(); refreshSelection(); redraw();
    status("Ungrouped.");
  }

  // -- filters and the time slider -------------------------------------------------------------

  function checked(name) {
    return new Set([...document.querySelectorAll(`input[name=${name}]`)].filter((i) => i.checked).map((i) => i.value));
  }

  function collectDates() {
    const days = new Set();
    state.graph.forEachEdge((_e, a) => { if (a.date) days.add(a.date.slice(0, 7)); });
    state.dates = [...days].sort();
    const slider = $("time-slider");
    slider.max = Math.max(state.dates.length - 1, 0);
    slider.value = slider.max;
    slider.setAttribute("aria-valuetext", state.dates.length ? `up to ${state.dates[state.dates.length - 1]}` : "all dates");
    $("slider-out").textContent = "the latest";
  }

  function onSlider() {
    const month = state.dates[Number($("time-slider").value)];
    if (!month) return;
    const [y, m] = month.split("-").map(Number);
    const last = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
    $("until").value = last;
    $("slider-out").textContent = month;
    $("time-slider").setAttribute("aria-valuetext", `up to ${month}`);
    redraw();
  }

  // -- paths -----------------------------------------------------------------------------------

  async function findPath() {
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

  function ensureGraph() { if (!state.graph) resetGraph(); }

  function nameOf(node) { return state.graph.hasNode(node) ? state.graph.getNodeAttribute(node, "label") : node; }

  function renderHops(body) {
    const list = $("path-hops"); list.replaceChildren();
    for (const hop of body.hops) {
      const li = document.createElement("li");
      li.textContent = `${nameOf(hop.source)} — ${nameOf(hop.target)}`;
      const ul = document.createElement("ul");
      for (const e of hop.evidence) {
        const item = document.createElement("li");
        const text = `${e.type.replace(/_/g, " ")}${e.date ? ", " + e.date : ""}, record ${e.record}`;
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

  function clearPath() { state.path = []; state.pathEdges.clear(); $("path-hops").replaceChildren(); redraw(); }

  // -- the table alternative --------------------------------------------------------------------

  const MAX_ROWS = 500;

  function button(text, label, onClick) {
    const b = document.createElement("button"); b.type = "button"; b.textContent = text;
    b.setAttribute("aria-label", label); b.addEventListener("click", onClick); return b;
  }

  function renderTables() {
    const g = state.graph; if (!g) return;
    const nodes = [], links = [];
    g.forEachNode((n, a) => { if (visibleNode(n, a)) nodes.push([n, a]); });
    g.forEachEdge((e, a, s, t) => { if (!edgeReducer(e, a).hidden && !a.groupEdge) links.push([e, a, s, t]); });
    nodes.sort((p, q) => g.degree(q[0]) - g.degree(p[0]));
    const body = $("node-table").tBodies[0];
    const rows = nodes.slice(0, MAX_ROWS).map(([n, a]) => {
      const tr = document.createElement("tr"); tr.dataset.node = n;
      const type = document.createElement("td");
      const img = document.createElement("img"); img.src = ICONS + a.nodeType + ".svg"; img.alt = ""; img.width = 16; img.height = 16;
      type.append(img, a.nodeType);
      const name = document.createElement("td");
      const link = recordLink(a);
      if (link) { const l = document.createElement("a"); l.href = link; l.textContent = a.label; name.append(l); }
      else name.textContent = a.label;
      const deg = document.createElement("td"); deg.className = "num"; deg.textContent = g.degree(n);
      const com = document.createElement("td");
      const c = a.community ?? (state.components || {})[n]; com.textContent = c === undefined ? "" : String(c);
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

  function markTableSelection() {
    for (const tr of $("node-table").tBodies[0].rows) tr.classList.toggle("is-selected", state.selected.has(tr.dataset.node));
  }

  // -- saving and reopening ----------------------------------------------------------------------

  function fillCaseChoices() {
    const select = $("save-case"); if (!select) return;
    const current = select.value;
    const options = [select.options[0]];
    state.graph.forEachNode((n, a) => {
      if (a.nodeType === "case") { const o = document.createElement("option"); o.value = a.info.case_id; o.textContent = a.label; options.push(o); }
    });
    select.replaceChildren(...options);
    if ([...select.options].some((o) => o.value === current)) select.value = current;
  }

  function chartState() {
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

  async function saveChart() {
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

  async function loadSavedList(caseId) {
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

  async function reopen(chartId) {
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
      ensureSigma(); collectDates(); redraw();
      status(`Chart “${body.name}” of ${body.case_key}: ${body.graph.nodes.length} nodes.${left}`);
    } catch (err) { status(`Could not open the chart: ${err.message}`); }
  }

  // -- export ------------------------------------------------------------------------------------

  function download(blob, name) {
    const a = document.createElement("a"); a.href = URL.createObjectURL(blob); a.download = name;
    document.body.append(a); a.click(); a.remove(); setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  async function exportPng() {
    if (!state.sigma) return;
    const blob = await libs.toBlob(state.sigma, { format: "png", backgroundColor: "#ffffff" });
    download(blob, "link-chart.png"); status("Exported as PNG.");
  }

  const ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
  const xml = (s) => String(s).replace(/[&<>"']/g, (c) => ESC[c]);

  async function exportSvg() {
    if (!state.sigma) return;
    const s = state.sigma, { width, height } = s.getDimensions();
    const types = new Set(), nodes = [], lines = [];
    state.graph.forEachNode((n) => { const d = s.getNodeDisplayData(n); if (d && !d.hidden) { nodes.push([n, d]); types.add(state.graph.getNodeAttribute(n, "nodeType")); } });
    state.graph.forEachEdge((e, a, src, tgt) => {
      const d = s.getEdgeDisplayData(e); if (!d || d.hidden) return;
      const p = s.framedGraphToViewport(s.getNodeDisplayData(src)), q = s.framedGraphToViewport(s.getNodeDisplayData(tgt));
      lines.push(`<line x1="${p.x.toFixed(1)}" y1="${p.y.toFixed(1)}" x2="${q.x.toFixed(1)}" y2="${q.y.toFixed(1)}" stroke="${xml(d.color)}" stroke-width="${d.size}"/>`);
    });
    const symbols = await Promise.all([...types].map(async (t) => {
      const text = await (await fetch(ICONS + t + ".svg")).text();
      const inner = text.replace(/^[\s\S]*?<svg[^>]*>/, "").replace(/<\/svg>\s*$/, "");
      return `<symbol id="icon-${xml(t)}" viewBox="0 0 64 64">${inner}</symbol>`;
    }));
    const ratio = s.getCamera().ratio;
    const shapes = nodes.map(([n, d]) => {
      const p = s.framedGraphToViewport(d), r = s.scaleSize(d.size, ratio) || d.size;
      const t = state.graph.getNodeAttribute(n, "nodeType");
      const label = d.label ? `<text x="${(p.x + r + 3).toFixed(1)}" y="${(p.y + 4).toFixed(1)}">${xml(d.label)}</text>` : "";
      return `<g><circle cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="${r.toFixed(1)}" fill="${xml(d.color)}"/>` +
        `<use href="#icon-${xml(t)}" x="${(p.x - r * 0.6).toFixed(1)}" y="${(p.y - r * 0.6).toFixed(1)}" width="${(r * 1.2).toFixed(1)}" height="${(r * 1.2).toFixed(1)}"/>${label}</g>`;
    });
    const svg = `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">` +
      `<title>nervecentre link chart</title><defs>${symbols.join("")}</defs><rect width="100%" height="100%" fill="#fff"/>` +
      `<g>${lines.join("")}</g><g>${shapes.join("")}</g></svg>\n`;
    download(new Blob([svg], { type: "image/svg+xml" }), "link-chart.svg"); status("Exported as SVG.");
  }

  // -- wiring ------------------------------------------------------------------------------------

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
      collectDates(); readFilters(); measure(); lap("measures");
      ensureSigma(); lap("draw");
      scheduleTables();
      return times;
    },
    nodePosition(node) { const s = state.sigma; return s ? s.framedGraphToViewport(s.getNodeDisplayData(node)) : null; },
  };

  resetGraph();
  readFilters();
  if (root.dataset.chart) reopen(root.dataset.chart);
  else if (root.dataset.start) start(root.dataset.start, root.dataset.hops || 1);
  else status(libs ? "Give a node to start from." : "The chart's scripts are missing; the table still works.");
})();
