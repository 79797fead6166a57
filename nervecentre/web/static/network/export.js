// Exporting the view as PNG or SVG.
import { ICONS, libs, state, status } from "./state.js";

export function download(blob, name) {
  const a = document.createElement("a"); a.href = URL.createObjectURL(blob); a.download = name;
  document.body.append(a); a.click(); a.remove(); setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

export async function exportPng() {
  if (!state.sigma) return;
  const blob = await libs.toBlob(state.sigma, { format: "png", backgroundColor: "#ffffff" });
  download(blob, "link-chart.png"); status("Exported as PNG.");
}

export const ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
export const xml = (s) => String(s).replace(/[&<>"']/g, (c) => ESC[c]);

export async function exportSvg() {
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
