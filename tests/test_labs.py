"""The teaching labs in labs/: instructor sources, the student versions nbgrader releases, grading, agreed times.

Each lab's instructor source is a jupytext percent-format `.py` in labs/instructor/, paired
with the instructor notebook that `jupytext --to notebook` makes from it (with a full run's
outputs); its exercises are nbgrader cells (answer cells with `### BEGIN/END SOLUTION`, test
cells with visible and `### BEGIN/END HIDDEN TESTS` asserts, manually graded markdown answers
with their rubrics). The committed labs/NN_*.ipynb, which the Colab links open, are the
student versions: `nbgrader generate_assignment`'s release. Here:
- every instructor notebook has the cells (types, sources and nbgrader metadata) of its `.py`;
- every exercise has an answer cell followed by a test cell, each lab a setup cell, a Colab
  link to its student version in labtools.REPOSITORY, and every reference cited in its text;
- the committed student versions are exactly a fresh nbgrader release (labs/make_student_versions.py),
  with no solution, model answer, rubric, hidden test or output left;
- `nbgrader autograde` with LAB_QUICK=1 gives every lab's solutions every autograded point (and
  their figures show), and the release copy none, with the demonstration cells still running
  (labs 2 and 5 here, every lab with -m slow);
- labs/set_repository.py points every Colab link and setup cell at a fork;
- the labs' time lines and labs/README.md's table agree with labs/times.json.
The kernels import this checkout's package and write into a temporary folder.
"""

import csv
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
INSTRUCTOR = LABS / "instructor"


def load_module(name):
    spec = importlib.util.spec_from_file_location(name, LABS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


student = load_module("make_student_versions")
timing = load_module("time_labs")
SOURCES = student.lab_sources(INSTRUCTOR)
IN_DEFAULT_SUITE = ("02_frozen_discriminator", "05_new_and_useful")  # the others are autograded with -m slow
REFERENCE = re.compile(r"^- (?P<author>[^,(]+?), .*?\((?P<year>\d{4})[^)]*\)\. (?P<rest>.*)$")


@pytest.fixture
def lab_env(monkeypatch, tmp_path, data_root):
    """The environment a lab kernel starts with: quick settings, output in tmp_path, this
    checkout's package first on the path, the shared (or stand-in) data."""
    monkeypatch.setenv("LAB_QUICK", "1")
    monkeypatch.setenv("LAB_OUTPUT", str(tmp_path / "output"))
    monkeypatch.setenv("PYIMAGESEARCH_GAN_DATA", str(data_root))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    return tmp_path


def errors(cell):
    return [output for output in cell.get("outputs", []) if output.get("output_type") == "error"]


def grade_id(cell):
    return student.grading(cell).get("grade_id")


def repository(labs=LABS):
    """labtools.REPOSITORY, read from the file (importing labtools starts TensorFlow)."""
    return re.search(r'^REPOSITORY = "([^"]+)"', (labs / "labtools.py").read_text(), re.M).group(1)


def colab_link(slug, stem):
    return f"colab.research.google.com/github/{slug}/blob/main/labs/{stem}.ipynb"


def references(text):
    """[(author surname, year, the rest of the entry)] of the text's "## References" list."""
    entries, current = [], None
    for line in text.split("## References", 1)[1].splitlines():
        if line.startswith("- "):
            current = [line]
            entries.append(current)
        elif current and line.startswith("  "):
            current.append(line.strip())
    found = []
    for lines in entries:
        match = REFERENCE.match(" ".join(lines))
        assert match, f"a reference without author and (year): {lines[0]}"
        found.append((match["author"].split()[-1], match["year"], match["rest"]))
    return found


@pytest.fixture(scope="module")
def release():
    """`nbgrader generate_assignment` of the committed instructor notebooks: {lab stem: notebook}."""
    pytest.importorskip("nbgrader")
    return student.release([source.with_suffix(".ipynb") for source in SOURCES])


def test_every_lab_has_graded_exercises_a_setup_cell_a_colab_link_and_cited_references():
    assert len(SOURCES) >= 7, f"expected seven labs in {INSTRUCTOR}, found {[p.name for p in SOURCES]}"
    url = repository()
    slug = url.removeprefix("https://github.com/")
    for source in SOURCES:
        notebook = jupytext.read(source)
        cells = notebook.cells
        text = "\n".join(cell.source for cell in cells)
        assert "QUICK" in text and "Learning goals" in text and "## References" in text, source.name
        assert colab_link(slug, source.stem) in cells[0].source, f"{source.name}: no Colab link to its student version"
        setup = next(cell for cell in cells if cell.cell_type == "code")
        assert f'REPOSITORY = "{url}"' in setup.source and "setup()" in setup.source, source.name
        answers = student.exercise_cells(notebook)
        assert len(answers) >= 2, f"{source.name}: fewer than two exercises"
        for number, i in enumerate(answers):
            following = answers[number + 1] if number + 1 < len(answers) else len(cells)
            tests = [j for j in range(i + 1, following) if student.is_test(cells[j])]
            assert tests, f"{source.name}: answer cell {grade_id(cells[i])} has no test cell after it"
            test = cells[tests[0]].source
            visible = test.split("### BEGIN HIDDEN TESTS")[0]
            assert "assert" in visible, f"{grade_id(cells[tests[0]])}: no visible assert"
            assert "### BEGIN HIDDEN TESTS" in test, f"{grade_id(cells[tests[0]])}: no hidden tests"
            assert "### BEGIN SOLUTION" in cells[i].source, grade_id(cells[i])
        written = [cell for cell in cells if student.is_answer(cell) and cell.cell_type == "markdown"]
        assert written, f"{source.name}: no written answer cell"
        for cell in written:
            assert student.grading(cell)["grade"] and student.grading(cell)["points"] > 0, grade_id(cell)
            assert "**Rubric" in cell.source, f"{source.name}: {grade_id(cell)} has a model answer but no rubric"
        body = text.split("## References", 1)[0]
        for author, year, rest in references(text):
            assert re.search(r"\*[^*]+\*", rest), f"{source.name}: {author} ({year}) names no venue"
            cited = re.compile(re.escape(author) + r"[^()]{0,100}?\(?" + year)
            assert cited.search(body), f"{source.name}: {author} ({year}) is listed but not cited in the text"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_instructor_notebook_matches_its_source(source):
    expected = jupytext.read(source)
    committed = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    cells = lambda nb: [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in nb.cells]  # noqa: E731
    assert cells(committed) == cells(expected), "regenerate it: python labs/make_student_versions.py"


def test_committed_student_versions_are_the_nbgrader_release(release):
    for source in SOURCES:
        path = LABS / f"{source.stem}.ipynb"
        assert path.is_file(), f"no student version {path.name}: python labs/make_student_versions.py"
        committed = path.read_text()
        text = "\n".join(cell.source for cell in nbformat.reads(committed, as_version=4).cells)
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "**Answer.**", "**Rubric"):
            assert marker not in text, f"{path.name} holds {marker!r}"
        notebook = nbformat.reads(committed, as_version=4)
        assert not any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), path.name
        for cell in notebook.cells:
            if student.is_answer(cell):
                assert "YOUR ANSWER HERE" in cell.source or "raise NotImplementedError()" in cell.source, grade_id(cell)
        assert nbformat.writes(release[source.stem]).strip() == committed.strip(), (
            f"{path.name} is not the nbgrader release of labs/instructor/{source.name}: "
            "python labs/make_student_versions.py"
        )


