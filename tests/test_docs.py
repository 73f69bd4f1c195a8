"""The documentation in docs/ stays true to the program.

* ``docs/cli-reference.md`` is exactly what ``docs/cli_reference.py`` renders from the real
  ``--help`` (regenerate with ``python docs/cli_reference.py``);
* every command of the app has a section in the reference and is shown in the quickstart or the
  concepts page;
* every ``negpersona ...`` command line in docs/*.md names a real command and only its real
  options (long and short), with as many arguments as the command takes;
* every ```python block of docs/api.md runs, each on its own, in an empty temporary folder;
* every relative link between the pages points to a file (and heading) that exists.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import shlex
from pathlib import Path

import pytest
import typer

from negpersona.cli.main import app

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
PROG = "negpersona"
FENCE = re.compile(r"^\s*```\s*([\w+-]*)\s*$")
NOT_SHELL = {"python", "yaml", "yml", "json"}
INLINE_CODE = re.compile(r"`([^`\n]+)`")
MENTION = re.compile(rf"(?:^|[\s|;&(])(?:\S*/)?{PROG}\s")
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
OPERATOR = re.compile(r"^[|&;<>()]+$")


def _reference_module():
    """docs/cli_reference.py, imported by path (docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location("cli_reference", DOCS / "cli_reference.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _group():
    return typer.main.get_command(app)


def _command_names() -> list[str]:
    group = _group()
    with typer.Context(group, info_name=PROG) as ctx:
        return list(group.list_commands(ctx))


def _blocks(text: str) -> list[tuple[str, int, list[str]]]:
    """Fenced blocks as (language, line number of the first content line, lines)."""
    blocks, current = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line)
        if current is None and match:
            current = (match.group(1).lower(), number + 1, [])
        elif current is not None and line.strip() == "```":
            blocks.append(current)
            current = None
        elif current is not None:
            current[2].append(line)
    assert current is None, "an unclosed ``` fence"
    return blocks


def _prose(text: str) -> str:
    """The text outside fenced blocks (fence lines blanked so line numbers stay)."""
    lines, inside = [], False
    for line in text.splitlines():
        if FENCE.match(line) and not inside:
            inside = True
            lines.append("")
        elif inside and line.strip() == "```":
            inside = False
            lines.append("")
        else:
            lines.append("" if inside else line)
    return "\n".join(lines)


# ---- (a) the reference is a fresh render ---------------------------------------------------------


def test_cli_reference_is_a_fresh_render_of_the_help() -> None:
    diff = _reference_module().check()
    assert not diff, (
        "docs/cli-reference.md differs from the current --help output: "
        f"run `python docs/cli_reference.py`.\n{diff}"
    )


def test_the_rendered_help_is_plain_and_complete() -> None:
    module = _reference_module()
    text = module.render()
    assert "\x1b[" not in text, "colour codes in the reference"
    assert not any(line != line.rstrip() for line in text.splitlines()), "trailing spaces"
    assert text == module.render(), "two renders differ"
    assert module.commands() == _command_names()


# ---- (b) every command is documented -----------------------------------------------------------


@pytest.mark.parametrize("name", _command_names())
def test_every_command_is_in_the_reference_and_in_the_guides(name: str) -> None:
    reference = (DOCS / "cli-reference.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {PROG} {re.escape(name)}$", reference, re.M), (
        f"docs/cli-reference.md has no section for '{PROG} {name}': "
        "run `python docs/cli_reference.py`."
    )
    guides = {
        page: (DOCS / page).read_text(encoding="utf-8") for page in ("quickstart.md", "concepts.md")
    }
    shown = re.compile(rf"\b{PROG} {re.escape(name)}\b")
    assert any(shown.search(text) for text in guides.values()), (
        f"'{PROG} {name}' appears in neither docs/quickstart.md nor docs/concepts.md."
    )


# ---- (c) command lines use real commands and options ----------------------------------------------


def _command_lines() -> list[tuple[str, int, str, bool]]:
    """(page, line, text, full) for every negpersona command line in the pages.

    ``full`` lines come from shell-like fenced blocks and must be complete commands; inline code
    (``negpersona export --format ids``) may leave out arguments. Lines that only mention the
    program (``Usage: negpersona ...`` in the reference, a bare `negpersona`) are not commands.
    """
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        candidates = []
        for language, start, lines in _blocks(text):
            if language not in NOT_SHELL:
                candidates += [
                    (start + offset, line.strip().removeprefix("$ "), True)
                    for offset, line in enumerate(lines)
                ]
        for number, line in enumerate(_prose(text).splitlines(), start=1):
            candidates += [(number, span, False) for span in INLINE_CODE.findall(line)]
        for number, command, full in candidates:
            if MENTION.search(command + " ") and _is_command(command):
                found.append((page.name, number, command, full))
    return found


def _is_command(line: str) -> bool:
    """Whether the line runs negpersona with arguments (unparsable lines count, to be reported)."""
    try:
        return any(len(tokens) > 1 for tokens in _segments(line))
    except ValueError:
        return True


def _segments(command: str) -> list[list[str]]:
    """The simple commands of a shell line that start with the negpersona executable."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    segments: list[list[str]] = [[]]
    for token in lexer:
        if OPERATOR.match(token):
            segments.append([])
        else:
            segments[-1].append(token)
    return [tokens for tokens in segments if tokens and Path(tokens[0]).name == PROG]


def _is_option(token: str) -> bool:
    return bool(re.match(r"^--?[A-Za-z]", token))


def _problems(tokens: list[str], full: bool) -> list[str]:
    """What is wrong with ``negpersona ARGS`` (empty when every part exists)."""
    group = _group()
    args = tokens[1:]
    if not args or args[0] == "--help":
        return []
    name, rest = args[0], args[1:]
    if name not in group.commands:
        return [f"unknown command {name!r} (commands: {', '.join(group.commands)})"]
    command = group.commands[name]
    options = {"--help": None}
    for param in command.params:
        for flag in [*param.opts, *param.secondary_opts]:
            if param.param_type_name == "option":
                options[flag] = param
    problems, positionals, index = [], [], 0
    while index < len(rest):
        token = rest[index]
        if _is_option(token):
            flag, has_value, _ = token.partition("=")
            if flag not in options:
                problems.append(f"{name} has no option {flag}")
            else:
                param = options[flag]
                takes_value = param is not None and not param.is_flag
                if takes_value and not has_value:
                    index += 1
                    if index >= len(rest) or _is_option(rest[index]):
                        problems.append(f"{flag} of {name} needs a value")
                        index -= 1
                elif has_value and not takes_value:
                    problems.append(f"{flag} of {name} takes no value")
        else:
            positionals.append(token)
        index += 1
    arguments = [param for param in command.params if param.param_type_name == "argument"]
    if len(positionals) > len(arguments):
        problems.append(
            f"{name} takes {len(arguments)} argument(s), the line gives {len(positionals)}: "
            f"{positionals}"
        )
    required = [param for param in arguments if param.required]
    if full and len(positionals) < len(required):
        problems.append(f"{name} needs {len(required)} argument(s), the line gives {positionals}")
    return problems


def test_the_pages_show_command_lines() -> None:
    lines = _command_lines()
    assert len([line for line in lines if line[3]]) >= 20, (
        "the command-line scan finds the examples"
    )
    assert {page for page, *_ in lines} >= {"quickstart.md", "concepts.md", "index.md"}


@pytest.mark.parametrize(
    ("page", "number", "command", "full"),
    _command_lines(),
    ids=[f"{page}:{number}" for page, number, *_ in _command_lines()],
)
def test_command_lines_use_only_real_commands_and_options(page, number, command, full) -> None:
    try:
        segments = _segments(command)
    except ValueError as error:
        pytest.fail(f"docs/{page}:{number}: cannot parse {command!r} as a shell line ({error}).")
    problems = [problem for tokens in segments for problem in _problems(tokens, full)]
    assert not problems, f"docs/{page}:{number}: {command!r}: {'; '.join(problems)}"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("negpersona discover leads.csv --target converted --out out/", None),
        ("echo '{}' | .venv/bin/negpersona score out/ -c spec.yaml", None),
        ("negpersona show out/ --json > personas.json  # a comment", None),
        ("negpersona discovr leads.csv", "unknown command"),
        ("negpersona discover leads.csv --no-such-option 1", "no option --no-such-option"),
        ("negpersona apply out/ data.csv -x", "no option -x"),
        ("negpersona apply out/", "needs 2 argument"),
        ("negpersona show out/ other/", "takes 1 argument"),
        ("negpersona policy out/ --rule", "needs a value"),
        ("negpersona show out/ --json=yes", "takes no value"),
    ],
)
def test_the_command_line_check_itself(line: str, expected: str | None) -> None:
    problems = [problem for tokens in _segments(line) for problem in _problems(tokens, True)]
    if expected is None:
        assert not problems
    else:
        assert any(expected in problem for problem in problems), problems


# ---- (d) the API examples run ------------------------------------------------------------------


def _python_blocks() -> list[tuple[int, str]]:
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    return [
        (start, "\n".join(lines))
        for language, start, lines in _blocks(text)
        if language == "python"
    ]


def test_api_examples_are_marked_python() -> None:
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    languages = {language for language, _, lines in _blocks(text)}
    assert languages <= {"python"}, f"blocks in docs/api.md not marked ```python: {languages}"
    assert len(_python_blocks()) >= 8


@pytest.mark.parametrize(
    ("start", "code"), _python_blocks(), ids=[f"api.md:{n}" for n, _ in _python_blocks()]
)
def test_api_example_runs(start: int, code: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__docs_example__"}
    compiled = compile("\n" * (start - 1) + code, str(DOCS / "api.md"), "exec")
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        exec(compiled, namespace)  # a failure's traceback points at the line in api.md
    assert printed.getvalue().strip(), f"the example at docs/api.md:{start} prints nothing"


# ---- (e) links between the pages ---------------------------------------------------------------


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for line in _prose(page.read_text(encoding="utf-8")).splitlines():
        match = re.match(r"^#{1,6}\s+(.*)$", line)
        if not match:
            continue
        slug = _slug(match.group(1))
        count = seen.get(slug, 0)
        anchors.add(slug if count == 0 else f"{slug}-{count}")
        seen[slug] = count + 1
    return anchors


def _links(page: Path) -> list[tuple[int, str]]:
    prose = _prose(page.read_text(encoding="utf-8"))
    return [
        (number, target)
        for number, line in enumerate(prose.splitlines(), start=1)
        for target in LINK.findall(INLINE_CODE.sub("", line))
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target)  # http:, https:, mailto:
    ]


@pytest.mark.parametrize("page", [*PAGES, ROOT / "README.md"], ids=lambda page: page.name)
def test_relative_links_point_to_existing_files(page: Path) -> None:
    broken = []
    for number, target in _links(page):
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{page.name}:{number}: {target} (no file {linked})")
        elif (
            anchor
            and linked.suffix == ".md"
            and linked.parent == DOCS
            and (anchor not in _anchors(linked))
        ):
            broken.append(f"{page.name}:{number}: {target} (no heading #{anchor})")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_the_pages_link_to_each_other() -> None:
    index = {target.partition("#")[0] for _, target in _links(DOCS / "index.md")}
    assert {"quickstart.md", "concepts.md", "api.md", "cli-reference.md"} <= index
    readme = {target for _, target in _links(ROOT / "README.md")}
    assert "docs/index.md" in readme, "README.md links to docs/index.md"


def test_options_named_in_the_text_exist() -> None:
    """Options mentioned on their own in the text (`--time`, `--no-confirm`) belong to a command."""
    group = _group()
    known = {"--help"}
    for command in group.commands.values():
        for param in command.params:
            known.update(flag for flag in [*param.opts, *param.secondary_opts])
    unknown = []
    for page in PAGES:
        for number, line in enumerate(_prose(page.read_text(encoding="utf-8")).splitlines(), 1):
            for span in INLINE_CODE.findall(line):
                for flag in re.findall(r"(?<![\w-])--[a-z][a-z-]*", span):
                    if flag not in known:
                        unknown.append(f"{page.name}:{number}: {flag} in `{span}`")
    assert not unknown, "options no command has:\n" + "\n".join(unknown)
