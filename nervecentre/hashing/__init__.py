"""The hash engine: hashes of files in memory (MD5, SHA-1, SHA-256, PDQ) and hash-list matching.

Media bytes are hashed in memory and dropped; nothing here writes them anywhere.
"""

from __future__ import annotations

# --- Part A: hashing files in memory (digest, images, walk) -----------------------------------
from nervecentre.hashing.digest import FileHashes, hash_bytes, hash_file
from nervecentre.hashing.images import (
    DIHEDRAL_NAMES,
    ImageProblem,
    dihedral_pdq,
    pdq_hash_image,
)
from nervecentre.hashing.walk import hash_many, iter_files

__all__ = [
    "DIHEDRAL_NAMES",
    "FileHashes",
    "ImageProblem",
    "dihedral_pdq",
    "hash_bytes",
    "hash_file",
    "hash_many",
    "iter_files",
    "pdq_hash_image",
]
# --- End of part A ------------------------------------------------------------------------------

# --- Part B: hash sets, the PDQ index and matching ------------------------------------------------
from nervecentre.hashing.index import PDQIndex
from nervecentre.hashing.match import FileResult, KnownEntry, Match, Matcher
from nervecentre.hashing.sets import (
    HashSetInfo,
    ImportReport,
    export_hashset,
    hashset_versions,
    import_hashset,
    list_hashsets,
)

__all__ += [
    "FileResult",
    "HashSetInfo",
    "ImportReport",
    "KnownEntry",
    "Match",
    "Matcher",
    "PDQIndex",
    "export_hashset",
    "hashset_versions",
    "import_hashset",
    "list_hashsets",
]
# --- End of part B --------------------------------------------------------------------------------