def nbgrader(course, *args):
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
        cwd=course,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def autograde(course, submissions):
    """Generate the assignment "labs" from the instructor notebooks, submit `submissions`
    ({student: [lab stems]}: "solution" hands in the instructor notebooks, anyone else the
    release copies), autograde; returns {(student, stem): (score, max score, autograded notebook)}."""
    source = course / "source" / "labs"
    source.mkdir(parents=True)
    for path in [*(s.with_suffix(".ipynb") for s in SOURCES), LABS / "labtools.py"]:
        shutil.copy(path, source)
    nbgrader(course, "generate_assignment", "labs")
    for name, stems in submissions.items():
        nbgrader(course, "db", "student", "add", name)
        handed_in = course / "submitted" / name / "labs"
        handed_in.mkdir(parents=True)
        shutil.copy(LABS / "labtools.py", handed_in)
        for stem in stems:
            shutil.copy(course / ("source" if name == "solution" else "release") / "labs" / f"{stem}.ipynb", handed_in)
    nbgrader(course, "autograde", "labs", "--ExecutePreprocessor.timeout=600")
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for name, stems in submissions.items():
            for stem in stems:
                graded = gradebook.find_submission_notebook(stem, "labs", name)
                notebook = nbformat.read(course / "autograded" / name / "labs" / f"{stem}.ipynb", as_version=4)
                scores[name, stem] = (graded.code_score, graded.max_code_score, notebook)
    return scores


def check_solution(stem, score, max_score, notebook):
    """Full marks, no cell error, every figure drawn."""
    failed = [(grade_id(cell), errors(cell)[0]["ename"]) for cell in notebook.cells if errors(cell)]
    assert not failed, f"{stem}: the solutions fail in {failed}"
    assert max_score > 0 and score == max_score, f"{stem}: the solutions score {score} of {max_score}"
    draws = re.compile(r"^\s*(plt\.show|show|show_images)\(", re.M)
    drawing = [cell for cell in notebook.cells if cell.cell_type == "code" and draws.search(cell.source)]
    assert drawing, f"{stem} draws no figure"
    blank = [
        cell.source.splitlines()[0]
        for cell in drawing
        if not any(output.get("output_type") == "display_data" for output in cell.get("outputs", []))
    ]
    assert not blank, f"{stem}: cells that draw showed no figure (matplotlib backend?): {blank}"


