"""``requirements.lock``: the exact versions, with hashes, that ``make run``, ``make test``, CI and the
bundle build install. It is generated from ``pyproject.toml`` (every extra) by ``uv pip compile``.

    python packaging/lock.py            # make lock: regenerate it (needs the index, and torch installed)
    python packaging/lock.py --check    # exit 1 when it does not match pyproject.toml or this environment

torch is not in the file: the Makefile installs it first (``TORCH``, the CPU build where one is on
the machine), and the lock is resolved *for the torch installed in this environment* (its
dependencies are in the file, but no CUDA libraries come with a CPU torch), so the locked install
never replaces it. The header records which torch that was and a digest of the dependency tables
of ``pyproject.toml``; :func:`problems` compares both, and every pin against its range.

No third-party import at module level: ``packaging`` is imported where it is used.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
PYPROJECT = ROOT / "pyproject.toml"
NOT_LOCKED = ("torch",)  # installed before the lock (see the module's docstring)
DIGEST_LINE = "# pyproject-digest: "
TORCH_LINE = "# torch (installed first, not in this file): "
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.M)


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def digest(pyproject: Path = PYPROJECT) -> str:
    """sha256 of what the lock is resolved from: requires-python, dependencies and every extra."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    spec = {k: project.get(k) for k in ("requires-python", "dependencies", "optional-dependencies")}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def pins(lock: Path = LOCK) -> dict[str, str]:
    """{normalized name: version} of every ``name==version`` line of the lock."""
    return {normalize(n): v for n, v in _PIN.findall(lock.read_text(encoding="utf-8"))}


def _header(lock: Path, prefix: str) -> str | None:
    for line in lock.read_text(encoding="utf-8").splitlines():
        if line.startswith(prefix):
            return line[len(prefix):].strip()
    return None


def declared(pyproject: Path = PYPROJECT) -> list[str]:
    """Every requirement of pyproject.toml: the dependencies and those of each extra."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    reqs = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        reqs += extra
    return reqs


def problems(pyproject: Path = PYPROJECT, lock: Path = LOCK) -> list[str]:
    """Why the lock does not belong to ``pyproject`` (empty: it does)."""
    from packaging.requirements import Requirement

    if not lock.is_file():
        return [f"{lock.name} is missing: run `make lock`"]
    out = []
    if _header(lock, DIGEST_LINE) != digest(pyproject):
        out.append(f"{pyproject.name} changed since {lock.name} was made: run `make lock` and commit both")
    locked = pins(lock)
    for text in declared(pyproject):
        req = Requirement(text)
        name = normalize(req.name)
        if name in NOT_LOCKED:
            continue
        if name not in locked:
            out.append(f"{req.name} is required by {pyproject.name} but not in {lock.name}: run `make lock`")
        elif not req.specifier.contains(locked[name], prereleases=True):
            out.append(f"{lock.name} pins {req.name}=={locked[name]}, outside {pyproject.name}'s '{req}': "
                       "run `make lock`")
    return out


def environment_problems(lock: Path = LOCK) -> list[str]:
    """Where this Python environment differs from the lock (and from the torch it was made for)."""
    out = []
    wanted = dict(pins(lock))
    torch = _header(lock, TORCH_LINE)
    if torch:
        wanted["torch"] = torch
    for name, version in sorted(wanted.items()):
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            out.append(f"{name}=={version} is not installed")
            continue
        if have != version:
            out.append(f"{name} {have} is installed, the lock says {version}")
    return out


def _find_links() -> list[str]:
    """pip's find-links (environment and pip config): where a local CPU torch wheel may lie."""
    links = os.environ.get("PIP_FIND_LINKS", "").split()
    try:
        conf = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True,
                              timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        conf = ""
    for line in conf.splitlines():
        key, _, value = line.partition("=")
        if key.endswith("find-links"):
            links += value.strip().strip("'\"").split()
    return [link for i, link in enumerate(links) if link not in links[:i]]


def compile_lock(lock: Path = LOCK) -> None:
    """Regenerate ``lock`` with ``uv pip compile`` for the torch installed here."""
    try:
        torch = metadata.version("torch")
    except metadata.PackageNotFoundError:
        raise SystemExit("torch is not installed in this environment: run `make setup` first") from None
    uv = Path(sys.executable).with_name("uv")
    if not uv.exists():
        raise SystemExit(f"{uv} is missing: install the dev extra (make setup)")
    constraints = lock.with_name(".torch-constraint.txt")
    constraints.write_text(f"torch=={torch}\n")
    out = lock.with_name(".requirements.lock.new")
    cmd = [str(uv), "pip", "compile", str(PYPROJECT.relative_to(ROOT)), "--all-extras", "--generate-hashes",
           "--python", sys.executable, "--constraint", constraints.name,
           "--no-emit-package", *NOT_LOCKED, "--custom-compile-command", "make lock",
           "--quiet", "--output-file", out.name]
    for link in _find_links():
        cmd += ["--find-links", link]
    env = dict(os.environ)
    if os.environ.get("PIP_CERT") and not os.environ.get("SSL_CERT_FILE"):
        env["SSL_CERT_FILE"] = os.environ["PIP_CERT"]  # the same certificates pip uses
    try:
        result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        body = out.read_text(encoding="utf-8") if result.returncode == 0 else ""
    finally:
        constraints.unlink(missing_ok=True)
        out.unlink(missing_ok=True)
    if result.returncode != 0:
        raise SystemExit(f"uv pip compile failed:\n{result.stderr}")
    header = (f"{DIGEST_LINE}{digest()}\n{TORCH_LINE}{torch}\n"
              "# Install: pip install TORCH first, then pip install --require-hashes -r requirements.lock\n")
    lock.write_text(header + body, encoding="utf-8")
    print(f"{lock.name}: {len(pins(lock))} packages pinned, resolved for torch {torch}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--check"]:
        found = problems() + environment_problems()
        for p in found:
            print(f"requirements.lock: {p}", file=sys.stderr)
        return 1 if found else 0
    compile_lock()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
