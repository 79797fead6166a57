"""A minimal writer of OLE compound files, to build Outlook ``.msg`` fixtures in tests.

Small streams live in the mini stream, others in 512-byte sectors; each storage's children
hang off a chain of right siblings: enough for a reader, not a general-purpose writer.
"""

from __future__ import annotations

import struct
from typing import Any

SECTOR = 512
MINI = 64
CUTOFF = 4096
END, FAT_SECT, FREE, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF, 0xFFFFFFFF


def _entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
    encoded = (name + "\x00").encode("utf-16-le")
    return (
        encoded.ljust(64, b"\x00")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", NOSTREAM, right, child)
        + b"\x00" * 16
        + struct.pack("<I", 0)
        + b"\x00" * 16
        + struct.pack("<IQ", start, size)
    )


def build(files: dict[str, bytes]) -> bytes:
    """A compound file holding ``files`` (paths with '/' between storage and stream)."""
    tree: dict[str, Any] = {}
    for path, data in files.items():
        node = tree
        *folders, leaf = path.split("/")
        for folder in folders:
            node = node.setdefault(folder, {})
        node[leaf] = data
    entries: list[list[Any]] = [["Root Entry", 5, NOSTREAM, NOSTREAM, END, 0, None]]
    payloads: list[tuple[int, bytes]] = []

    def add(children: dict[str, Any], parent: int) -> None:
        previous = None
        for name, value in children.items():
            index = len(entries)
            if isinstance(value, dict):
                entries.append([name, 1, NOSTREAM, NOSTREAM, 0, 0, None])
            else:
                entries.append([name, 2, NOSTREAM, NOSTREAM, END, len(value), None])
                payloads.append((index, value))
            if previous is None:
                entries[parent][2] = index
            else:
                entries[previous][3] = index
            previous = index
            if isinstance(value, dict):
                add(value, index)

    add(tree, 0)
    while len(entries) % 4:
        entries.append(["", 0, NOSTREAM, NOSTREAM, 0, 0, None])
    # Streams under 4096 bytes live in the mini stream (64-byte sectors), as the format says.
    mini, minifat = b"", list[int]()
    big: list[tuple[int | None, bytes]] = []
    for index, data in payloads:
        if len(data) >= CUTOFF:
            big.append((index, data))
            continue
        count = max(1, -(-len(data) // MINI))
        entries[index][4] = len(minifat)
        minifat += [len(minifat) + i + 1 for i in range(count - 1)] + [END]
        mini += data.ljust(count * MINI, b"\x00")
    minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat) if minifat else b""
    minifat_bytes = minifat_bytes.ljust(-(-len(minifat_bytes) // SECTOR) * SECTOR, b"\xff")
    regular: list[tuple[int | None, bytes]] = [(None, minifat_bytes), (0, mini), *big]
    dir_sectors = len(entries) // 4
    data_sectors = sum(max(1, -(-len(d) // SECTOR)) for _, d in regular)
    fat_sectors = 1
    while (fat_sectors + dir_sectors + data_sectors) > fat_sectors * 128:
        fat_sectors += 1
    fat = [FAT_SECT] * fat_sectors
    first_dir = len(fat)
    fat += [first_dir + i + 1 for i in range(dir_sectors - 1)] + [END]
    body = b""
    first_minifat = END
    for place, data in regular:
        if not data:
            continue
        count = max(1, -(-len(data) // SECTOR))
        start = len(fat)
        if place is None:
            first_minifat = start
        else:
            entries[place][4] = start
            if place == 0:
                entries[0][5] = len(data)
        fat += [start + i + 1 for i in range(count - 1)] + [END]
        body += data.ljust(count * SECTOR, b"\x00")
    fat += [FREE] * (fat_sectors * 128 - len(fat))
    directory = b"".join(_entry(n, k, c, r, s, z) for n, k, c, r, s, z, _ in entries)
    difat = list(range(fat_sectors)) + [FREE] * (109 - fat_sectors)
    minifat_sectors = len(minifat_bytes) // SECTOR
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack(
            "<IIIIIIIII",
            0,
            fat_sectors,
            first_dir,
            0,
            CUTOFF,
            first_minifat,
            minifat_sectors,
            END,
            0,
        )
        + struct.pack("<109I", *difat)
    )
    return header + struct.pack(f"<{len(fat)}I", *fat) + directory + body


def outlook_message(
    subject: str,
    body: str,
    *,
    headers: str = "",
    html: bytes | None = None,
    attachments: dict[str, bytes] | None = None,
) -> bytes:
    """An Outlook message with these properties (Unicode strings, as Outlook writes them)."""
    files = {
        "__substg1.0_0037001F": subject.encode("utf-16-le"),
        "__substg1.0_1000001F": body.encode("utf-16-le"),
        "__substg1.0_0C1F001F": "scammer@example.net".encode("utf-16-le"),
    }
    if headers:
        files["__substg1.0_007D001F"] = headers.encode("utf-16-le")
    if html is not None:
        files["__substg1.0_10130102"] = html
    for number, (name, data) in enumerate((attachments or {}).items()):
        folder = f"__attach_version1.0_#{number:08X}"
        files[f"{folder}/__substg1.0_3707001F"] = name.encode("utf-16-le")
        files[f"{folder}/__substg1.0_37010102"] = data
    return build(files)
