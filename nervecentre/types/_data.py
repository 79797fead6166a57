"""Load the YAML data files that sit beside the value types."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def load(name: str) -> Any:
    """Parse `data/<name>.yaml` once per process."""
    text = resources.files("nervecentre.types.data").joinpath(f"{name}.yaml").read_text("utf-8")
    return yaml.safe_load(text)
