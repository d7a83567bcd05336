"""Student versions of the labs: every solution replaced by `raise NotImplementedError()`.

    python labs/make_student_versions.py [--output labs/student]

Each lab's `.py` (jupytext percent format) marks its solutions as nbgrader does, inside code
cells:

    ### BEGIN SOLUTION
    answer = 42
    ### END SOLUTION

The student notebook keeps everything else and puts in place of each marked region, at the
indentation of its BEGIN line, what nbgrader puts there:

    # YOUR CODE HERE
    raise NotImplementedError()

(`nbgrader generate_assignment` does the same from the .ipynb files, for graded courses.)
"""
import argparse
import re
from pathlib import Path

import jupytext
import nbformat

LABS = Path(__file__).resolve().parent
BEGIN = re.compile(r"^(\s*)### BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")


def lab_sources(folder=LABS):
    """The labs' jupytext sources, in order: NN_name.py."""
    return sorted(Path(folder).glob("[0-9][0-9]_*.py"))


def strip_solutions(source):
    """`source` (one cell's code) with each solution region replaced; raises ValueError on
    an unbalanced BEGIN/END."""
    lines, inside = [], False
    for line in source.splitlines():
        begin = BEGIN.match(line)
        if begin:
            if inside:
                raise ValueError("### BEGIN SOLUTION inside another solution")
            inside = True
            lines += [f"{begin.group(1)}# YOUR CODE HERE", f"{begin.group(1)}raise NotImplementedError()"]
        elif END.match(line):
            if not inside:
                raise ValueError("### END SOLUTION without ### BEGIN SOLUTION")
            inside = False
        elif not inside:
            lines.append(line)
    if inside:
        raise ValueError("### BEGIN SOLUTION without ### END SOLUTION")
    return "\n".join(lines)


def is_exercise(cell):
    return cell.cell_type == "code" and any(BEGIN.match(line) for line in cell.source.splitlines())


def exercise_cells(notebook):
    """Indices of the cells holding a solution."""
    return [i for i, cell in enumerate(notebook.cells) if is_exercise(cell)]


def student_notebook(path):
    """The student version of the lab whose jupytext source is `path`, as a notebook."""
    notebook = jupytext.read(path)
    for i in exercise_cells(notebook):
        notebook.cells[i].source = strip_solutions(notebook.cells[i].source)
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
