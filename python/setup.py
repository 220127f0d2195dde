"""Builds the Swift library (the C ABI product ZarrwlrC, release) inside the package build and
puts it, with the Swift runtime libraries it needs, into zarrwlr/lib/, so the installed package
runs without the Swift toolchain. Needs the Swift toolchain and the C libraries of
scripts/install-deps at build time; at run time only the C libraries (libFLAC, libopus,
libsndfile, ... from Debian) remain.
"""
import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def swift_runtime_dependencies(library: Path, runtime: Path) -> list[Path]:
    """The Swift runtime libraries `library` loads, found in the toolchain's `runtime` folder
    (the library itself looks for them only beside itself)."""
    environment = dict(os.environ, LD_LIBRARY_PATH=str(runtime))
    output = subprocess.run(["ldd", str(library)], check=True, capture_output=True, text=True, env=environment).stdout
    found = []
    for line in output.splitlines():
        parts = line.split("=>")
        if len(parts) != 2:
            continue
        target = Path(parts[1].strip().split(" (")[0])
        if target.parent.resolve() == runtime.resolve():
            found.append(target)
    return found


def swift_runtime_folder(swift: str) -> Path:
    """usr/lib/swift/linux of the toolchain whose `swift` is given."""
    return Path(os.path.realpath(swift)).parent.parent / "lib" / "swift" / "linux"


class BuildWithSwift(build_py):
    def run(self):
        if not (ROOT / "Package.swift").exists():
            raise SystemExit("zarrwlr: build from the repository (pip install ./python): Package.swift not found above python/")
        swift = shutil.which("swift")
        if swift is None:
            raise SystemExit("zarrwlr: the Swift toolchain (swift on PATH) is needed to build the package")
        # Release by default (the speed the benchmarks state); the test command builds debug, which
        # it has already compiled (ZARRWLR_SWIFT_CONFIGURATION=debug).
        configuration = os.environ.get("ZARRWLR_SWIFT_CONFIGURATION", "release")
        subprocess.run([swift, "build", "-c", configuration, "--product", "ZarrwlrC", "--package-path", str(ROOT)], check=True)
        bin_path = subprocess.run([swift, "build", "-c", configuration, "--package-path", str(ROOT), "--show-bin-path"],
                                  check=True, capture_output=True, text=True).stdout.strip()
        library = Path(bin_path) / "libZarrwlrC.so"
        target = HERE / "zarrwlr" / "lib"
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        shutil.copy2(library, target / library.name)
        for dependency in swift_runtime_dependencies(library, swift_runtime_folder(swift)):
            shutil.copy2(dependency, target / dependency.name)
        super().run()


try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70 has it in the wheel package
    from wheel.bdist_wheel import bdist_wheel


class PlatformWheel(bdist_wheel):
    """The wheel holds libraries built for this machine (x86-64 Linux here), loaded with ctypes
    (no CPython extension): tagged for this platform and any Python 3, never py3-none-any."""

    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        return ("py3", "none", super().get_tag()[2])


setup(cmdclass={"build_py": BuildWithSwift, "bdist_wheel": PlatformWheel})
