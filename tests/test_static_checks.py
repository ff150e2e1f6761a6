"""The static checks, as CI runs them (through pytest: .ci/run runs exactly the README's test
command): mypy over the package as it is installed, ruff over the source folders. Their
settings are in pyproject.toml ([tool.mypy], [tool.ruff.lint]); both must report no error.

mypy cannot follow the editable install's import hook, and the source folders are not named
as the modules they install (api/ is `rexcheck`, engine/ is `rexcheck.engine`, ...), so the
installed layout is built in a temporary folder from pyproject's package-dir: one folder per
package, holding links to its modules. Every import of the package is then resolved the way
it is once installed.
"""

from __future__ import annotations

import fnmatch
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
RUFF_FOLDERS = ["api", "engine", "facts", "cli", "rules", "examples", "bench", "tests"]

# TEMPORARY, for the lead to empty: files another branch was changing while the checks were
# brought in, left out of both checks (their errors still appear in the output, as skipped)
# until that branch has landed and they are fixed. Paths are source paths; globs allowed.
NOT_YET_CHECKED: list[str] = []


def _skipped(source_path: str) -> bool:
    return any(fnmatch.fnmatch(source_path, pattern) for pattern in NOT_YET_CHECKED)


def _installed_layout(target: Path) -> dict[str, str]:
    """The package's modules under `target` as pip installs them (links to the source);
    returns installed path -> source path, both relative."""
    setuptools = tomllib.loads(PYPROJECT.read_text("utf-8"))["tool"]["setuptools"]
    folders = setuptools["package-dir"]
    where: dict[str, str] = {}
    for package in setuptools["packages"]:
        into = target.joinpath(*package.split("."))
        into.mkdir(parents=True, exist_ok=True)
        for module in sorted((ROOT / _folder(package, folders)).glob("*.py")):
            (into / module.name).symlink_to(module)
            where[(into / module.name).relative_to(target).as_posix()] = \
                module.relative_to(ROOT).as_posix()
    return where


def _folder(package: str, folders: dict[str, str]) -> str:
    """The source folder setuptools installs `package` from: its own entry in package-dir, or
    its nearest parent's folder with the rest of the name as subfolders."""
    parts = package.split(".")
    for n in range(len(parts), 0, -1):
        parent = ".".join(parts[:n])
        if parent in folders:
            return "/".join([folders[parent], *parts[n:]])
    return "/".join(parts)


def test_mypy_passes_on_the_installed_layout(tmp_path):
    layout = tmp_path / "site"
    where = _installed_layout(layout)
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(PYPROJECT),
         "--cache-dir", str(tmp_path / "mypy-cache"), "-p", "rexcheck"],
        cwd=layout, capture_output=True, text=True, timeout=300, check=False)
    output = run.stdout + run.stderr
    assert run.returncode in (0, 1), f"mypy did not run:\n{output}"
    # it read every module the package installs: none is left out of the check by the layout
    checked = re.search(r"(?:checked|no issues found in) (\d+) source files?", output)
    assert checked and int(checked.group(1)) == len(where), output
    errors, skipped = [], []
    for line in output.splitlines():
        source = where.get(line.split(":", 1)[0])
        if source is not None and _skipped(source):
            skipped.append(line)
        elif line.strip() and not line.startswith(("Found ", "Success: ")):
            errors.append(line)  # an error or a note on one, or a word about the run
    assert not errors, ("mypy found errors (lines skipped, in NOT_YET_CHECKED: "
                        f"{len(skipped)}):\n" + "\n".join(errors))


def test_ruff_passes_on_the_source():
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise",
         # (an empty --extend-exclude would exclude every file)
         *(["--force-exclude", "--extend-exclude", ",".join(NOT_YET_CHECKED)]
           if NOT_YET_CHECKED else []), *RUFF_FOLDERS],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, f"ruff found errors:\n{run.stdout}{run.stderr}"
