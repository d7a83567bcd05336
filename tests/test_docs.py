"""The front door and the docs: README short with install and the first command on its first
screen, every relative link in README and docs/ pointing at a file that exists."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)\s]*)?\)")


def test_readme_is_short_and_starts_with_install_and_the_first_command():
    text = (REPO / "README.md").read_text()
    assert len(text) <= 10_000, f"README.md has {len(text):,} characters: move detail to docs/"
    first_screen = "\n".join(text.splitlines()[:40])
    assert 'pip install -e ".[cpu]"' in first_screen
    assert "pyimagesearch-gan train --preset" in first_screen
    assert "python -m pytest" in text  # the test command CI runs


def test_relative_links_in_readme_and_docs_resolve():
    pages = [REPO / "README.md", REPO / "datasets" / "README.md", REPO / "labs" / "README.md"]
    pages += sorted((REPO / "docs").glob("*.md"))
    broken = []
    for page in pages:
        for target, _ in LINK.findall(page.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(REPO)} -> {target}")
    assert not broken, broken
