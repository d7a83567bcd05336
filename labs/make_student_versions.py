"""The student versions of the labs: what `nbgrader generate_assignment` releases, committed in labs/.

    python labs/make_student_versions.py           # regenerate labs/NN_*.ipynb
    python labs/make_student_versions.py --check   # exit 1 when a committed one is out of date

The instructor sources are labs/instructor/NN_*.py (jupytext's percent format) and their
notebooks labs/instructor/NN_*.ipynb (with the outputs of a full run: what the instructor
should expect). Their exercises are nbgrader cells (`nbgrader={...}` on a cell's `# %%` line):

- autograded answer cells (code, "solution": true) hold the solution between
  `### BEGIN SOLUTION` and `### END SOLUTION`;
- manually graded answer cells (markdown, "solution": true and "grade": true) hold a model
  answer and its rubric;
- test cells (code, "grade": true, "locked": true) hold visible asserts, then hidden ones
  between `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS`.

This brings each instructor notebook up to date with its .py (as `jupytext --update`: cell ids
and outputs stay), runs `nbgrader generate_assignment` on them in a temporary course folder,
and writes the released notebooks (solutions, model answers, rubrics, hidden tests and outputs
removed; locked cells checksummed) as labs/NN_*.ipynb, the notebooks that the labs' "Open in
Colab" links open. tests/test_labs.py fails when the committed ones differ from a fresh release.
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

LABS = Path(__file__).resolve().parent
INSTRUCTOR = LABS / "instructor"
ASSIGNMENT = "labs"


def lab_sources(folder=INSTRUCTOR):
    """The labs' jupytext sources, in order: NN_name.py."""
    return sorted(Path(folder).glob("[0-9][0-9]_*.py"))


def grading(cell):
    """The cell's nbgrader metadata ({} for a cell nbgrader ignores)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def is_answer(cell):
    return bool(grading(cell).get("solution"))


def is_test(cell):
    return cell.cell_type == "code" and bool(grading(cell).get("grade")) and not is_answer(cell)


def exercise_cells(notebook):
    """Indices of the autograded answer cells (code cells holding a solution)."""
    return [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code" and is_answer(cell)]


def test_cells(notebook):
    """Indices of the test cells."""
    return [i for i, cell in enumerate(notebook.cells) if is_test(cell)]


def sync_instructor_notebook(source):
    """Bring labs/instructor/NN.ipynb up to date with its .py, keeping cell ids and outputs."""
    import jupytext
    from jupytext.combine import combine_inputs_with_outputs

    notebook, target = jupytext.read(source), source.with_suffix(".ipynb")
    if target.is_file():
        notebook = combine_inputs_with_outputs(notebook, jupytext.read(target), fmt="py:percent")
    jupytext.write(notebook, target)


def release(notebooks, labtools=LABS / "labtools.py"):
    """{stem: released notebook} of the instructor `notebooks` (paths), by `nbgrader generate_assignment`."""
    import nbformat

    with tempfile.TemporaryDirectory() as course:
        source = Path(course) / "source" / ASSIGNMENT
        source.mkdir(parents=True)
        for path in [*notebooks, labtools]:
            shutil.copy(path, source)
        done = subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, f"--CourseDirectory.root={course}"],
            cwd=course,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"nbgrader generate_assignment failed:\n{done.stdout}{done.stderr}")
        released = {}
        for path in notebooks:
            notebook = nbformat.read(Path(course) / "release" / ASSIGNMENT / Path(path).name, as_version=4)
            notebook.metadata.pop("jupytext", None)  # no pairing: a student's Jupyter writes no .py beside it
            released[Path(path).stem] = notebook
        return released


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the committed versions are current")
    args = parser.parse_args(argv)
    import nbformat

    sources = lab_sources()
    if not args.check:
        for source in sources:
            sync_instructor_notebook(source)
    stale = []
    for stem, notebook in release([s.with_suffix(".ipynb") for s in sources]).items():
        target = LABS / f"{stem}.ipynb"
        text = nbformat.writes(notebook)
        text += "" if text.endswith("\n") else "\n"
        if args.check:
            if not target.is_file() or target.read_text() != text:
                stale.append(target.name)
        elif not target.is_file() or target.read_text() != text:
            target.write_text(text)
            print(f"wrote {target.relative_to(LABS.parent)}")
    if stale:
        sys.exit(f"out of date: {', '.join(stale)}: run python labs/make_student_versions.py")
    print("the student versions are the nbgrader release of labs/instructor/")


if __name__ == "__main__":
    main()
