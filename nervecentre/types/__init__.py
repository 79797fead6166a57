"""Value types: one normalisation per kind of identifier, shared by every part of the system.

>>> normalise("phone", "098765-43210").value
'+919876543210'
>>> detect("ravi@ybl").kind
'upi'
"""

from nervecentre.types.registry import (
    DETECT_ORDER,
    KINDS,
    detect,
    get_type,
    normalise,
    try_normalise,
)
from nervecentre.types.value import MAX_LENGTH, Value, ValueType

__all__ = [
    "DETECT_ORDER",
    "KINDS",
    "MAX_LENGTH",
    "Value",
    "ValueType",
    "detect",
    "get_type",
    "normalise",
    "try_normalise",
]
