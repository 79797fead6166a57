"""The synthetic web's content: sites of pages embedding benign images, and the ground truth.

A :class:`SynthWeb` is fully determined by its seed and sizes. Each site has ``pages`` pages;
each page embeds ``images_per_page`` images in one of the ways a browser finds media
(:data:`STYLES`), links to a few other pages (some on other sites), and some carry a keyword.
A share of the images is *known*: an exact copy of an image the synthetic hash set lists, or
an edited copy of one (:data:`~nervecentre.crawler.synthweb.images.EDITS`). The rest are
distractors. :meth:`SynthWeb.truth` says what a perfect crawl finds; the traps of
:mod:`nervecentre.crawler.synthweb.traps` add their own planted images to it.
"""

from __future__ import annotations

import csv
import functools
import html
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from nervecentre.crawler.synthweb import images

# How a page embeds an image; each is used in turn, so a small site exercises them all.
STYLES = (
    "img",
    "srcset",
    "lazy",
    "picture",
    "anchor",
    "style-attr",
    "style-block",
    "protocol-relative",
    "stylesheet",
)
# Made-up phrases that filler text never contains; pages carry them in varied case.
KEYWORDS = ("amber lantern", "velvet kestrel", "quiet harbour 42")
_WORDS = [
    "river",
    "stone",
    "market",
    "garden",
    "window",
    "paper",
    "orange",
    "bridge",
    "music",
    "table",
    "winter",
    "morning",
    "village",
    "lesson",
    "travel",
    "simple",
    "yellow",
    "letter",
    "forest",
    "kitchen",
    "number",
    "green",
    "silver",
    "story",
]
_FORMATS = (("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp"), ("GIF", "gif"))
# 1x1 transparent GIF: the placeholder lazy-loading pages show before their script runs.
BLANK_GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)
_SIZES = ((320, 240), (256, 256), (400, 300), (240, 320))


@dataclass(frozen=True, slots=True)
class ImageSpec:
    """One image a site serves: who it is and how its bytes are made."""

    name: str  # file name under /img/
    seed: int
    size: tuple[int, int]
    role: str  # "exact", "edited" or "distractor"
    entry: str | None = None  # the hash set entry it copies (known images)
    edit: str | None = None
    fmt: str = "JPEG"


@dataclass(slots=True)
class Planted:
    """A known image and where a crawl should find it."""

    site: int
    media_path: str
    page_path: str
    role: str
    entry: str
    robots_blocked: bool = False


@dataclass(slots=True)
class Truth:
    """What a perfect crawl of the synthetic web reports."""

    planted: list[Planted] = field(default_factory=list)
    distractors: set[tuple[int, str]] = field(default_factory=set)
    keywords: set[tuple[int, str, str]] = field(default_factory=set)  # site, page path, keyword


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n))


