"""The teaching labs in labs/: they run, their notebooks match their sources, and they stop at the exercises.

Each lab is a jupytext percent-format `.py` paired with the `.ipynb` that
`jupytext --to notebook` makes from it. Here:
- every notebook runs top to bottom with LAB_QUICK=1 in a fresh kernel (nbclient);
- every committed `.ipynb` has the cells (types and sources) that jupytext makes from its `.py`;
- every lab's student version (solutions replaced by `raise NotImplementedError()`, see
  labs/make_student_versions.py) stops with NotImplementedError in its first exercise cell,
  and nowhere before it.
The kernels import this checkout's package and write into a temporary folder.
"""

import importlib.util
import os
from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
jupytext = pytest.importorskip("jupytext")
pytest.importorskip("ipykernel")

REPO = Path(__file__).resolve().parent.parent
LABS = REPO / "labs"


def load_student_module():
    spec = importlib.util.spec_from_file_location("make_student_versions", LABS / "make_student_versions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


student = load_student_module()
SOURCES = student.lab_sources(LABS)


@pytest.fixture
def lab_env(monkeypatch, tmp_path, data_root):
    """The environment a lab kernel starts with: quick settings, output in tmp_path, this
    checkout's package first on the path, the shared (or stand-in) data."""
    monkeypatch.setenv("LAB_QUICK", "1")
    monkeypatch.setenv("LAB_OUTPUT", str(tmp_path))
    monkeypatch.setenv("PYIMAGESEARCH_GAN_DATA", str(data_root))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    return tmp_path


def execute(notebook):
    """Run `notebook` in a fresh python3 kernel started in labs/ (raises CellExecutionError)."""
    client = nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(LABS)}}
    )
    client.execute()
    return notebook


def test_every_lab_is_paired_and_has_exercises():
    assert len(SOURCES) >= 5, f"expected at least five labs in {LABS}, found {[p.name for p in SOURCES]}"
    for source in SOURCES:
        notebook_path = source.with_suffix(".ipynb")
        assert notebook_path.is_file(), f"{source.name} has no notebook: jupytext --to notebook labs/{source.name}"
        notebook = jupytext.read(source)
        exercises = [notebook.cells[i] for i in student.exercise_cells(notebook)]
        assert len(exercises) >= 2, f"{source.name}: fewer than two exercise cells"
        text = "\n".join(cell.source for cell in notebook.cells)
        assert "QUICK" in text and "Learning goals" in text and "PYIMAGESEARCH_GAN_DATA" in text, source.name
        for cell in exercises:
            stripped = student.strip_solutions(cell.source)
            assert "raise NotImplementedError()" in stripped and "BEGIN SOLUTION" not in stripped


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_matches_its_source(source):
    expected = jupytext.read(source)
    committed = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    cells = lambda nb: [(cell.cell_type, cell.source) for cell in nb.cells]  # noqa: E731
    assert cells(committed) == cells(expected), f"regenerate it: jupytext --to notebook labs/{source.name}"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_lab_runs_quick(source, lab_env):
    notebook = execute(nbformat.read(source.with_suffix(".ipynb"), as_version=4))
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])]
    assert any(output.get("output_type") == "display_data" for output in outputs), f"{source.name} showed no figure"
    assert not any(output.get("output_type") == "error" for output in outputs)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_student_version_stops_at_first_exercise(source, lab_env):
    first = student.exercise_cells(jupytext.read(source))[0]
    notebook = student.student_notebook(source)
    with pytest.raises(nbclient.exceptions.CellExecutionError) as raised:  # the kernel stops at the first error
        execute(notebook)
    assert raised.value.ename == "NotImplementedError", raised.value
    failed = [
        i
        for i, cell in enumerate(notebook.cells)
        if any(output.get("output_type") == "error" for output in cell.get("outputs", []))
    ]
    assert failed == [first], f"{source.name}: the first error is in cell {failed}, the first exercise is cell {first}"
