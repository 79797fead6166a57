"""Sextortion benchmark: indicator extraction and campaign clustering against the anchors.

On one synthetic complaint corpus (nervecentre.synth.complaints, with its truth):
- extraction: ours (`nervecentre.scams.indicators.find_indicators`) vs ioc-finder
  (`find_iocs`) and iocextract (`extract_urls`/`extract_emails`, refanged), each given the same
  decoded message text, taking turns 50 messages at a time (a first, cold pass: nothing
  cached but set-up, whose CPU time is printed apart: for ours `prepare()`, libphonenumber's
  metadata); throughput in MB/s of text per CPU second of the process (the development
  machine is shared: CPU time is steadier than wall time, and the tools are single-threaded
  Python either way), precision and recall per kind (a kind a tool does not extract is
  shown as "-"), and look-alike addresses (one character changed,
  checksum broken) extracted;
- campaigns: ours (`nervecentre.scams.campaigns.cluster`, text plus shared indicators) vs
  MinHash LSH (datasketch) over the same masked text's word shingles, connected components;
  adjusted Rand index and B-cubed F1 over the scam messages.
Needs the ``bench`` extra (ioc-finder, iocextract, datasketch).

    python benchmarks/bench_scam.py [--messages 3000] [--campaigns 40] [--seed 11]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nervecentre.scams.indicators import KINDS, find_indicators, prepare
from nervecentre.synth.complaints import ComplaintConfig, read_truth, write_complaints
from nervecentre.types import try_normalise

Pairs = set[tuple[str, str]]


def _load(folder: Path) -> list[dict[str, object]]:
    """Truth lines joined with each message's text and masked text, read by the scams reader."""
    try:
        from nervecentre.scams.masking import masked_message
        from nervecentre.scams.sources import Message, read_messages
    except ImportError:
        return _load_stdlib(folder)
    parsed: dict[tuple[str, object], tuple[str, str]] = {}
    for item in read_messages([folder]):
        if isinstance(item, Message):
            ref = item.ref.strip("<>") if isinstance(item.ref, str) else item.ref
            rel = str(Path(item.path).resolve().relative_to(folder.resolve()))
            parsed[(rel, ref)] = (item.parsed.text, masked_message(item.parsed))
    rows = []
    for truth in read_truth(folder):
        given = truth["message"]
        key = (str(truth["file"]), given.strip("<>") if isinstance(given, str) else given)
        text, masked = parsed[key]
        rows.append({**truth, "text": text, "masked": masked})
    return rows


def _load_stdlib(folder: Path) -> list[dict[str, object]]:
    """The same rows read with the standard library (before the scams reader exists)."""
    import email
    import email.policy
    import mailbox
    import re

    def body(msg: email.message.Message) -> str:
        part = msg.get_body(preferencelist=("plain", "html"))  # type: ignore[attr-defined]
        return str(part.get_content()) if part is not None else ""

    texts: dict[tuple[str, object], str] = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        if path.suffix == ".eml":
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            texts[(rel, str(msg["Message-ID"]).strip("<>"))] = body(msg)
        elif path.suffix == ".mbox":
            for i, raw in enumerate(mailbox.mbox(path)):
                parsed = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
                texts[(rel, i)] = body(parsed)
        elif path.suffix == ".txt":
            texts[(rel, None)] = path.read_text(encoding="utf-8")
    rows = []
    for truth in read_truth(folder):
        given = truth["message"]
        text = texts[(str(truth["file"]), given.strip("<>") if isinstance(given, str) else given)]
        masked = re.sub(r"\S*\d\S*|\S+@\S+", " <x> ", text.lower())
        rows.append({**truth, "text": text, "masked": masked})
    return rows


def _ours(text: str) -> Pairs:
    return {(i.kind, i.value) for i in find_indicators(text)}


def _as_url(value: str) -> str:
    found = try_normalise("url", value)
    return found.value if found else value


def _ioc_finder(text: str) -> Pairs:
    from ioc_finder import find_iocs

    found = find_iocs(text, included_ioc_types=["urls", "email_addresses"])
    return {("url", _as_url(v)) for v in found.get("urls", ())} | {
        ("email", str(v).lower()) for v in found.get("email_addresses", ())
    }


def _iocextract(text: str) -> Pairs:
    import iocextract

    urls = {("url", _as_url(v)) for v in iocextract.extract_urls(text, refang=True)}
    return urls | {("email", v.lower()) for v in iocextract.extract_emails(text, refang=True)}


TOOLS: dict[str, tuple[Callable[[str], Pairs], frozenset[str]]] = {
    "nervecentre": (_ours, frozenset(KINDS)),
    "ioc-finder": (_ioc_finder, frozenset({"url", "email"})),
    "iocextract": (_iocextract, frozenset({"url", "email"})),
}


