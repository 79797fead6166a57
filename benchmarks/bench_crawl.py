"""Crawl benchmark: nervecentre's crawler vs a competent Scrapy spider, on the synthetic web.

Same synthetic web (served by its own process on loopback), same hash list, same machine:
- ours: ``nervecentre crawl SEEDS --hashset synthetic --json`` (a SQLite database);
- Scrapy: a spider that follows every page link and extracts the same media links (img
  src/srcset/data-src, <picture>, <a href> to images, CSS url() in style attributes, <style>
  blocks and linked stylesheets, <base href>), hashes each image in its callback with
  SHA-256 and PDQ (``pdqhash``, as Meta's reference) and matches them against the same list
  (SHA-256 exact, PDQ within 31 bits by brute force), with Scrapy's default politeness turned
  to the same concurrency (64 in all, 8 per host) and robots.txt obeyed.
Pages/s and images hashed/s are over each crawl's own run time (process start excluded);
recall is of the planted known images (exact and edited copies), false positives are matches
of anything else; "server CPU s" is what the synthetic web's own process spent serving each
crawl (it shares the machine's cores with the crawler). ``--frontier`` also measures the
resident memory of a crawl process as its frontier grows (URLs written to the database
through the crawler's own store). Every image is a generated benign picture (colour fields
and shapes). Needs the ``bench`` extra (Scrapy).

    python benchmarks/bench_crawl.py [--sites 4] [--pages 400] [--frontier 10000 100000 1000000]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

PORT = 18_500
SPIDER = textwrap.dedent(
    '''
    import hashlib, io, json, re
    from datetime import datetime
    import numpy as np, pdqhash, scrapy
    from PIL import Image

    CSS_URL = re.compile(r"""url\\(\\s*['"]?([^'")\\s]+)['"]?\\s*\\)""")
    MEDIA = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp")

    class Synth(scrapy.Spider):
        name = "synth"

        def __init__(self, bases, known, out, **kw):
            super().__init__(**kw)
            self.start_urls = [b + "/" for b in bases.split(",")]
            data = json.load(open(known))
            self.sha = set(data["sha256"])
            self.pdq = np.array([[int(h[i:i + 2], 16) for i in range(0, 64, 2)]
                                 for h in data["pdq"]], dtype=np.uint8)
            self.out, self.pages, self.images, self.found = out, 0, 0, []

        def parse(self, response):
            if not hasattr(response, "css"):
                return self.parse_image(response)
            self.pages += 1
            media = response.css("img::attr(src), img::attr(data-src), "
                                 "source::attr(src)").getall()
            for srcset in response.css("img::attr(srcset), source::attr(srcset)").getall():
                media += [c.strip().split()[0] for c in srcset.split(",") if c.strip()]
            for style in response.css("[style]::attr(style), style::text").getall():
                media += CSS_URL.findall(style)
            for href in response.css("a::attr(href)").getall():
                if href.lower().endswith(MEDIA):
                    media.append(href)
                else:
                    yield response.follow(href, self.parse)
            for href in response.css("link[rel=stylesheet]::attr(href)").getall():
                yield response.follow(href, self.parse_css)
            for url in media:
                if not url.startswith("data:"):
                    yield response.follow(url, self.parse_image)

        def parse_css(self, response):
            for url in CSS_URL.findall(response.text):
                yield response.follow(url, self.parse_image)

        def parse_image(self, response):
            body = response.body
            digest = hashlib.sha256(body).hexdigest()
            try:
                image = Image.open(io.BytesIO(body)).convert("RGB")
                vector, quality = pdqhash.compute(np.asarray(image))
            except Exception:
                return
            self.images += 1
            bits = np.packbits(vector.astype(np.uint8))
            near = quality >= 50 and len(self.pdq) and (
                np.unpackbits(self.pdq ^ bits, axis=1).sum(axis=1).min() <= 31)
            if digest in self.sha or near:
                self.found.append(response.url)

        def closed(self, reason):
            started = self.crawler.stats.get_value("start_time")
            seconds = (datetime.now(started.tzinfo) - started).total_seconds()
            json.dump({"pages": self.pages, "images": self.images, "found": self.found,
                       "seconds": seconds}, open(self.out, "w"))
    '''
)


def serve(sites: int, pages: int, ready: Any) -> None:
    """The synthetic web, in its own process."""
    import asyncio

    from nervecentre.crawler.synthweb import SynthServer, SynthWeb

    server = SynthServer(SynthWeb(seed=1, sites=sites, pages=pages, traps=False), port=PORT)
    server.warm()

    parent = os.getppid()

    async def run() -> None:
        ready.put(await server.start())
        while os.getppid() == parent:  # ends with the benchmark, however it ends
            await asyncio.sleep(1)

    import uvloop

    uvloop.run(run())


def process_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) a process has used so far; None where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_measured(argv: list[str], env: dict[str, str]) -> tuple[str, float, int, float]:
    """Run a command; its stdout, wall seconds, peak resident memory (bytes), CPU seconds."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
        err.seek(0)
        if process.returncode:
            raise SystemExit(f"{argv[:4]} failed with {process.returncode}:\n{err.read()}")
    cpu = usage.ru_utime + usage.ru_stime
    return text, time.perf_counter() - started, usage.ru_maxrss * 1024, cpu


