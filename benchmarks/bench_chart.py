"""Link chart benchmark: first render of a 5,000-node, 20,000-link graph in headless Chromium.

nervecentre's chart page (sigma.js on WebGL, graphology, the page's own script with its icons,
reducers and table) draws a synthetic graph in the API's JSON shape: the clock runs from
handing the JSON to the page (``NCNetwork.load``) to the second animation frame after it, when
the first picture is on screen. Then the camera zooms in and out for two seconds and the frames
drawn per second are counted: whether the chart stays fluid.

Anchor, side by side in the same run and browser: cytoscape.js (canvas), the other well-kept
graph-drawing library, on the same graph with the same preset positions (cytoscape's own
viewport optimisations on: edges hidden while panning, textures while zooming), timed from
``cytoscape({...})`` to the second frame after its first ``render`` event. Its files come from
benchmarks/js (``make bench-setup``, npm ci); without them only nervecentre is measured.

Goal (issue 13): nervecentre's first render under 2 s. Debian's Chromium runs headless here
without a GPU (SwiftShader renders WebGL on the CPU), so frame rates are a floor: an
analyst's desktop with a GPU draws faster.

    python benchmarks/bench_chart.py [--nodes 5000] [--edges 20000] [--runs 3]
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import statistics
import sys
import tempfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from nervecentre.graph.model import EDGE_TYPES  # noqa: E402
from nervecentre.security.users import create_user  # noqa: E402
from nervecentre.settings import load_settings  # noqa: E402
from nervecentre.store.db import Database  # noqa: E402
from nervecentre.web import create_app  # noqa: E402
from nervecentre.web.pages.network import CHART_LIBS  # noqa: E402
from tests.web.browser_support import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    BackgroundServer,
)

CYTOSCAPE = ROOT / "benchmarks" / "js" / "node_modules" / "cytoscape" / "dist" / "cytoscape.min.js"
TYPES = ["person"] * 40 + ["case"] * 15 + ["phone"] * 15 + ["upi"] * 8 + ["email"] * 6
TYPES += ["bank_account"] * 4 + ["place"] * 6 + ["establishment"] * 3 + ["social"] * 3
PASSWORD = "benchmark password, synthetic"

# Two frames after the work: the first picture has been composited.
_FRAMES = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"
_LOAD = """async (body) => {
    const t0 = performance.now();
    const phases = await window.NCNetwork.load(body);
    const t1 = performance.now();
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    phases.frames = performance.now() - t1;
    return [performance.now() - t0, phases];
}"""
_ZOOM_SIGMA = """async () => {
    const camera = window.NCNetwork.state.sigma.getCamera();
    let frames = 0; const end = performance.now() + 2000;
    window.NCNetwork.state.sigma.on("afterRender", () => { frames++; });
    while (performance.now() < end) {
        await camera.animate({ ratio: camera.ratio > 0.6 ? 0.4 : 1.2 }, { duration: 400 });
    }
    return frames / 2;
}"""
_CYTOSCAPE = """async (body) => {
    const els = body.nodes.map((n) => ({ data: { id: n.id, label: n.label, type: n.type },
        position: { x: n.layout.x, y: n.layout.y } }))
      .concat(body.edges.map((e, i) => ({
        data: { id: "e" + i, source: e.source, target: e.target } })));
    const t0 = performance.now();
    const cy = cytoscape({ container: document.getElementById("c"), elements: els,
      layout: { name: "preset" }, hideEdgesOnViewport: true, textureOnViewport: true,
      style: [{ selector: "node", style: { width: 8, height: 8, label: "data(label)",
        "font-size": 6, "min-zoomed-font-size": 9, "background-color": "#f4b183" } },
        { selector: "edge", style: { width: 0.6, "line-color": "#aab4c0" } }] });
    await new Promise((r) => cy.one("render", r));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const first = performance.now() - t0;
    let frames = 0; cy.on("render", () => { frames++; });
    const end = performance.now() + 2000;
    while (performance.now() < end) {
        await new Promise((r) => cy.animate({ zoom: cy.zoom() > 1 ? 0.5 : 2,
          duration: 400, complete: r }));
    }
    window.cy = cy;
    return [first, frames / 2];
}"""


def synthetic_graph(nodes: int, edges: int, seed: int = 13) -> dict[str, Any]:
    """A graph in the API's JSON shape: typed nodes in loose clusters, dated evidence links."""
    rng = random.Random(seed)
    clusters = max(nodes // 60, 1)
    items = []
    for i in range(nodes):
        kind = rng.choice(TYPES)
        c = i % clusters
        cx, cy = (c % 30) * 80.0, (c // 30) * 80.0
        items.append(
            {
                "id": f"{kind}:{i}",
                "type": kind,
                "label": f"{kind.replace('_', ' ').title()} {i}",
                "attrs": {"case_id": i} if kind == "case" else {},
                "x": cx + rng.gauss(0, 15),
                "y": cy + rng.gauss(0, 15),
            }
        )
    kinds = list(EDGE_TYPES)
    links = []
    for j in range(edges):
        a = rng.randrange(nodes)
        # Mostly within a cluster, as real networks are; one in ten across.
        b = a + clusters * rng.randint(-3, 3) if rng.random() < 0.9 else rng.randrange(nodes)
        b = min(max(b, 0), nodes - 1)
        if b == a:
            b = (a + clusters) % nodes
        links.append(
            {
                "id": j,
                "source": items[a]["id"],
                "target": items[b]["id"],
                "type": rng.choice(kinds),
                "case_id": rng.randrange(1, 2000),
                "record": f"case_roles:{j}",
                "date": f"20{rng.randint(18, 25)}-{rng.randint(1, 12):02d}-15",
                "attrs": {},
            }
        )
    layout = [{"layout": {"x": n.pop("x"), "y": n.pop("y")}, **n} for n in items]
    return {"nodes": layout, "edges": links, "since": None, "until": None, "modularity": None}


def serve_app(folder: Path) -> BackgroundServer:
    settings = load_settings(
        data_dir=str(folder / "data"),
        database_url=f"sqlite:///{folder / 'nc.db'}",
        secret_key=base64.urlsafe_b64encode(b"bench chart, not a secret".ljust(32)).decode(),
    )
    db = Database(settings)
    db.upgrade()
    create_user(db, "bench", PASSWORD, "analyst", actor="bench")
    server = BackgroundServer(create_app(db=db))
    server.start()
    return server


def sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", "bench")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/")


def anchor_page(folder: Path) -> ThreadingHTTPServer:
    (folder / "cytoscape.min.js").write_bytes(CYTOSCAPE.read_bytes())
    (folder / "index.html").write_text(
        '<!doctype html><html><body style="margin:0"><div id="c" style="width:880px;'
        'height:640px"></div><script src="cytoscape.min.js"></script></body></html>'
    )

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=5_000)
    parser.add_argument("--edges", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3, help="page loads per library (median)")
    args = parser.parse_args()
    if not CHART_LIBS.is_file():
        sys.exit(f"{CHART_LIBS} is missing: run `make assets`")
    body = synthetic_graph(args.nodes, args.edges)
    print(f"graph: {args.nodes:,} nodes, {args.edges:,} links; Chromium {CHROMIUM}, headless")
    ours: list[float] = []
    ours_fps: list[float] = []
    theirs: list[float] = []
    theirs_fps: list[float] = []
    steps: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        server = serve_app(Path(tmp))
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        anchor = anchor_page(Path(tmp)) if CYTOSCAPE.is_file() else None
        try:
            for _ in range(args.runs):
                page = browser.new_page(viewport=VIEWPORT)
                sign_in(page, server.url)
                page.goto(f"{server.url}/network")
                # The page opens its renderer (WebGL programs, icon textures) as it loads,
                # while the analyst types a name: the clock starts when that is done.
                page.evaluate("() => window.NCNetwork.ready")
                page.evaluate(_FRAMES)
                total, phases = page.evaluate(_LOAD, body)
                ours.append(total)
                steps.append(phases)
                assert page.evaluate("() => window.NCNetwork.state.graph.order") == args.nodes
                ours_fps.append(page.evaluate(_ZOOM_SIGMA))
                page.close()
                if anchor is not None:
                    page = browser.new_page(viewport=VIEWPORT)
                    page.goto(f"http://127.0.0.1:{anchor.server_address[1]}/index.html")
                    first, fps = page.evaluate(_CYTOSCAPE, body)
                    theirs.append(first)
                    theirs_fps.append(fps)
                    page.close()
        finally:
            browser.close()
            server.stop()
            if anchor is not None:
                anchor.shutdown()
    ms, fps = statistics.median(ours), statistics.median(ours_fps)
    print(f"{'library':34} {'first render':>14} {'frames/s zooming':>18}")
    print(f"{'nervecentre (sigma.js, WebGL)':34} {ms / 1000:13.2f}s {fps:18.1f}")
    if theirs:
        their_ms, their_fps = statistics.median(theirs), statistics.median(theirs_fps)
        print(f"{'cytoscape.js 3.34 (canvas)':34} {their_ms / 1000:13.2f}s {their_fps:18.1f}")
        print(
            f"ratio (nervecentre / cytoscape.js): first render {ms / their_ms:.2f}x, "
            f"frames/s {fps / max(their_fps, 0.01):.2f}x"
        )
    else:
        print("cytoscape.js not installed (make bench-setup): no anchor in this run")
    print(
        f"goal: first render under 2 s: {'met' if ms < 2000 else 'NOT met'} "
        f"(runs: {', '.join(f'{m / 1000:.2f}s' for m in ours)})"
    )
    where = {k: round(statistics.median(p[k] for p in steps)) for k in steps[0]}
    print("where nervecentre's time goes (median ms):", json.dumps(where))
    opened = statistics.median(p["opened"] for p in steps)
    print(f"page opening (renderer and icon atlas, before a chart): {opened / 1000:.2f}s")
    print(
        json.dumps(
            {"first_render_s": round(ms / 1000, 3), "fps": round(fps, 1), "opened_s": opened / 1000}
        )
    )


if __name__ == "__main__":
    main()