# One of each path, so that no tool's first message pays for its set-up (compiled grammars,
# libphonenumber's metadata for India).
WARM_UP = (
    "warm up 1BoatSLRHtKNngkdXEeobR76b53LETtpyT x@example.com http://a.example/ ravi@ybl "
    "+91 98765 43210 duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion"
)


SETUP: dict[str, float] = {}  # CPU seconds of each tool's one-time set-up (not in MB/s)


def _timed(rows: list[dict[str, object]]) -> dict[str, tuple[list[Pairs], float]]:
    """Each tool's findings per row and its seconds, the tools taking turns chunk by chunk so
    that a busy machine slows them alike (the ratio is what the benchmark reports)."""
    texts = [str(r["text"]) for r in rows]
    found: dict[str, list[Pairs]] = {name: [] for name in TOOLS}
    seconds = dict.fromkeys(TOOLS, 0.0)
    for name, (extract, _) in TOOLS.items():
        started = time.process_time()
        if name == "nervecentre":
            prepare()  # libphonenumber's metadata for every country, loaded once
        extract(WARM_UP)
        SETUP[name] = time.process_time() - started
    names = list(TOOLS)
    for turn, first in enumerate(range(0, len(texts), 50)):
        chunk = texts[first : first + 50]
        for name in names[turn % len(names) :] + names[: turn % len(names)]:
            extract = TOOLS[name][0]
            started = time.process_time()
            found[name] += [extract(text) for text in chunk]
            seconds[name] += time.process_time() - started
    return {name: (found[name], seconds[name]) for name in TOOLS}