def ours(bases: list[str], folder: Path, max_pages: int) -> dict[str, Any]:
    env = {
        **os.environ,
        "NERVECENTRE_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
        "NERVECENTRE_DATA_DIR": str(folder / "data"),
        "NERVECENTRE_SECRET_KEY_FILE": str(folder / "secret.key"),
    }
    nc = [sys.executable, "-m", "nervecentre"]
    subprocess.run(
        [*nc, "hashset", "import", str(folder / "synthetic.csv"), "--name", "synthetic"],
        env=env,
        check=True,
        capture_output=True,
    )
    argv = [*nc, "crawl", *(b + "/" for b in bases), "--hashset", "synthetic"]
    argv += ["--max-pages", str(max_pages), "--max-depth", "100", "--json"]
    text, wall, peak, cpu = run_measured(argv, env)
    lines = [json.loads(line) for line in text.splitlines()]
    summary = lines[-1]
    found = {e["media_url"] for e in lines if e["type"] == "match"}
    return {
        "pages": summary["pages"],
        "images": summary["media"],
        "seconds": summary["seconds"],
        "wall": wall,
        "peak": peak,
        "cpu": cpu,
        "found": found,
    }


def scrapy(bases: list[str], folder: Path, known: dict[str, list[str]]) -> dict[str, Any]:
    spider = folder / "synth_spider.py"
    spider.write_text(SPIDER)
    (folder / "known.json").write_text(json.dumps(known))
    out = folder / "scrapy.json"
    argv = [sys.executable, "-m", "scrapy", "runspider", str(spider), "-L", "ERROR"]
    argv += ["-a", "bases=" + ",".join(bases), "-a", f"known={folder / 'known.json'}"]
    argv += ["-a", f"out={out}", "-s", "CONCURRENT_REQUESTS=64"]
    argv += ["-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "ROBOTSTXT_OBEY=True"]
    argv += ["-s", "TELNETCONSOLE_ENABLED=False", "-s", "DEPTH_LIMIT=100"]
    _, wall, peak, cpu = run_measured(argv, dict(os.environ))
    data = json.loads(out.read_text())
    return {**data, "wall": wall, "peak": peak, "cpu": cpu, "found": set(data["found"])}


def frontier(sizes: list[int], folder: Path) -> list[tuple[int, float, float]]:
    """Resident memory (MiB) and write rate of a crawl store as its frontier grows."""
    from nervecentre.crawler.config import CrawlConfig
    from nervecentre.crawler.store import Batch, JobStore, create_job
    from nervecentre.crawler.urls import url_key
    from nervecentre.store.db import open_database

    db = open_database(f"sqlite:///{folder / 'frontier.db'}")
    db.upgrade()
    config = CrawlConfig(seeds=("http://127.0.0.1:9/",), hashsets=("none",))
    job = create_job(db, config, "bench")
    store = JobStore(db, job, "bench")
    rows, written, out = 2_000, 0, []
    started = time.perf_counter()
    for size in sorted(sizes):
        while written < size:
            batch = Batch()
            for n in range(written, written + rows):
                url = f"http://h{n % 97}.example/p/{n}.jpg"
                batch.new_urls.append(
                    {"job_id": job, "key": url_key(url), "url": url, "kind": "media",
                     "depth": 1, "referrer": None}
                )  # fmt: skip
            store.write(batch, 1)
            written += rows
            store.take(written - 500, 500)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out.append((size, peak, written / (time.perf_counter() - started)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=4)
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--frontier", type=int, nargs="*", default=[])
    parser.add_argument("--skip-scrapy", action="store_true")
    args = parser.parse_args()

    from nervecentre.crawler.synthweb import SynthServer, SynthWeb
    from nervecentre.hashing import hash_bytes

    web = SynthWeb(seed=1, sites=args.sites, pages=args.pages, traps=False)
    truth_server = SynthServer(web, port=PORT)
    ready: Any = multiprocessing.get_context("spawn").Queue()
    server = multiprocessing.get_context("spawn").Process(
        target=serve, args=(args.sites, args.pages, ready), daemon=True
    )
    server.start()
    bases = ready.get(timeout=600)
    truth_server.bases = bases
    planted = {bases[p.site] + p.media_path for p in truth_server.truth().planted}
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        folder = Path(tmp)
        web.write_hashset(folder / "synthetic.csv")
        known: dict[str, list[str]] = {"sha256": [], "pdq": []}
        for _, seed, size in web.known:
            h = hash_bytes(SynthWeb.original_bytes(seed, size))
            known["sha256"].append(h.sha256)
            known["pdq"].append(h.pdq or "0" * 64)
        max_pages = args.sites * (args.pages + 1) + 10
        print(
            f"synthetic web: {args.sites} sites x {args.pages} pages, "
            f"{len(planted)} planted known images; {os.cpu_count()} CPUs; "
            f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, "
            f"load average {os.getloadavg()}"
        )
        header = (
            f"{'crawler':<12} {'pages':>6} {'images':>7} {'seconds':>8} {'pages/s':>8} "
            f"{'images/s':>9} {'recall':>7} {'false+':>6} {'peak MiB':>9} {'CPU s':>6}"
        )
        print(header + f" {'server CPU s':>12}")
        assert server.pid is not None
        served: dict[str, float | None] = {}
        before = process_cpu(server.pid)
        results = {"nervecentre": ours(bases, folder, max_pages)}
        after = process_cpu(server.pid)
        served["nervecentre"] = after - before if after is not None and before is not None else None
        if not args.skip_scrapy:
            results["scrapy"] = scrapy(bases, folder, known)
            done = process_cpu(server.pid)
            served["scrapy"] = done - after if done is not None and after is not None else None
        for name, r in results.items():
            recall = len(r["found"] & planted) / len(planted)
            print(
                f"{name:<12} {r['pages']:>6} {r['images']:>7} {r['seconds']:>8.1f} "
                f"{r['pages'] / r['seconds']:>8.0f} {r['images'] / r['seconds']:>9.0f} "
                f"{recall:>7.3f} {len(r['found'] - planted):>6} {r['peak'] / 2**20:>9.0f} "
                f"{r['cpu']:>6.1f} {served.get(name) or float('nan'):>12.1f}"
            )
        if "scrapy" in results:
            a, b = results["nervecentre"], results["scrapy"]
            pages = (a["pages"] / a["seconds"]) / (b["pages"] / b["seconds"])
            images = (a["images"] / a["seconds"]) / (b["images"] / b["seconds"])
            print(f"ratio (ours / Scrapy): pages/s x{pages:.2f}, images/s x{images:.2f}")
        print(f"load average at the end {os.getloadavg()}")
        if args.frontier:
            print("frontier size  peak RSS MiB  URLs written/s")
            for size, peak_mib, rate in frontier(args.frontier, folder):
                print(f"{size:>13,} {peak_mib:>13.0f} {rate:>15,.0f}")
    server.terminate()


if __name__ == "__main__":
    main()
