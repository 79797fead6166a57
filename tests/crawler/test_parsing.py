"""URL canonicalisation, link extraction, character sets, keywords and the synthetic images."""

from __future__ import annotations

from pathlib import Path

import pytest

from nervecentre.crawler.charset import decode_html
from nervecentre.crawler.fetched import retry_after
from nervecentre.crawler.keywords import Keywords
from nervecentre.crawler.links import parse_css, parse_page, srcset_urls
from nervecentre.crawler.process import classify
from nervecentre.crawler.synthweb import SynthWeb
from nervecentre.crawler.synthweb import images as synth_images
from nervecentre.crawler.urls import calendar_shape, canonical, check_seed, url_key
from nervecentre.errors import InputFileError, InvalidValue
from nervecentre.hashing import hash_bytes

PAGE = "http://Example.org:80/dir/page.html"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://Example.COM:80/a/./b/../c?b=2&a=1#top", "http://example.com/a/c?b=2&a=1"),
        ("../img/x.jpg", "http://example.org/img/x.jpg"),
        ("//cdn.example.net:8080/i.png", "http://cdn.example.net:8080/i.png"),
        ("/shop;jsessionid=ABCDEF0123?item=1&PHPSESSID=x", "http://example.org/shop?item=1"),
        ("/l?b=2&sid=0123456789abcdef0123&a=1", "http://example.org/l?b=2&a=1"),
        ("/l?sid=7&utm_source=mail", "http://example.org/l?sid=7"),
        ("/(S(abcdefghijklmnopqrstuv))/page", "http://example.org/page"),
        ("/a b/ü?q=é&x=1%26y", "http://example.org/a%20b/%C3%BC?q=%C3%A9&x=1%26y"),
        ("http://BÜCHER.example/", "http://xn--bcher-kva.example/"),
        ("mailto:someone@example.org", None),
        ("javascript:alert(1)", None),
        ("http://exa mple.com/", None),
        ("http://example.org:99999/", None),
        ("/" + "x" * 3000, None),
    ],
)
def test_canonical(raw: str, expected: str | None) -> None:
    assert canonical(raw, PAGE) == expected


def test_query_permutations_share_a_key_but_keep_their_order() -> None:
    a, b = canonical("http://h/list?b=2&a=1"), canonical("http://h/list?a=1&b=2")
    assert a == "http://h/list?b=2&a=1" and a != b
    assert a is not None and b is not None and url_key(a) == url_key(b)


@pytest.mark.parametrize("seed", ["ftp://x/", "http://", "example.org", "http://a b/"])
def test_bad_seeds_are_refused(seed: str) -> None:
    with pytest.raises(InvalidValue, match="not a URL to crawl"):
        check_seed(seed)


def test_calendar_shapes() -> None:
    assert calendar_shape("http://h/calendar/2026/1") == calendar_shape("http://h/calendar/1999/12")
    assert calendar_shape("http://h/cal?date=2026-01-15") == "h/cal?date=#-#-#"
    assert calendar_shape("http://h/page/2026") is None
    assert calendar_shape("http://h/product/12345") is None


def test_links_from_every_place_a_browser_finds_media() -> None:
    html = """<html><head><base href="/gallery/"><link rel=stylesheet href="s.css">
    <meta property="og:image" content="/og.jpg">
    <style>.a { background: url("a.jpg") } .b { background:url(b.png) }</style></head><body>
    <img src="1.jpg"><img srcset="2.jpg 1x, 3.jpg 2x"><img data-src="4.jpg" src="data:,">
    <picture><source srcset="5.webp 400w"><img src="6.jpg"></picture>
    <a href="7.JPEG">full</a><a href="/next?p=2">next</a><a href="#top">top</a>
    <div style="background-image: url('8.gif')"></div><img src="//other.example/9.jpg">
    <video poster="10.jpg"></video><iframe src="/frame"></iframe>
    <script>var s = "<img src='no.jpg'>";</script></body></html>"""
    page = parse_page(html, "http://h/dir/page")
    g = "http://h/gallery/"
    assert page.links.media == [
        "http://h/og.jpg",
        g + "a.jpg",
        g + "b.png",
        g + "1.jpg",
        g + "2.jpg",
        g + "3.jpg",
        g + "4.jpg",
        g + "5.webp",
        g + "6.jpg",
        g + "7.JPEG",
        g + "8.gif",
        "http://other.example/9.jpg",
        g + "10.jpg",
    ]
    assert page.links.pages == ["http://h/next?p=2", "http://h/frame"]
    assert page.links.stylesheets == [g + "s.css"]
    assert "no.jpg" not in page.text


