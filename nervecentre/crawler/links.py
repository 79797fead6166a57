"""Links from every place a browser finds media, and the text a keyword list is matched on.

HTML is parsed by lexbor (selectolax), an HTML5 parser that recovers from any markup a
browser would. Media: ``img`` ``src``/``srcset`` and the lazy-loading ``data-*`` attributes,
``<picture>``/``<source>``, ``video poster``, ``<a href>`` to an image file, CSS ``url()``
in ``style`` attributes, ``<style>`` blocks and linked stylesheets, ``og:image``. Pages:
``<a href>``, frames. ``<base href>`` and protocol-relative links are resolved as a browser
resolves them. Script text is never read for links or keywords.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser

from nervecentre.crawler.urls import canonical, looks_like_media

_MEDIA_ATTRS = (
    "src",
    "data-src",
    "data-original",
    "data-lazy-src",
    "data-lazy",
    "data-url",
    "data-full",
    "data-hi-res-src",
)
_SRCSET_ATTRS = ("srcset", "data-srcset", "data-lazy-srcset")
_SELECTOR = (
    "base[href], img, source, a[href], area[href], iframe[src], frame[src], video[poster], "
    "input[src], link[href], meta[content], style, [style]"
)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]+)"|'([^']+)')""", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_IMAGE_META = frozenset({"og:image", "og:image:url", "og:image:secure_url", "twitter:image"})


@dataclass(slots=True)
class Links:
    """What a page links to: pages to crawl, media to hash, stylesheets to read for url()."""

    pages: list[str] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    stylesheets: list[str] = field(default_factory=list)

    def add(self, kind: str, raw: str | None, base: str) -> None:
        """Resolve ``raw`` against ``base`` and keep it when it is a crawlable URL."""
        if not raw or raw.startswith(("data:", "javascript:", "mailto:", "#")):
            return
        url = canonical(raw, base)
        if url is not None:
            getattr(self, kind).append(url)

    def unique(self) -> Links:
        """The same links, each once, in first-seen order."""
        return Links(
            list(dict.fromkeys(self.pages)),
            list(dict.fromkeys(self.media)),
            list(dict.fromkeys(self.stylesheets)),
        )


def srcset_urls(value: str) -> list[str]:
    """The URLs of a ``srcset`` (candidates separated by commas, each 'URL [descriptor]')."""
    urls = []
    for candidate in re.split(r",\s+|,(?=\S+\s+\d)", value.strip()):
        url = candidate.strip().split(None, 1)
        if url:
            urls.append(url[0].rstrip(","))
    return urls


def css_urls(css: str) -> list[str]:
    """Every ``url()`` and ``@import`` of a stylesheet, as written (unresolved)."""
    found = [a or b or c for a, b, c in _CSS_URL.findall(css)]
    found.extend(a or b for a, b in _CSS_IMPORT.findall(css))
    return [u for u in found if u]


@dataclass(slots=True)
class Page:
    """A parsed page: its links and its visible text (whitespace collapsed)."""

    links: Links
    text: str


def parse_page(html: str, url: str, *, want_text: bool = True) -> Page:
    """Links and text of an HTML page fetched from ``url``."""
    tree = LexborHTMLParser(html)
    base = url
    found = Links()
    for node in tree.css(_SELECTOR):
        tag = node.tag
        attrs = node.attributes
        if tag == "base":
            if base == url:  # the first <base href> counts, as in browsers
                resolved = canonical(attrs.get("href") or "", url)
                base = resolved or url
            continue
        style = attrs.get("style")
        if style:
            for raw in css_urls(style):
                found.add("media", raw, base)
        if tag in ("img", "source", "input"):
            for name in _MEDIA_ATTRS:
                found.add("media", attrs.get(name), base)
            for name in _SRCSET_ATTRS:
                value = attrs.get(name)
                if value:
                    for raw in srcset_urls(value):
                        found.add("media", raw, base)
        elif tag in ("a", "area"):
            href = attrs.get("href")
            found.add("media" if href and looks_like_media(href) else "pages", href, base)
        elif tag in ("iframe", "frame"):
            found.add("pages", attrs.get("src"), base)
        elif tag == "video":
            found.add("media", attrs.get("poster"), base)
        elif tag == "link":
            rel = (attrs.get("rel") or "").lower()
            if "stylesheet" in rel:
                found.add("stylesheets", attrs.get("href"), base)
            elif "icon" in rel or "image_src" in rel:
                found.add("media", attrs.get("href"), base)
        elif tag == "meta":
            if (attrs.get("property") or attrs.get("name") or "").lower() in _IMAGE_META:
                found.add("media", attrs.get("content"), base)
        elif tag == "style":
            for raw in css_urls(node.text(deep=True)):
                found.add("media", raw, base)
    text = ""
    if want_text:
        tree.strip_tags(["script", "style", "noscript", "template"])
        root = tree.body or tree.root
        text = _SPACES.sub(" ", root.text(separator=" ")).strip() if root is not None else ""
        title = tree.css_first("title")
        if title is not None and tree.body is not None:
            text = title.text() + " " + text
    return Page(found.unique(), text)


def parse_css(css: str, url: str) -> Links:
    """Links of a stylesheet fetched from ``url``: images to hash, imported sheets to read."""
    found = Links()
    for raw in css_urls(css):
        kind = "stylesheets" if raw.lower().endswith(".css") else "media"
        found.add(kind, raw, url)
    return found.unique()
