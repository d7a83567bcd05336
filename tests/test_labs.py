"""The teaching labs in labs/: paired sources, nbgrader assignments that grade, agreed times.

Each lab is a jupytext percent-format `.py` paired with the `.ipynb` that
`jupytext --to notebook` makes from it; its exercises are nbgrader cells (answer cells with
`### BEGIN/END SOLUTION`, test cells with visible and `### BEGIN/END HIDDEN TESTS` asserts,
manually graded markdown answers). Here:
- every committed `.ipynb` has the cells (types, sources and nbgrader metadata) of its `.py`;
- every exercise has an answer cell followed by a test cell, and each lab a setup cell and a
  Colab link to itself in labtools.REPOSITORY;
- `nbgrader generate_assignment` releases all labs, and labs/make_student_versions.py makes
  the same student notebooks;
- the solution version (the lab itself) runs with LAB_QUICK=1 in a fresh kernel with every test
  cell passing; the release version fails every test cell (for one lab here; all with -m slow);
- (slow) `nbgrader autograde` gives a submitted solution every autograded point, the release none;
- labs/set_repository.py points every Colab link and setup cell at a fork;
- the labs' time lines and labs/README.md's table agree with labs/times.json.
The kernels import this checkout's package and write into a temporary folder.
"""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
jupytext = pytest.importorskip("jupytext")
pytest.importorskip("ipykernel")

REPO = Path(__file__).resolve().parent.parent
LABS = REPO / "labs"


