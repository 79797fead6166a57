"""A content-addressed file store: bytes kept once under their SHA-256, outside the database."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from nervecentre.errors import InputFileError, NotFound, StorageError

_HEX = set("0123456789abcdef")


class FileStore:
    """Stores files as ``root/ab/cd/abcd…`` by SHA-256; identical files are stored once.

    Evidence (an imported register names victims) is the service account's alone: folders
    are made 0700 and files left 0400, whatever the umask.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        """Where the file with this digest lives (whether or not it exists)."""
        if len(sha256) != 64 or not set(sha256) <= _HEX:
            raise InputFileError(f"not a SHA-256 digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, stream: BinaryIO, max_bytes: int) -> tuple[str, int]:
        """Copy a stream into the store; returns (sha256, size). Refuses files over max_bytes."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                for block in iter(lambda: stream.read(1 << 20), b""):
                    size += len(block)
                    if size > max_bytes:
                        raise InputFileError(f"file is larger than the {max_bytes:,}-byte limit")
                    digest.update(block)
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self.path_for(sha)
            final.parent.parent.mkdir(mode=0o700, exist_ok=True)
            final.parent.mkdir(mode=0o700, exist_ok=True)
            if final.exists():
                Path(tmp_name).unlink()
            else:
                Path(tmp_name).replace(final)
                final.chmod(0o400)
            return sha, size
        except OSError as exc:
            Path(tmp_name).unlink(missing_ok=True)
            raise StorageError(f"could not store the file: {exc}") from None
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    def open(self, sha256: str) -> BinaryIO:
        """Open a stored file for reading."""
        path = self.path_for(sha256)
        if not path.exists():
            raise NotFound(f"no stored file with SHA-256 {sha256}")
        return path.open("rb")

    def verify(self, sha256: str) -> bool:
        """Whether the stored bytes still hash to their name (detects tampering or rot)."""
        digest = hashlib.sha256()
        with self.open(sha256) as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest() == sha256
