#!/usr/bin/env python3
"""Keeps the README's code samples identical to the example files that the tests run.

Each sample in README.md sits between `<!-- snippet: PATH -->` and `<!-- /snippet -->`, as a
fenced code block. `--check` (the test command) fails when a block differs from its file or a
file is missing; without it, the blocks are rewritten from the files.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
LANG = {".rs": "rust", ".c": "c", ".py": "python", ".js": "js", ".sh": "sh"}
BLOCK = re.compile(r"(<!-- snippet: (?P<path>[^ ]+) -->\n)```[a-z]*\n.*?```\n(<!-- /snippet -->)", re.S)


def main() -> int:
    check = "--check" in sys.argv[1:]
    text = README.read_text()
    problems: list[str] = []
    seen = 0

    def render(m: re.Match) -> str:
        nonlocal seen
        seen += 1
        path = ROOT / m.group("path")
        if not path.is_file():
            problems.append(f"{m.group('path')}: file not found")
            return m.group(0)
        body = path.read_text()
        if not body.endswith("\n"):
            body += "\n"
        return f"{m.group(1)}```{LANG.get(path.suffix, '')}\n{body}```\n{m.group(3)}"

    new = BLOCK.sub(render, text)
    if seen == 0:
        problems.append("README.md has no snippet blocks")
    if check:
        if new != text:
            problems.append("README.md code samples differ from their files; run scripts/readme-snippets.py")
        for p in problems:
            print(f"readme-snippets: {p}", file=sys.stderr)
        if not problems:
            print(f"readme-snippets: {seen} code samples match their files")
        return 1 if problems else 0
    README.write_text(new)
    for p in problems:
        print(f"readme-snippets: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