def test_stylesheet_urls_resolve_against_the_stylesheet() -> None:
    links = parse_css("@import 'more.css'; .x{background:url(../img/a.jpg)}", "http://h/css/s.css")
    assert links.media == ["http://h/img/a.jpg"]
    assert links.stylesheets == ["http://h/css/more.css"]
    assert srcset_urls("a.jpg 1x,b.jpg 2x, c.jpg 3x") == ["a.jpg", "b.jpg", "c.jpg"]


@pytest.mark.parametrize(
    ("body", "content_type", "encoding", "text"),
    [
        ("Привет".encode("cp1251"), "text/html; charset=windows-1251", "cp1251", "Привет"),
        (b'<meta charset="shift_jis">' + "静か".encode("shift_jis"), None, "shift_jis", "静か"),
        ("café".encode("cp1252"), "text/html", "cp1252", "café"),
        ("café".encode(), "text/html", "utf-8", "café"),
        ("ok".encode("utf-16"), None, "utf-16-le", "ok"),
        ("é".encode("latin-1"), "text/html; charset=ISO-8859-1", "cp1252", "é"),
        (b"\xfa\xfb broken", "text/html; charset=utf-8", "utf-8", "\ufffd"),
        (b"x", "text/html; charset=no-such-charset", "utf-8", "x"),
    ],
)
def test_character_sets(body: bytes, content_type: str | None, encoding: str, text: str) -> None:
    decoded, used = decode_html(body, content_type)
    assert used == encoding and text in decoded


def test_content_is_classified_by_its_bytes() -> None:
    jpeg = synth_images.encode(synth_images.draw(1, 64, 48))
    assert classify(jpeg, "text/html", "page") == "image"
    assert classify(b"<!DOCTYPE html><p>x", "image/jpeg", "media") == "html"
    assert classify(b"%PDF-1.4", "text/html", "page") == "other"
    assert classify(b".a{}", "text/css", "media") == "css"


def test_keywords(tmp_path: Path) -> None:
    words = Keywords(["Amber  Lantern", "straße", "# not a keyword", "", "amber lantern"])
    assert len(words) == 2
    assert words.find("An AMBER\nlantern and a STRASSE") == ["Amber  Lantern", "straße"]
    assert words.find("nothing here") == []
    path = tmp_path / "k.txt"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InputFileError, match="not UTF-8"):
        Keywords.from_file(path)
    with pytest.raises(InputFileError, match="cannot read"):
        Keywords.from_file(tmp_path / "missing.txt")


def test_retry_after() -> None:
    assert retry_after("7") == 7.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after("soon") is None and retry_after(None) is None


def test_synthetic_known_images_stay_within_pdq_reach() -> None:
    """Edited copies stay within the threshold of their listed original; distractors far."""
    web = SynthWeb(seed=11, sites=1, pages=40, traps=False)
    listed = {
        entry: hash_bytes(SynthWeb.original_bytes(seed, size)).pdq
        for entry, seed, size in web.known
    }
    edits = set()

    def distance(a: str | None, b: str | None) -> int:
        assert a and b
        return bin(int(a, 16) ^ int(b, 16)).count("1")

    for spec in web.images[0].values():
        served = hash_bytes(SynthWeb.image_bytes(spec))
        assert served.error is None and (served.quality or 0) >= 50
        if spec.entry is not None:
            assert distance(served.pdq, listed[spec.entry]) <= 28, spec
            edits.add(spec.edit)
        else:
            assert min(distance(served.pdq, p) for p in listed.values()) > 60, spec
    assert edits == {None, *synth_images.EDITS}


@pytest.mark.parametrize(
    ("text", "everything"),
    [
        ("User-agent: *\nDisallow:\n", True),
        ("", True),
        ("User-agent: *\nAllow: /\n", True),
        ("User-agent: *\nDisallow: /private\n", False),
        ("User-agent: other\nDisallow: /\n", False),
        ("User-agent: *\nAllow: /a\nDisallow: /\n", False),
    ],
)
def test_robots_that_allow_everything_are_not_checked_per_url(text: str, everything: bool) -> None:
    from urllib.robotparser import RobotFileParser

    from nervecentre.crawler.robots import Robots, _allows_everything

    parser = RobotFileParser()
    parser.parse(text.splitlines())
    assert _allows_everything(parser) is everything
    robots = Robots("h", 200, text, parser, allow_all=_allows_everything(parser))
    for url in ("http://h/", "http://h/private/x", "http://h/a"):
        assert robots.allows(url, "nervecentre") == parser.can_fetch("nervecentre", url)
    assert not Robots("h", 503, None, None, disallow_all=True).allows("http://h/", "x")
