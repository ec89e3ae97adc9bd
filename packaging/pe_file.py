"""Read the two facts the Windows build needs from PE files (``.dll``, ``.pyd``).

The build runs on Linux, so it cannot ask Windows which DLLs a module needs.
These helpers read a Portable Executable's import table and its version
resource directly, following the layout in Microsoft's PE/COFF specification.
Only what the build uses is read: load-time imports (not delay-loaded ones,
whose absence does not stop a module from loading) and the fixed file version.
"""

from __future__ import annotations

import struct
from pathlib import Path

_IMPORT_DIR = 1
_VERSION_SIGNATURE = struct.pack("<I", 0xFEEF04BD)


class NotPEError(ValueError):
    """The file is not a Portable Executable this module can read."""


def _sections(data: bytes) -> tuple[list[tuple[int, int, int, int]], int, int]:
    """Return the section table and the import directory's RVA and size."""
    if data[:2] != b"MZ" or len(data) < 0x40:
        raise NotPEError("no MZ header")
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if data[pe:pe + 4] != b"PE\0\0":
        raise NotPEError("no PE signature")
    coff = pe + 4
    n_sections, = struct.unpack_from("<H", data, coff + 2)
    opt_size, = struct.unpack_from("<H", data, coff + 16)
    opt = coff + 20
    magic, = struct.unpack_from("<H", data, opt)
    if magic == 0x20B:  # PE32+
        dirs = opt + 112
    elif magic == 0x10B:  # PE32
        dirs = opt + 96
    else:
        raise NotPEError(f"unknown optional header magic {magic:#x}")
    n_dirs, = struct.unpack_from("<I", data, dirs - 4)
    imp_rva = imp_size = 0
    if n_dirs > _IMPORT_DIR:
        imp_rva, imp_size = struct.unpack_from("<II", data, dirs + 8 * _IMPORT_DIR)
    table = opt + opt_size
    sections = []
    for i in range(n_sections):
        vsize, va, raw_size, raw_ptr = struct.unpack_from(
            "<IIII", data, table + 40 * i + 8)
        sections.append((va, max(vsize, raw_size), raw_ptr, raw_size))
    return sections, imp_rva, imp_size


def _offset(sections: list[tuple[int, int, int, int]], rva: int) -> int:
    for va, size, raw_ptr, _raw_size in sections:
        if va <= rva < va + size:
            return rva - va + raw_ptr
    raise NotPEError(f"RVA {rva:#x} is in no section")


def _cstring(data: bytes, offset: int) -> str:
    end = data.index(b"\0", offset)
    return data[offset:end].decode("ascii", errors="replace")


def imported_dlls(path: Path) -> list[str]:
    """List the DLLs a PE file needs when it is loaded.

    Parameters
    ----------
    path : Path
        A ``.dll``, ``.pyd`` or ``.exe`` file.

    Returns
    -------
    list of str
        DLL names as written in the import table (case kept), in table order;
        delay-loaded DLLs are not included.

    Raises
    ------
    NotPEError
        The file is not a PE file or its import table cannot be read.
    """
    data = Path(path).read_bytes()
    try:
        sections, rva, size = _sections(data)
        if rva == 0 or size == 0:
            return []
        names = []
        pos = _offset(sections, rva)
        while True:
            desc = struct.unpack_from("<IIIII", data, pos)
            if not any(desc):
                break
            names.append(_cstring(data, _offset(sections, desc[3])))
            pos += 20
        return names
    except (struct.error, IndexError, ValueError) as exc:
        if isinstance(exc, NotPEError):
            raise
        raise NotPEError(f"{path}: unreadable import table ({exc})") from exc


def file_version(path: Path) -> tuple[int, int, int, int] | None:
    """Return the fixed file version of a PE file, if it has a version resource.

    Parameters
    ----------
    path : Path
        A PE file.

    Returns
    -------
    tuple of four int, or None
        ``(major, minor, build, revision)`` from ``VS_FIXEDFILEINFO``, or
        None when the file carries no version resource.
    """
    data = Path(path).read_bytes()
    pos = data.find(_VERSION_SIGNATURE)
    if pos < 0 or pos + 16 > len(data):
        return None
    ms, ls = struct.unpack_from("<II", data, pos + 8)
    return (ms >> 16, ms & 0xFFFF, ls >> 16, ls & 0xFFFF)
