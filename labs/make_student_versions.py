"""Student versions of the labs without nbgrader: what `nbgrader generate_assignment` releases.

    python labs/make_student_versions.py [--output labs/student]

The labs mark their exercises with nbgrader's cell metadata (`nbgrader={...}` on a cell's
`# %%` line in the jupytext sources):

- autograded answer cells (code, "solution": true) hold the solution between
      ### BEGIN SOLUTION
      answer = 42
      ### END SOLUTION
  which the student version replaces, at the indentation of the BEGIN line, with
      # YOUR CODE HERE
      raise NotImplementedError()
- manually graded answer cells (markdown, "solution": true and "grade": true) hold a model
  answer, replaced by "YOUR ANSWER HERE";
- test cells (code, "grade": true, "locked": true) keep their visible asserts and lose the
  hidden ones between `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS`.

Teachers with nbgrader run `nbgrader generate_assignment` on the notebooks instead (labs/README.md);
tests/test_labs.py checks that both give the same cells.
"""
import argparse
import re
from pathlib import Path

import jupytext
import nbformat

LABS = Path(__file__).resolve().parent
BEGIN = re.compile(r"^(\s*)### BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")
BEGIN_HIDDEN = re.compile(r"^\s*### BEGIN HIDDEN TESTS\s*$")
END_HIDDEN = re.compile(r"^\s*### END HIDDEN TESTS\s*$")
CODE_STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
TEXT_STUB = "YOUR ANSWER HERE"


def lab_sources(folder=LABS):
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


def _replace_regions(source, begin, end, stub, what):
    """`source` with each begin/end region replaced by `stub` lines at the BEGIN line's indentation."""
    lines, inside = [], False
    for line in source.splitlines():
        if begin.match(line):
            if inside:
                raise ValueError(f"### BEGIN {what} inside another one")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            lines += [indent + s for s in stub]
        elif end.match(line):
            if not inside:
                raise ValueError(f"### END {what} without ### BEGIN {what}")
            inside = False
        elif not inside:
            lines.append(line)
    if inside:
        raise ValueError(f"### BEGIN {what} without ### END {what}")
    return "\n".join(lines)


def strip_solutions(source):
    """One answer cell's code with each solution region replaced; ValueError on unbalanced markers."""
    return _replace_regions(source, BEGIN, END, CODE_STUB, "SOLUTION")


def strip_hidden_tests(source):
    """One test cell's code without its hidden tests."""
    return _replace_regions(source, BEGIN_HIDDEN, END_HIDDEN, [], "HIDDEN TESTS")


def student_cell(cell):
    """What the student sees of `cell` (a copy); ValueError for solution markers outside an answer cell."""
    cell = nbformat.from_dict(cell)
    has_markers = any(BEGIN.match(line) for line in cell.source.splitlines())
    if has_markers and not is_answer(cell):
        raise ValueError(f"### BEGIN SOLUTION in a cell that is not an nbgrader answer cell:\n{cell.source[:200]}")
    if is_answer(cell):
        if cell.cell_type == "markdown":
            cell.source = TEXT_STUB
        elif has_markers:
            cell.source = strip_solutions(cell.source)
        else:
            cell.source = "\n".join(CODE_STUB)
    elif is_test(cell):
        cell.source = strip_hidden_tests(cell.source)
    return cell


def student_notebook(path):
    """The student version of the lab whose jupytext source is `path`, as a notebook."""
    notebook = jupytext.read(path)
    notebook.cells = [student_cell(cell) for cell in notebook.cells]
    return notebook


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(LABS / "student"), help="folder for the student notebooks")
    args = parser.parse_args(argv)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    for path in lab_sources():
        target = output / f"{path.stem}.ipynb"
        nbformat.write(student_notebook(path), target)
        print(f"wrote {target}")
    helpers = output / "labtools.py"
    helpers.write_text((LABS / "labtools.py").read_text())  # the notebooks import it from their folder
    print(f"wrote {helpers}")


if __name__ == "__main__":
    main()