def load_module(name):
    spec = importlib.util.spec_from_file_location(name, LABS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


student = load_module("make_student_versions")
timing = load_module("time_labs")
SOURCES = student.lab_sources(LABS)
RELEASE_IN_DEFAULT_SUITE = "02_frozen_discriminator"  # the others' release runs are marked slow


@pytest.fixture
def lab_env(monkeypatch, tmp_path, data_root):
    """The environment a lab kernel starts with: quick settings, output in tmp_path, this
    checkout's package first on the path, the shared (or stand-in) data."""
    monkeypatch.setenv("LAB_QUICK", "1")
    monkeypatch.setenv("LAB_OUTPUT", str(tmp_path / "output"))
    monkeypatch.setenv("PYIMAGESEARCH_GAN_DATA", str(data_root))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    return tmp_path


def execute(notebook, folder=LABS, allow_errors=False):
    """Run `notebook` in a fresh python3 kernel started in `folder` (raises CellExecutionError
    at the first error unless `allow_errors`)."""
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()
    return notebook


def errors(cell):
    return [output for output in cell.get("outputs", []) if output.get("output_type") == "error"]


def grade_id(cell):
    return student.grading(cell).get("grade_id")


def repository(labs=LABS):
    """labtools.REPOSITORY, read from the file (importing labtools starts TensorFlow)."""
    return re.search(r'^REPOSITORY = "([^"]+)"', (labs / "labtools.py").read_text(), re.M).group(1)


def colab_link(slug, stem):
    return f"colab.research.google.com/github/{slug}/blob/main/labs/{stem}.ipynb"


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """`nbgrader generate_assignment` of all labs in a fresh course folder: {lab stem: notebook path}."""
    pytest.importorskip("nbgrader")
    course = tmp_path_factory.mktemp("course")
    source = course / "source" / "labs"
    source.mkdir(parents=True)
    for path in SOURCES:
        shutil.copy(path.with_suffix(".ipynb"), source)
    shutil.copy(LABS / "labtools.py", source)
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", "labs", f"--CourseDirectory.root={course}"],
        cwd=course,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    released = course / "release" / "labs"
    assert (released / "labtools.py").is_file(), "the helpers travel with the assignment"
    return {path.stem: released / f"{path.stem}.ipynb" for path in SOURCES}


def test_every_lab_has_graded_exercises_a_setup_cell_and_a_colab_link():
    assert len(SOURCES) >= 7, f"expected seven labs in {LABS}, found {[p.name for p in SOURCES]}"
    url = repository()
    slug = url.removeprefix("https://github.com/")
    for source in SOURCES:
        notebook = jupytext.read(source)
        cells = notebook.cells
        text = "\n".join(cell.source for cell in cells)
        assert "QUICK" in text and "Learning goals" in text and "## References" in text, source.name
        assert colab_link(slug, source.stem) in cells[0].source, f"{source.name}: no Colab link to itself"
        setup = next(cell for cell in cells if cell.cell_type == "code")
        assert f'REPOSITORY = "{url}"' in setup.source and "setup()" in setup.source, source.name
        answers = student.exercise_cells(notebook)
        assert len(answers) >= 2, f"{source.name}: fewer than two exercises"
        for number, i in enumerate(answers):
            following = answers[number + 1] if number + 1 < len(answers) else len(cells)
            tests = [j for j in range(i + 1, following) if student.is_test(cells[j])]
            assert tests, f"{source.name}: answer cell {grade_id(cells[i])} has no test cell after it"
            test = cells[tests[0]].source
            assert "assert" in student.strip_hidden_tests(test), f"{grade_id(cells[tests[0]])}: no visible assert"
            assert "### BEGIN HIDDEN TESTS" in test, f"{grade_id(cells[tests[0]])}: no hidden tests"
            assert "raise NotImplementedError()" in student.strip_solutions(cells[i].source)
        for cell in cells:
            if student.is_answer(cell) and cell.cell_type == "markdown":
                assert student.grading(cell)["grade"] and student.grading(cell)["points"] > 0, grade_id(cell)
        assert any(student.is_answer(cell) and cell.cell_type == "markdown" for cell in cells), (
            f"{source.name}: no written answer cell"
        )


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_matches_its_source(source):
    expected = jupytext.read(source)
    committed = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    cells = lambda nb: [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in nb.cells]  # noqa: E731
    assert cells(committed) == cells(expected), f"regenerate it: jupytext --update --to notebook labs/{source.name}"


def test_nbgrader_releases_every_lab_as_make_student_versions_does(release):
    for source in SOURCES:
        released = nbformat.read(release[source.stem], as_version=4)
        text = "\n".join(cell.source for cell in released.cells)
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, source.name
        ours = student.student_notebook(source)
        assert [(c.cell_type, c.source) for c in released.cells] == [(c.cell_type, c.source) for c in ours.cells], (
            f"{source.name}: make_student_versions.py and nbgrader release different cells"
        )
        tests = [grade_id(c) for c in released.cells if student.is_test(c)]
        assert tests and all(student.grading(c)["locked"] for c in released.cells if student.is_test(c))


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_solution_version_passes_its_tests_quick(source, lab_env):
    notebook = execute(nbformat.read(source.with_suffix(".ipynb"), as_version=4))  # raises at a failing cell
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    draws = re.compile(r"^\s*(plt\.show|show|show_images)\(", re.M)
    drawing = [cell for cell in code if draws.search(cell.source)]
    assert drawing, f"{source.name} draws no figure"
    blank = [
        cell.source.splitlines()[0]
        for cell in drawing
        if not any(output.get("output_type") == "display_data" for output in cell.get("outputs", []))
    ]
    assert not blank, f"{source.name}: cells that draw showed no figure (matplotlib backend?): {blank}"
    assert len(student.test_cells(notebook)) >= 2


def release_params():
    return [
        pytest.param(s, marks=() if s.stem == RELEASE_IN_DEFAULT_SUITE else pytest.mark.slow, id=s.stem)
        for s in SOURCES
    ]


@pytest.mark.parametrize("source", release_params())
def test_release_version_fails_every_test_cell(source, release, lab_env):
    path = release[source.stem]
    notebook = execute(nbformat.read(path, as_version=4), folder=path.parent, allow_errors=True)
    cells = notebook.cells
    first_answer = student.exercise_cells(notebook)[0]
    failed = [i for i, cell in enumerate(cells) if errors(cell)]
    assert failed and failed[0] == first_answer, f"{source.name}: first error in cell {failed[:1]}, not {first_answer}"
    assert errors(cells[first_answer])[0]["ename"] == "NotImplementedError"
    passing = [grade_id(cells[i]) for i in student.test_cells(notebook) if not errors(cells[i])]
    assert not passing, f"{source.name}: test cells pass without answers: {passing}"


def test_times_agree_with_times_json():
    times = json.loads((LABS / "times.json").read_text())
    assert set(times["cpu"]["labs"]) == {s.stem for s in SOURCES}, "time every lab: python labs/time_labs.py"
    for lab, entry in times["cpu"]["labs"].items():
        assert entry["full"] > entry["quick"] > 0, lab
        if lab.startswith("07"):
            assert entry["quick"] < 120, "the evaluation lab's quick mode runs in under 2 minutes"
    for source in SOURCES:
        lines = [line for line in source.read_text().splitlines() if line.startswith("# **Time.**")]
        expected = timing.header_line(times, source.stem)
        assert lines == [expected], f"{source.name}: run python labs/time_labs.py --write-only"
    readme = (LABS / "README.md").read_text()
    assert timing.readme_with_table(readme, times) == readme, "labs/README.md: python labs/time_labs.py --write-only"


def test_set_repository_points_every_link_and_setup_cell_at_a_fork(tmp_path):
    labs = tmp_path / "labs"
    shutil.copytree(LABS, labs, ignore=shutil.ignore_patterns("output", "student", "__pycache__"))
    done = subprocess.run(
        [sys.executable, str(labs / "set_repository.py"), "https://github.com/someone/gan-fork"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert repository(labs) == "https://github.com/someone/gan-fork"
    old = repository().removeprefix("https://github.com/")
    for source in student.lab_sources(labs):
        for path in (source, source.with_suffix(".ipynb")):
            text = path.read_text()
            assert old not in text, path.name
            assert colab_link("someone/gan-fork", source.stem) in text, path.name
            assert 'REPOSITORY = \\"https://github.com/someone/gan-fork\\"' in text or (
                'REPOSITORY = "https://github.com/someone/gan-fork"' in text
            ), path.name
    bad = subprocess.run(
        [sys.executable, str(labs / "set_repository.py"), "someone/gan-fork"], capture_output=True, text=True
    )
    assert bad.returncode != 0 and "https://github.com/OWNER/NAME" in bad.stderr


@pytest.mark.slow
def test_nbgrader_autograde_gives_the_solution_every_point_and_the_release_none(tmp_path, lab_env):
    course = tmp_path / "course"
    lab = LABS / f"{RELEASE_IN_DEFAULT_SUITE}.ipynb"
    (course / "source" / "lab").mkdir(parents=True)
    for path in (lab, LABS / "labtools.py"):
        shutil.copy(path, course / "source" / "lab")

    def nbgrader(*args):
        done = subprocess.run(
            [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
            cwd=course,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr

    nbgrader("generate_assignment", "lab")
    for student_id, folder in (("solution", "source"), ("unanswered", "release")):
        nbgrader("db", "student", "add", student_id)
        shutil.copytree(course / folder / "lab", course / "submitted" / student_id / "lab")
    nbgrader("autograde", "lab", "--ExecutePreprocessor.timeout=300")
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        solution = gradebook.find_submission("lab", "solution")
        unanswered = gradebook.find_submission("lab", "unanswered")
        assert solution.max_code_score > 0 and solution.code_score == solution.max_code_score
        assert unanswered.code_score == 0 and unanswered.max_written_score > 0
