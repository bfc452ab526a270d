"""`invoke new-pattern NAME`: write a working two-variant pattern skeleton into gosrc/patterns/.

The skeleton is one Go file that registers its scenarios and one test file,
made from the templates in gobench/templates/. Nothing else needs editing:
bench, test, check and report find the new family through the registry.
"""

from __future__ import annotations

import keyword
import re
import string
import sys
from pathlib import Path
from typing import IO

from gobench.paths import GOSRC
from gobench.store import atomic

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_GO_KEYWORDS = {
    "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for", "func", "go",
    "goto", "if", "import", "interface", "map", "package", "range", "return", "select", "struct", "switch", "type",
    "var",
}
_IDENT = re.compile(r"^[A-Z][A-Za-z0-9]*$")


def _kebab(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", name).lower()


def check_name(name: str, patterns_dir: Path) -> None:
    """check_name raises ValueError saying what is allowed when NAME cannot become a new pattern family."""
    if not _IDENT.match(name or "") or name.lower() in _GO_KEYWORDS or keyword.iskeyword(name):
        raise ValueError(f"pattern name {name!r} is not allowed: use an exported Go identifier, letters and digits "
                         f"starting with an upper-case letter, e.g. MapPrealloc")
    stem = name.lower()
    for f in (patterns_dir / f"{stem}.go", patterns_dir / f"{stem}_test.go"):
        if f.exists():
            raise ValueError(f"{f} exists already: pick another name")
    family = re.compile(r'Family:\s*"' + re.escape(name) + r'"')
    for f in sorted(patterns_dir.glob("*.go")):
        if family.search(f.read_text(errors="replace")):
            raise ValueError(f"family {name} is registered already in {f}: pick another name")


def render(name: str) -> dict[str, str]:
    """render returns {file name: Go source} for the new pattern's two files."""
    values = {"Name": name, "name": name.lower(), "kind": _kebab(name)}
    out = {}
    for tmpl, target in (("pattern.go.tmpl", f"{name.lower()}.go"), ("pattern_test.go.tmpl", f"{name.lower()}_test.go")):
        out[target] = string.Template((TEMPLATES / tmpl).read_text()).substitute(values)
    return out


def main(name: str, patterns_dir: Path = GOSRC / "patterns", out: IO[str] = sys.stdout,
         err: IO[str] = sys.stderr) -> int:
    """main writes the skeleton; 0 on success, 2 on a bad name (nothing written)."""
    try:
        check_name(name, patterns_dir)
        files = render(name)
    except ValueError as e:
        print(f"gobench new-pattern: {e}", file=err)
        return 2
    for fname, text in files.items():
        atomic.write_text(patterns_dir / fname, text)
        out.write(f"wrote {patterns_dir / fname}\n")
    out.write(f"next: invoke bench --quick --filter '^{name}/' (docs/adding-a-pattern.md explains the file)\n")
    return 0
