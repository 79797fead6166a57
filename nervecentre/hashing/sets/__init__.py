"""Hash sets: known-material hash lists from authorities, stored with provenance and versions."""

from nervecentre.hashing.sets.api import (
    HashSetInfo,
    export_hashset,
    get_hashset,
    hashset_versions,
    import_hashset,
    list_hashsets,
    version_to_dict,
)
from nervecentre.hashing.sets.records import ImportReport, Rejection
from nervecentre.hashing.sets.vics import categories

__all__ = [
    "HashSetInfo",
    "ImportReport",
    "Rejection",
    "categories",
    "export_hashset",
    "get_hashset",
    "hashset_versions",
    "import_hashset",
    "list_hashsets",
    "version_to_dict",
]