def extraction(rows: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    """Per tool: MB/s, per-kind (tp, fp, fn), look-alikes extracted."""
    size = sum(len(str(r["text"]).encode()) for r in rows) / 1e6
    results: dict[str, dict[str, object]] = {}
    for name, (found, seconds) in _timed(rows).items():
        kinds = TOOLS[name][1]
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        decoys = 0
        for row, got in zip(rows, found, strict=True):
            truth = {(i["kind"], i["value"]) for i in row["indicators"]}  # type: ignore[attr-defined]
            truth = {t for t in truth if t[0] in kinds}
            for kind, _ in got & truth:
                counts[kind]["tp"] += 1
            for kind, _ in got - truth:
                counts[kind]["fp"] += 1
            for kind, _ in truth - got:
                counts[kind]["fn"] += 1
            values = " ".join(v for _, v in got)
            decoys += sum(d in values or d.lower() in values for d in row["decoys"])  # type: ignore[attr-defined]
        results[name] = {"mbs": size / seconds, "seconds": seconds, "counts": counts,
                         "decoys": decoys, "kinds": kinds}  # fmt: skip
    texts = [str(r["text"]) for r in rows]
    started = time.process_time()
    for text in texts:
        _ours(text)
    results["_size"] = {"mb": size, "ours_again": size / (time.process_time() - started)}
    return results


def _scanner_candidates(texts: list[str]) -> dict[str, float]:
    """CPU microseconds a message for the scans every message pays today and for the compiled
    multi-pattern scanners that could replace them (each skipped when not installed):
    hyperscan, google-re2 and pyahocorasick. None is used by the extractor; this measures
    whether one would pay for its Python binding's cost per call."""

    from nervecentre.scams.indicators import _scan
    from nervecentre.scams.indicators._text import clean

    bodies = [clean(text).text for text in texts]
    b58 = _scan._FAMILIES[2][1]
    cases: dict[str, Callable[[str], object]] = {
        "re: base58 tokens (every message)": lambda b: list(b58.finditer(b)),
        "re: phone runs (every message)": lambda b: list(_scan._PHONE_RUN.finditer(b)),
        "re: all crypto tokens, phone runs, onions": lambda b: (
            _scan._tokens(b),
            list(_scan._PHONE_RUN.finditer(b)),
            list(_scan._ONION.finditer(b)),
        ),
    }
    anchors = ("0x", "0X", "bc1", "BC1", "ltc1", "LTC1", "@", "://", "www.", "WWW.", ".onion")
    cases["str 'in': 11 literal anchors"] = lambda b: [a for a in anchors if a in b]
    alphabet = rb"[1-9A-HJ-NP-Za-km-z]"
    families = [
        rb"(?:^|[^0-9A-Za-z])(?:[1348]" + alphabet + rb"{3,}|[LMT]" + alphabet + rb"*"
        rb"[1-9A-HJ-NP-Z]" + alphabet + rb"*|[LMT]" + alphabet + rb"{25,})(?:[^0-9A-Za-z]|$)",
        rb"0[xX][0-9a-fA-F]",
        rb"(?:[bB][cC]|[lL][tT][cC])1",
        rb"[+(0-9][0-9 \t().\-]{5,}[0-9]",
        rb"@",
        rb"://|www\.",
        rb"\.onion",
    ]
    try:
        import hyperscan
    except ImportError:
        print("hyperscan not installed: skipped")
    else:
        once, caseless = hyperscan.HS_FLAG_SINGLEMATCH, hyperscan.HS_FLAG_CASELESS
        present = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        flags = [once] * 5 + [once | caseless] * 2
        present.compile(expressions=families, ids=list(range(7)), elements=7, flags=flags)
        present.scratch = hyperscan.Scratch(present)
        spans = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        som = hyperscan.HS_FLAG_SOM_LEFTMOST
        spans.compile(
            expressions=[families[0], families[3]], ids=[0, 1], elements=2, flags=[som] * 2
        )
        spans.scratch = hyperscan.Scratch(spans)

        def scan(db: object, b: str) -> list[tuple[int, int, int]]:
            hits: list[tuple[int, int, int]] = []
            db.scan(  # type: ignore[attr-defined]
                b.encode("ascii", "replace"),  # one byte a character: offsets stay put
                match_event_handler=lambda i, f, t, _flags, _ctx: hits.append((i, f, t)),
            )
            return hits

        cases["hyperscan: which of 7 families (one scan)"] = lambda b: scan(present, b)
        cases["hyperscan: every base58 token and phone run"] = lambda b: scan(spans, b)
    try:
        import re2  # google-re2
    except ImportError:
        print("google-re2 not installed: skipped")
    else:
        which = re2.Set.SearchSet()
        for pattern in families:
            which.Add(pattern.decode())
        which.Compile()
        phone_re2 = re2.compile(_scan._PHONE_RUN.pattern)
        cases["google-re2 Set: which of 7 families"] = lambda b: which.Match(b)
        cases["google-re2: phone runs"] = lambda b: list(phone_re2.finditer(b))
    try:
        import ahocorasick  # pyahocorasick
    except ImportError:
        print("pyahocorasick not installed: skipped")
    else:
        automaton = ahocorasick.Automaton()
        for anchor in anchors:
            automaton.add_word(anchor, anchor)
        automaton.make_automaton()
        cases["pyahocorasick: 11 literal anchors"] = lambda b: list(automaton.iter(b))
    out = {}
    for name, scan_one in cases.items():
        best = math.inf
        for _ in range(3):
            started = time.process_time()
            for body in bodies:
                scan_one(body)
            best = min(best, time.process_time() - started)
        out[name] = best * 1e6 / len(bodies)
    return out


def _minhash_lsh(masked: list[str], threshold: float, shingle: int) -> list[int]:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    hashes = []
    for i, text in enumerate(masked):
        words = text.split()
        grams = {" ".join(words[j : j + shingle]) for j in range(max(1, len(words) - shingle + 1))}
        m = MinHash(num_perm=128)
        m.update_batch([g.encode() for g in grams])
        lsh.insert(str(i), m)
        hashes.append(m)
    parent = list(range(len(masked)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, m in enumerate(hashes):
        for other in lsh.query(m):
            a, b = find(i), find(int(other))
            if a != b:
                parent[max(a, b)] = min(a, b)
    return [find(i) for i in range(len(masked))]


def _comb(n: int) -> float:
    return n * (n - 1) / 2


def adjusted_rand(truth: list[str], found: list[int]) -> float:
    """Hubert and Arabie's adjusted Rand index."""
    pairs = Counter(zip(truth, found, strict=True))
    index = sum(_comb(n) for n in pairs.values())
    a = sum(_comb(n) for n in Counter(truth).values())
    b = sum(_comb(n) for n in Counter(found).values())
    expected = a * b / _comb(len(truth))
    maximum = (a + b) / 2
    return (index - expected) / (maximum - expected) if maximum != expected else 1.0


def bcubed_f1(truth: list[str], found: list[int]) -> float:
    """B-cubed F1 (Bagga and Baldwin): per-item precision and recall of its cluster."""
    both = Counter(zip(truth, found, strict=True))
    by_truth, by_found = Counter(truth), Counter(found)
    precision = sum(both[(t, f)] / by_found[f] for t, f in zip(truth, found, strict=True))
    recall = sum(both[(t, f)] / by_truth[t] for t, f in zip(truth, found, strict=True))
    p, r = precision / len(truth), recall / len(truth)
    return 2 * p * r / (p + r) if p + r else 0.0


def campaigns(rows: list[dict[str, object]]) -> dict[str, tuple[float, float, float]]:
    """Per method: (ARI, B-cubed F1, seconds) over the scam messages."""
    scams = [r for r in rows if r["campaign"]]
    truth = [str(r["campaign"]) for r in scams]
    masked = [str(r["masked"]) for r in scams]
    out: dict[str, tuple[float, float, float]] = {}
    try:
        from nervecentre.scams.campaigns import Document, cluster
    except ImportError:
        print("nervecentre.scams.campaigns is not available: ours skipped")
    else:
        started = time.perf_counter()
        docs = [Document(m, _ours(str(r["text"]))) for m, r in zip(masked, scams, strict=True)]
        labels = cluster(docs)
        seconds = time.perf_counter() - started
        out["nervecentre"] = (adjusted_rand(truth, labels), bcubed_f1(truth, labels), seconds)
    for threshold, shingle in ((0.5, 3), (0.35, 2)):
        started = time.perf_counter()
        labels = _minhash_lsh(masked, threshold, shingle)
        seconds = time.perf_counter() - started
        name = f"MinHash LSH t={threshold} k={shingle}"
        out[name] = (adjusted_rand(truth, labels), bcubed_f1(truth, labels), seconds)
    return out


def _cell(c: Counter[str], supported: bool) -> str:
    if not supported:
        return "   -      -  "
    tp, fp, fn = c["tp"], c["fp"], c["fn"]
    p = tp / (tp + fp) if tp + fp else math.nan
    r = tp / (tp + fn) if tp + fn else math.nan
    return f"{p:6.3f} {r:6.3f}"


def report(ext: dict[str, dict[str, object]], camp: dict[str, tuple[float, float, float]]) -> None:
    """Print the side-by-side tables and the ratios."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\ntext: {ext['_size']['mb']:.2f} MB; load average {load}")
    tools = [t for t in ext if not t.startswith("_")]
    print(f"{'kind':8}" + "".join(f"{t:>16}" for t in tools) + "   (precision recall)")
    for kind in KINDS:
        cells = []
        for t in tools:
            counts = ext[t]["counts"]
            cells.append(f"{_cell(counts[kind], kind in ext[t]['kinds']):>16}")  # type: ignore[index,operator]
        print(f"{kind:8}" + "".join(cells))
    for t in tools:
        print(
            f"{t:14} {ext[t]['mbs']:9.2f} MB/s  look-alikes extracted: {ext[t]['decoys']}"
            f"  (set-up {SETUP.get(t, 0.0):.2f} s CPU, once per process, not counted)"
        )
    again = ext["_size"]["ours_again"]
    print(f"nervecentre, second pass (validations cached): {again:.2f} MB/s")
    ours = float(ext["nervecentre"]["mbs"])  # type: ignore[arg-type]
    for t in tools[1:]:
        print(f"speed ratio nervecentre / {t}: {ours / float(ext[t]['mbs']):.1f}x")  # type: ignore[arg-type]
    print(f"\n{'campaigns':34} {'ARI':>7} {'B3 F1':>7} {'seconds':>8}")
    for name, (ari, f1, seconds) in camp.items():
        print(f"{name:34} {ari:7.3f} {f1:7.3f} {seconds:8.2f}")
    if "nervecentre" in camp:
        ours_f1 = camp["nervecentre"][1]
        for name, values in camp.items():
            if name != "nervecentre":
                print(f"B-cubed F1 nervecentre - {name}: {ours_f1 - values[1]:+.3f}")


def main(argv: Iterable[str] | None = None) -> None:
    """Generate the corpus, run both benchmarks, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--campaigns", type=int, default=40)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--corpus", type=Path, help="write (or reuse) the corpus here")
    parser.add_argument(
        "--scanners",
        action="store_true",
        help="also time the compiled scanners one could use instead (hyperscan, google-re2, "
        "pyahocorasick, where installed) per message",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.corpus or Path(tmp)
        if not (folder / "truth.jsonl").exists():
            config = ComplaintConfig(
                messages=args.messages, campaigns=args.campaigns, seed=args.seed
            )
            write_complaints(folder, config)
        rows = _load(folder)
        print(f"corpus: {len(rows)} messages, seed {args.seed}")
        report(extraction(rows), campaigns(rows))
        if args.scanners:
            timed = _scanner_candidates([str(r["text"]) for r in rows])
            print(f"\n{'scanner (CPU per message, best of 3)':50} {'us':>7}")
            for name, micros in timed.items():
                print(f"{name:50} {micros:7.2f}")


if __name__ == "__main__":
    main()