class SynthWeb:
    """Deterministic sites of pages and images; rendering needs each site's base URL."""

    def __init__(
        self,
        *,
        seed: int = 1,
        sites: int = 2,
        pages: int = 30,
        images_per_page: int = 3,
        known_share: float = 0.25,
        traps: bool = True,
        decoys: int = 50,
    ) -> None:
        self.seed, self.sites, self.pages = seed, sites, pages
        self.images_per_page, self.traps, self.decoys = images_per_page, traps, decoys
        self.known: list[tuple[str, int, tuple[int, int]]] = []  # entry, seed, size
        self.images: list[dict[str, ImageSpec]] = []
        self.page_images: list[list[list[ImageSpec]]] = []
        rng = random.Random(seed)
        for site in range(sites):
            by_name: dict[str, ImageSpec] = {}
            per_page: list[list[ImageSpec]] = []
            for page in range(pages):
                slots = []
                for slot in range(images_per_page):
                    number = page * images_per_page + slot
                    spec = self._spec(rng, site, number, known_share)
                    by_name[spec.name] = spec
                    slots.append(spec)
                per_page.append(slots)
            self.images.append(by_name)
            self.page_images.append(per_page)
        self.keyword_pages = {
            (site, page): KEYWORDS[(site + page) % len(KEYWORDS)]
            for site in range(sites)
            for page in range(pages)
            if random.Random(seed * 7919 + site * 1009 + page).random() < 0.2
        }

    def _spec(self, rng: random.Random, site: int, number: int, known_share: float) -> ImageSpec:
        image_seed = self.seed * 1_000_003 + site * 100_003 + number
        size = _SIZES[number % len(_SIZES)]
        if rng.random() < known_share:
            entry = f"synth-{len(self.known) + 1:05d}"
            self.known.append((entry, image_seed, size))
            if rng.random() < 0.5:
                return ImageSpec(f"{number}.jpg", image_seed, size, "exact", entry)
            edit = images.EDITS[len(self.known) % len(images.EDITS)]
            ext = "png" if edit == "png" else "jpg"
            return ImageSpec(f"{number}.{ext}", image_seed, size, "edited", entry, edit)
        fmt, ext = _FORMATS[number % len(_FORMATS)]
        return ImageSpec(f"{number}.{ext}", image_seed, size, "distractor", fmt=fmt)

    # --- bytes ------------------------------------------------------------------------------

    def add_known(self, entry_seed: int, size: tuple[int, int] = (320, 240)) -> str:
        """List one more known image (a trap's); returns its entry id."""
        entry = f"synth-{len(self.known) + 1:05d}"
        self.known.append((entry, entry_seed, size))
        return entry

    @staticmethod
    @functools.lru_cache(maxsize=20_000)
    def image_bytes(spec: ImageSpec) -> bytes:
        """The bytes served for an image (cached: drawing costs a few milliseconds)."""
        picture = images.draw(spec.seed, *spec.size)
        if spec.edit is not None:
            return images.edited(picture, spec.edit)
        return images.encode(picture, spec.fmt)

    def warm(self) -> None:
        """Draw every image now, so that serving never waits for drawing."""
        for by_name in self.images:
            for spec in by_name.values():
                self.image_bytes(spec)

    @staticmethod
    def original_bytes(entry_seed: int, size: tuple[int, int]) -> bytes:
        """The bytes a known image is listed with (its exact copies serve these)."""
        return SynthWeb.image_bytes(ImageSpec("", entry_seed, size, "exact"))

    def write_hashset(self, path: str | Path) -> Path:
        """Write the synthetic hash set (CSV: id, md5, sha1, sha256, pdq, description).

        It lists every known image and ``decoys`` random entries that match nothing.
        """
        from nervecentre.hashing import hash_bytes

        path = Path(path)
        rng = random.Random(self.seed * 31 + 7)
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["id", "md5", "sha1", "sha256", "pdq", "description"])
            for entry, entry_seed, size in self.known:
                h = hash_bytes(self.original_bytes(entry_seed, size))
                writer.writerow([entry, h.md5, h.sha1, h.sha256, h.pdq, "synthetic benign image"])
            for number in range(self.decoys):
                writer.writerow(
                    [
                        f"decoy-{number + 1:05d}",
                        f"{rng.getrandbits(128):032x}",
                        f"{rng.getrandbits(160):040x}",
                        f"{rng.getrandbits(256):064x}",
                        f"{rng.getrandbits(256):064x}",
                        "random decoy",
                    ]
                )
        return path

    # --- pages ------------------------------------------------------------------------------

    def page_path(self, page: int) -> str:
        """Path of a page (every 7th page sits under a <base href>)."""
        return f"/page/{page}"

    def uses_base(self, page: int) -> bool:
        """Whether the page declares ``<base href=".../gallery/">``."""
        return page % 7 == 3

    def media_path(self, page: int, slot: int, spec: ImageSpec) -> str:
        """The path at which a crawl should find the image embedded in a page's slot."""
        style = STYLES[(page * self.images_per_page + slot) % len(STYLES)]
        if self.uses_base(page) and style in ("srcset", "img"):
            return f"/gallery/img/{spec.name}"
        return f"/img/{spec.name}"

    def render_page(self, site: int, page: int, bases: list[str]) -> str:
        """HTML of a page; ``bases`` are every site's base URL (``http://127.0.0.1:port``)."""
        rng = random.Random(self.seed * 104_729 + site * 7_919 + page)
        base = bases[site]
        head = [f"<title>Site {site} page {page}</title>"]
        if self.uses_base(page):
            head.append(f'<base href="{base}/gallery/">')
        body = [f"<h1>{_words(rng, 3).title()}</h1>", f"<p>{_words(rng, 40)}</p>"]
        styles = []
        for slot, spec in enumerate(self.page_images[site][page]):
            style = STYLES[(page * self.images_per_page + slot) % len(STYLES)]
            markup, css = self._embed(style, spec, base, page, slot)
            body.append(markup)
            if css:
                styles.append(css)
        keyword = self.keyword_pages.get((site, page))
        if keyword:
            shown = keyword.upper() if page % 2 else keyword.title()
            body.append(f"<p>{_words(rng, 8)} {html.escape(shown)} {_words(rng, 5)}</p>")
        links = {(page + 1) % self.pages, (page + 2) % self.pages, rng.randrange(self.pages)}
        for target in sorted(links):
            body.append(f'<a href="/page/{target}">{_words(rng, 2)}</a>')
        if self.sites > 1 and page % 5 == 0:
            other = (site + 1) % self.sites
            body.append(f'<a href="{bases[other]}/page/{rng.randrange(self.pages)}">elsewhere</a>')
        if page == 0:
            body.append('<a href="/">home</a>')
        if styles:
            head.append("<style>" + "\n".join(styles) + "</style>")
        if any(
            STYLES[(page * self.images_per_page + s) % len(STYLES)] == "stylesheet"
            for s in range(self.images_per_page)
        ):
            head.append(f'<link rel="stylesheet" href="/css/page-{page}.css">')
        return (
            "<!DOCTYPE html>\n<html><head><meta charset=utf-8>"
            + "".join(head)
            + "</head><body>\n"
            + "\n".join(body)
            + "\n</body></html>\n"
        )

    def _embed(
        self, style: str, spec: ImageSpec, base: str, page: int, slot: int
    ) -> tuple[str, str]:
        name = spec.name
        rooted = f"{base}/img/{name}" if self.uses_base(page) else f"/img/{name}"
        if style == "img":
            return f'<img src="{"img/" + name if self.uses_base(page) else rooted}" alt="">', ""
        if style == "srcset":
            relative = f"img/{name}" if self.uses_base(page) else f"../img/{name}"
            return (
                f'<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" srcset="{relative} 1x">',
                "",
            )
        if style == "lazy":
            return f'<img class="lazy" src="{base}/static/blank.gif" data-src="{rooted}">', ""
        if style == "picture":
            return (
                f'<picture><source srcset="{rooted} 400w" type="image/jpeg">'
                f'<img src="{base}/static/blank.gif" alt=""></picture>',
                "",
            )
        if style == "anchor":
            return f'<a href="{rooted}">full size</a>', ""
        if style == "style-attr":
            return f"<div style=\"background-image: url('{rooted}')\"></div>", ""
        if style == "style-block":
            return (
                f'<div class="hero-{slot}"></div>',
                f".hero-{slot} {{ background: url({rooted}) }}",
            )
        if style == "protocol-relative":
            return f'<img src="{base.removeprefix("http:")}/img/{name}">', ""
        return f'<div class="sheet-{slot}"></div>', ""

    def render_css(self, site: int, page: int) -> str:
        """The page's external stylesheet: url()s relative to the stylesheet."""
        rules = []
        for slot, spec in enumerate(self.page_images[site][page]):
            if STYLES[(page * self.images_per_page + slot) % len(STYLES)] == "stylesheet":
                rules.append(f'.sheet-{slot} {{ background-image: url("../img/{spec.name}"); }}')
        return "\n".join(rules) + "\n"

    def render_index(self, site: int, bases: list[str], extra: str = "") -> str:
        """A site's home page: its first pages, and (traps on) the trap links."""
        links = "".join(f'<li><a href="/page/{p}">page {p}</a></li>' for p in range(3))
        return (
            f"<!DOCTYPE html><html><head><title>Site {site}</title></head><body>"
            f"<h1>Synthetic site {site}</h1><ul>{links}</ul>{extra}</body></html>\n"
        )

    def page_media(self) -> Iterator[tuple[int, int, str, ImageSpec]]:
        """Every (site, page, media path, image) embedded in the ordinary pages."""
        for site in range(self.sites):
            for page in range(self.pages):
                for slot, spec in enumerate(self.page_images[site][page]):
                    yield site, page, self.media_path(page, slot, spec), spec

    def truth(self) -> Truth:
        """What a perfect crawl of the ordinary pages finds (the traps add theirs)."""
        found = Truth()
        for site, page, path, spec in self.page_media():
            if spec.entry is None:
                found.distractors.add((site, path))
            else:
                found.planted.append(
                    Planted(site, path, self.page_path(page), spec.role, spec.entry)
                )
        for (site, page), keyword in self.keyword_pages.items():
            found.keywords.add((site, self.page_path(page), keyword))
        return found
