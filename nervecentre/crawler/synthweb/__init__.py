"""A synthetic web on loopback for the crawler's tests, demo and benchmark: benign images only."""

from __future__ import annotations

from nervecentre.crawler.synthweb.server import SynthServer, running
from nervecentre.crawler.synthweb.site import KEYWORDS, Planted, SynthWeb, Truth
from nervecentre.crawler.synthweb.traps import LEGACY_KEYWORDS

__all__ = ["KEYWORDS", "LEGACY_KEYWORDS", "Planted", "SynthServer", "SynthWeb", "Truth", "running"]
