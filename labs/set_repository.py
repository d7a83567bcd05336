"""Point the labs at the GitHub repository they are served from (a fork): Colab links and setup cells.

    python labs/set_repository.py https://github.com/you/pyimagesearch-gan

`REPOSITORY` in labtools.py is the one setting: the repository the notebooks are opened from.
Every lab's "Open in Colab" link (colab.research.google.com/github/OWNER/NAME/blob/main/...)
and setup cell (which, on Colab, installs the package from that repository and fetches
labtools.py from it) carry a copy. This replaces the old OWNER/NAME with the new one in
labtools.py, labs/README.md, the instructor sources and notebooks (labs/instructor/) and the
student notebooks (labs/NN_*.ipynb), so that a student's notebook installs the package from
the repository it came from.
"""
import argparse
import re
import sys
from pathlib import Path

LABS = Path(__file__).resolve().parent
URL = re.compile(r"^https://github\.com/([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+?)(\.git)?/?$")


def current_slug():
    """OWNER/NAME of labtools.REPOSITORY."""
    match = re.search(r'^REPOSITORY = "https://github\.com/([^"]+)"', (LABS / "labtools.py").read_text(), re.M)
    return match.group(1)


def files():
    instructor = LABS / "instructor"
    return [LABS / "labtools.py", LABS / "README.md", *sorted(instructor.glob("[0-9][0-9]_*.py")),
            *sorted(instructor.glob("[0-9][0-9]_*.ipynb")), *sorted(LABS.glob("[0-9][0-9]_*.ipynb"))]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="https://github.com/OWNER/NAME")
    args = parser.parse_args(argv)
    match = URL.match(args.url)
    if not match:
        sys.exit(f"{args.url}: give the repository as https://github.com/OWNER/NAME")
    old, new = current_slug(), match.group(1)
    for path in files():
        text = path.read_text()
        if old in text:
            path.write_text(text.replace(f"github.com/{old}", f"github.com/{new}").replace(
                f"colab.research.google.com/github/{old}/", f"colab.research.google.com/github/{new}/"))
            print(f"updated {path.relative_to(LABS.parent)}")
    print(f"the labs now use https://github.com/{new}")


if __name__ == "__main__":
    main()
