"""Every code comment or docstring that cites a design section (`§n`) names the file that holds
it, and that file exists in the repository with that section (issue 24: the contract the code
cites is inside the repository, docs/design.md)."""

from __future__ import annotations

import re

from tests.support.layout import ROOT

CITED = re.compile(r"([\w./-]+\.md)[^§\n]*((?:§\d+[,\s]*(?:and\s+)?)+)")


SECTION = re.compile(r"§\d")


def _citing_lines() -> list[tuple[str, str]]:
    """(file, line) of every line of code, the template and the build files that cites a section."""
    files = [ROOT / "template.yaml", ROOT / "Makefile", ROOT / "pyproject.toml"]
    for folder in ("stream_processor", "daily_report", "tests", "bench", "scripts"):
        files += sorted((ROOT / folder).rglob("*.py"))
    return [
        (str(path.relative_to(ROOT)), line)
        for path in files
        for line in path.read_text().splitlines()
        if SECTION.search(line)
    ]


def test_each_cited_section_is_in_a_file_of_the_repository() -> None:
    lines = _citing_lines()
    assert lines, "no citation found: the search itself is broken"
    for path, line in lines:
        found = CITED.search(line)
        assert found is not None, f"{path}: a § without the file it is in: {line.strip()}"
        cited = ROOT / found.group(1)
        assert cited.is_file(), f"{path}: cites {found.group(1)}, not in the repository"
        headings = set(re.findall(r"^#+ (\d+)\.", cited.read_text(), re.MULTILINE))
        for number in re.findall(r"§(\d+)", found.group(2)):
            assert number in headings, f"{path}: {found.group(1)} has no section {number}"
