"""The docs and the README say what the code does.

- Pages marked ``<!-- tests/test_docs.py runs this page -->`` are walkthroughs, played in an empty
  directory: a code block whose first line is ``# file: NAME`` is written to NAME (without that
  line); each ``$ command`` of a console block is run with this interpreter's ``polycontract`` on
  PATH, must exit as the line says (``# exits N``, else 0) and print every output line shown under
  it (a line shown may be part of a longer one; ``...`` is skipped).
- Every ``polycontract …`` command shown anywhere in README.md and docs/ names a real command and
  only options that command has.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest

from polycontract.cli import cli

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "ARCHITECTURE.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
MARK = "<!-- tests/test_docs.py runs this page -->"
RUNNABLE = [page for page in PAGES if MARK in page.read_text()]


def _blocks(page: Path) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(page.read_text())]


def _steps(page: Path) -> list[tuple[str, str, list[str]]]:
    """("file", name, [text]) and ("run", command, expected output lines), in page order."""
    steps: list[tuple[str, str, list[str]]] = []
    for language, body in _blocks(page):
        first, _, rest = body.partition("\n")
        if first.startswith("# file: "):
            steps.append(("file", first.removeprefix("# file: ").strip(), [rest]))
        elif language == "console":
            for line in body.splitlines():
                if line.startswith("$ "):
                    steps.append(("run", line[2:], []))
                elif line.strip() and line.strip() != "..." and steps:
                    steps[-1][2].append(line.strip())
    return steps


@pytest.mark.parametrize("page", RUNNABLE, ids=lambda p: p.name)
def test_each_walkthrough_runs_as_written_in_an_empty_directory(page: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "POLYCONTRACT_BROKER" and not k.startswith("PYTEST_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    steps = _steps(page)
    assert any(kind == "run" for kind, _, _ in steps)
    for kind, what, payload in steps:
        if kind == "file":
            (tmp_path / what).write_text(payload[0])
            continue
        expected_status = re.search(r"#\s*exits (\d+)\s*$", what)
        done = subprocess.run(
            what, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        out = done.stdout + done.stderr
        assert done.returncode == (int(expected_status.group(1)) if expected_status else 0), f"$ {what}\n{out}"
        for line in payload:
            assert line in out, f"$ {what}\nexpected the line {line!r} in:\n{out}"


def _commands() -> list[tuple[str, str]]:
    """(page name, command line) of every ``polycontract …`` in code blocks and inline code."""
    found = []
    for page in PAGES:
        text = page.read_text()
        for language, body in _blocks(page):
            if language in ("yaml", "python"):
                continue
            for line in body.replace("\\\n", " ").splitlines():
                line = line.strip().removeprefix("$ ")
                if line.startswith("polycontract "):
                    found.append((page.name, line))
        for span in re.findall(r"`(polycontract [^`]+)`", FENCE.sub("", text)):
            found.append((page.name, span))
    return found


def _command(words: list[str]) -> tuple[click.Command, list[str]]:
    command: click.Command = cli
    rest = words[1:]
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        sub = command.get_command(click.Context(command), rest[0])
        assert sub is not None, f"no command {rest[0]!r} in {' '.join(words)}"
        command, rest = sub, rest[1:]
    return command, rest


@pytest.mark.parametrize(("page", "line"), _commands())
def test_every_command_shown_in_the_docs_exists_with_those_options(page: str, line: str) -> None:
    line = line.split(" # ")[0].split(" > ")[0]
    words = shlex.split(line.replace("[", " ").replace("]", " ").replace("…", ""))
    command, rest = _command(words)
    known = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)} | {"-h", "--help"}
    used = {word.split("=")[0] for word in rest if word.startswith("-") and word != "-"}
    assert used <= known, f"{page}: {line}: unknown {sorted(used - known)}"


DOCUMENTS = [*PAGES, *sorted((ROOT / "examples").rglob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _links(page: Path) -> list[str]:
    """The targets of the markdown links of ``page`` (a link may wrap over lines)."""
    return LINK.findall(" ".join(page.read_text().split()))


@pytest.mark.parametrize("page", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves_to_a_file_inside_the_repository(page: Path) -> None:
    for target in _links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue
        path = (page.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), f"{page.name}: {target} leaves the repository"
        assert path.exists(), f"{page.name}: {target} does not exist"


@pytest.mark.parametrize("page", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_sends_readers_to_files_outside_the_repository(page: Path) -> None:
    text = page.read_text()
    assert not re.search(r"\.\./shared|shared/notes|(?<![\w/])notes/[\w-]+\.md", text), page.name
    for span in re.findall(r"`(\.\./[^`\s]+)`", text):
        assert (page.parent / span).resolve().is_relative_to(ROOT), f"{page.name}: {span}"


def _install_lines() -> list[tuple[str, str]]:
    """(file, line) of every ``pip install`` in README, docs, examples and the messages of the code."""
    files = [*DOCUMENTS, *sorted((ROOT / "examples").rglob("*.yml")), *sorted((ROOT / "polycontract").rglob("*.py"))]
    found = []
    for path in files:
        for line in path.read_text().splitlines():
            for command in re.findall(r"pip install [^`\n]*", line):
                found.append((str(path.relative_to(ROOT)), command))
    return found


def _extras() -> set[str]:
    import tomllib

    return set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"])


def _requirements(line: str) -> list[str]:
    """The words ``pip install`` gets in ``line``, up to the end of the command or a shell variable."""
    command = re.split(r";|&&|\s#\s|`|\)$", line.partition("pip install ")[2])[0]
    words = []
    for word in command.split():
        word = word.strip("'\"")
        if "$" in word:
            break
        words.append(word)
    return words


@pytest.mark.parametrize(("where", "line"), _install_lines())
def test_every_install_line_names_a_source_pip_can_reach_and_extras_that_exist(where: str, line: str) -> None:
    words = _requirements(line)
    for index, word in enumerate(words):
        if re.match(r"^polycontract(\[[^\]]*\])?([=<>~!].*)?$", word):
            sourced = words[index + 1 : index + 2] == ["@"] or "@" in word
            assert sourced, f"{where}: {line}: no package index serves polycontract; name its source"
        named = re.match(r"^(?P<prefix>.*)\[(?P<extras>[^\]]*)\]$", word)
        if named and re.search(r"(^|/)(\.|polycontract[^/]*)$", named.group("prefix")):
            extras = {e.strip() for e in named.group("extras").split(",") if e.strip()}
            assert extras <= _extras(), f"{where}: {line}: unknown extra {sorted(extras - _extras())}"


def test_the_install_lines_are_found() -> None:
    found = {where for where, _ in _install_lines()}
    assert {"docs/ci.md", "docs/getting-started.md", "README.md"} <= found


@pytest.mark.parametrize("requirements", sorted((ROOT / "examples").rglob("requirements*.txt")), ids=str)
def test_example_requirements_do_not_ask_an_index_for_polycontract(requirements: Path) -> None:
    for line in requirements.read_text().splitlines():
        line = line.split("#")[0].strip()
        assert not re.match(r"^polycontract\b(?!.*@)", line), f"{requirements}: {line}"