def check_release(stem, score, max_score, notebook):
    """No point; the first error at the first exercise; every test cell fails; every cell that
    is not an exercise (the demonstrations) still runs."""
    assert max_score > 0 and score == 0, f"{stem}: the unanswered release scores {score} of {max_score}"
    cells = notebook.cells
    failed = [i for i, cell in enumerate(cells) if errors(cell)]
    first_answer = student.exercise_cells(notebook)[0]
    assert failed and failed[0] == first_answer, f"{stem}: first error in cell {failed[:1]}, not {first_answer}"
    assert errors(cells[first_answer])[0]["ename"] == "NotImplementedError"
    passing = [grade_id(cells[i]) for i in student.test_cells(notebook) if not errors(cells[i])]
    assert not passing, f"{stem}: test cells pass without answers: {passing}"
    broken = [cells[i].source.splitlines()[0] for i in failed if not student.grading(cells[i])]
    assert not broken, f"{stem}: demonstration cells fail while the exercises are unanswered: {broken}"


def check_autograde(course, stems):
    submissions = {"solution": list(stems), "unanswered": list(stems)}
    for (name, stem), result in autograde(course, submissions).items():
        (check_solution if name == "solution" else check_release)(stem, *result)


def test_nbgrader_autograde_gives_the_solutions_every_point_and_the_release_none(tmp_path, lab_env):
    check_autograde(tmp_path / "course", IN_DEFAULT_SUITE)


@pytest.mark.slow
def test_nbgrader_autograde_gives_every_labs_solutions_every_point_and_its_release_none(tmp_path, lab_env):
    check_autograde(tmp_path / "course", [s.stem for s in SOURCES])


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
    for source in student.lab_sources(labs / "instructor"):
        for path in (source, source.with_suffix(".ipynb"), labs / f"{source.stem}.ipynb"):
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


def write_hand_in(folder, situations=("real", "transforms", "gan", "gan + transforms"), trials=3):
    """An experiment folder as `augment` writes it (the columns the checks read) and a report quoting it."""
    folder.mkdir(parents=True)
    with open(folder / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["scenario", "situation", "source", "classifier", "trial", "accuracy"])
        writer.writeheader()
        for situation in situations:
            for trial in range(trials):
                source = "gan" if situation.startswith("gan") else ""
                writer.writerow({"scenario": "n50", "situation": situation, "source": source, "classifier": "cnn",
                                 "trial": trial, "accuracy": 0.9})
    (folder / "summary.md").write_text("| real | 0.912 ± 0.010 |\n| gan | 0.905 ± 0.021 |\n")
    (folder / "config.json").write_text("{}")
    sections = ["Question and prediction", "Setup", "The baselines", "Results", "What it means", "Limits"]
    quoted = "real 0.912 ± 0.010, gan 0.905 ± 0.021."
    return "\n\n".join(f"## {i}. {name}\n\n{quoted}" for i, name in enumerate(sections, 1))


def test_project_check_grades_a_fair_hand_in_and_names_what_an_unfair_one_misses(tmp_path):
    check = load_module("project_check")
    report = tmp_path / "report.md"
    report.write_text(write_hand_in(tmp_path / "fair"))
    scores = check.grade([tmp_path / "fair"], report)
    assert all(passed for passed, _, _ in scores.values()), scores
    assert sum(points for _, points, _ in scores.values()) == sum(check.CHECKS.values()) == 30
    named = ("real", "texture transforms", "gan-da", "gan-da + texture transforms")  # the recipe's names
    write_hand_in(tmp_path / "named", situations=named)
    assert check.grade([tmp_path / "named"], report)["baselines"][0]
    # a folder run: the recipe chosen on validation, the other candidates fitted in two trials only
    chose = ("real", "real + resampling", "texture transforms", "gan-da + resampling")
    write_hand_in(tmp_path / "folder", situations=chose)
    with open(tmp_path / "folder" / "results.csv", newline="") as f:
        rows = [{**r, "group": "data"} for r in csv.DictReader(f)]
    rows = [r for r in rows if r["situation"] != "texture transforms" or r["trial"] != "2"]
    with open(tmp_path / "folder" / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (tmp_path / "folder" / "recipe.json").write_text(json.dumps({"data": {"recipe": "real + resampling"}}))
    folder = check.grade([tmp_path / "folder"], report)
    assert folder["baselines"][0] and folder["trials"][0], folder
    (tmp_path / "folder" / "recipe.json").unlink()
    assert not check.grade([tmp_path / "folder"], report)["trials"][0], "without the recipe every situation counts"

    write_hand_in(tmp_path / "unfair", situations=("real", "gan"), trials=1)
    report.write_text("## Results\n\ngan 0.950 ± 0.001, far better than real.")
    scores = check.grade([tmp_path / "unfair"], report)
    assert {name for name, (passed, _, _) in scores.items() if not passed} == {"baselines", "trials", "numbers",
                                                                               "template"}
    assert "`transforms` lacks" in scores["baselines"][2] and "0.950 ± 0.001" in scores["numbers"][2]
    assert scores["ran"][1] == 4 and sum(points for _, points, _ in scores.values()) == 4

    done = subprocess.run([sys.executable, str(LABS / "project_check.py"), str(tmp_path / "nothing")],
                          capture_output=True, text=True)
    assert done.returncode != 0 and "no such folder" in done.stderr and "Traceback" not in done.stderr
