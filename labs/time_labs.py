"""Time every lab, and write the times into the labs' headers and labs/README.md.

    python labs/time_labs.py                    # run each lab in full and with LAB_QUICK=1
    python labs/time_labs.py --labs 07 --modes quick
    python labs/time_labs.py --write-only       # only rewrite the headers and README from times.json

Each run executes the whole notebook in a fresh Jupyter kernel (as a student's "Restart and run
all") and takes its wall time, kernel start included. The times go into labs/times.json under
the machine they were measured on (`--machine`, default: "gpu" when TensorFlow sees one, else
"cpu"), with a line that says what the machine was; then every lab's "**Time.**" line and the
table between the README's `<!-- times -->` markers are rewritten from times.json, and each
instructor notebook is brought up to date with its .py (jupytext), and the student versions are
released again (make_student_versions.py). tests/test_labs.py checks that they agree.
A full run's executed notebook, outputs and all, becomes the instructor notebook
labs/instructor/NN_*.ipynb: the outputs a teacher should expect (nbgrader removes them from the
student versions). Quick runs are kept in labs/output/executed/ (ignored by git).
"""
import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

LABS = Path(__file__).resolve().parent
INSTRUCTOR = LABS / "instructor"
TIMES = LABS / "times.json"
README = LABS / "README.md"
START, END = "<!-- times: start -->", "<!-- times: end -->"
TIME_LINE = re.compile(r"^# \*\*Time\.\*\* .*$", re.MULTILINE)


def lab_sources():
    return sorted(INSTRUCTOR.glob("[0-9][0-9]_*.py"))


def duration(seconds):
    """'2 min 58 s', '23 s'."""
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


def header_line(times, lab):
    """The lab's '**Time.**' line (as a comment line of its .py source)."""
    cpu = times["cpu"]["labs"][lab]
    line = (f"# **Time.** {duration(cpu['full'])} in full, {duration(cpu['quick'])} with `LAB_QUICK=1`, "
            f"measured on {times['cpu']['machine_short']}")
    gpu = times.get("gpu", {}).get("labs", {}).get(lab)
    if gpu:
        line += f"; {duration(gpu['full'])} in full on {times['gpu']['machine_short']}"
    return line + " (labs/README.md)."


def title(lab):
    """'Lab 1: the book DCGAN, end to end', from the lab's first heading."""
    match = re.search(r"^# # (.+)$", (INSTRUCTOR / f"{lab}.py").read_text(), re.MULTILINE)
    return match.group(1) if match else lab


def table(times):
    """The README's times table, from `times`."""
    gpu = "gpu" in times
    lines = ["| lab | full | `LAB_QUICK=1` |" + (" GPU, full | GPU, `LAB_QUICK=1` |" if gpu else ""),
             "|---|---:|---:|" + ("---:|---:|" if gpu else "")]
    for lab, cpu in times["cpu"]["labs"].items():
        row = f"| [{title(lab)}]({lab}.ipynb) | {duration(cpu['full'])} | {duration(cpu['quick'])} |"
        if gpu:
            other = times["gpu"]["labs"].get(lab)
            row += f" {duration(other['full'])} | {duration(other['quick'])} |" if other else " | |"
        lines.append(row)
    lines.append("")
    lines.append(f"Measured by `python labs/time_labs.py` on {times['cpu']['machine']}"
                 + (f"; GPU: {times['gpu']['machine']}" if gpu else "; no GPU measured yet") + ".")
    return "\n".join(lines)


def readme_with_table(text, times):
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{table(times)}\n{END}{after}"


def run_lab(notebook_path, quick, data):
    """Wall seconds of the whole instructor notebook in a fresh kernel; raises on a cell error.
    A full run's outputs are saved into the notebook (quick ones into labs/output/executed/)."""
    import nbclient
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)
    with tempfile.TemporaryDirectory() as output:
        # a full run writes into labs/instructor/output/ (the paths its outputs print), a quick one into a temporary folder
        env = {"LAB_OUTPUT": output if quick else str(INSTRUCTOR / "output"), "PYTHONPATH": os.pathsep.join(filter(None, [str(LABS.parent),
                                                                                 os.environ.get("PYTHONPATH")]))}
        if data:
            env["PYIMAGESEARCH_GAN_DATA"] = data
        saved = {key: os.environ.get(key) for key in [*env, "LAB_QUICK"]}
        os.environ.update(env)
        os.environ.pop("LAB_QUICK", None)
        if quick:
            os.environ["LAB_QUICK"] = "1"
        try:
            start = time.perf_counter()
            nbclient.NotebookClient(notebook, timeout=1800, kernel_name="python3", record_timing=False,
                                    resources={"metadata": {"path": str(INSTRUCTOR)}}).execute()
            seconds = time.perf_counter() - start
            if quick:
                executed = LABS / "output" / "executed"
                executed.mkdir(parents=True, exist_ok=True)
                nbformat.write(notebook, executed / f"{notebook_path.stem}_quick.ipynb")
            else:
                nbformat.write(notebook, notebook_path)  # the instructor's expected outputs
            return seconds
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def machine_description():
    import platform

    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        name = tf.config.experimental.get_device_details(gpus[0]).get("device_name", "a GPU")
        return "gpu", name, f"{name}, TensorFlow {tf.__version__}"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return "cpu", f"{cores} CPU cores", f"{cores} CPU cores ({platform.machine()}), TensorFlow {tf.__version__} (CPU)"


def write_everything(times):
    """Rewrite every lab's Time line and the README table from `times`; release the student versions again."""
    import make_student_versions

    for source in lab_sources():
        if source.stem not in times["cpu"]["labs"]:
            continue
        text = source.read_text()
        new = TIME_LINE.sub(lambda _: header_line(times, source.stem), text, count=1)
        if new != text:
            source.write_text(new)
    README.write_text(readme_with_table(README.read_text(), times))
    make_student_versions.main([])  # brings the instructor notebooks up to date, then releases them


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labs", help="comma list of lab numbers (default: all)")
    parser.add_argument("--modes", default="full,quick", help="full, quick or both (default both)")
    parser.add_argument("--machine", choices=("cpu", "gpu"), help="where the times go (default: what TensorFlow sees)")
    parser.add_argument("--data-dir", default=os.environ.get("PYIMAGESEARCH_GAN_DATA"), help="data folder")
    parser.add_argument("--write-only", action="store_true", help="only rewrite the headers and README")
    parser.add_argument("--note", help='what else the machine was doing, e.g. "shared, loaded": said beside the times')
    args = parser.parse_args(argv)
    times = json.loads(TIMES.read_text()) if TIMES.is_file() else {}
    sys.path.insert(0, str(LABS))
    import make_student_versions

    if not args.write_only:
        kind, short, long = machine_description()
        kind = args.machine or kind
        if args.note:
            short, long = f"{short} ({args.note})", f"{long}, {args.note}"
        entry = times.setdefault(kind, {"labs": {}})
        entry.update(machine=long, machine_short=short)
        wanted = set(args.labs.split(",")) if args.labs else None
        modes = args.modes.split(",")
        for source in lab_sources():
            if wanted and source.stem[:2] not in wanted:
                continue
            make_student_versions.sync_instructor_notebook(source)  # run what the .py says
            for mode in modes:
                seconds = run_lab(source.with_suffix(".ipynb"), mode == "quick", args.data_dir)
                entry["labs"].setdefault(source.stem, {})[mode] = round(seconds, 1)
                print(f"{source.stem} {mode}: {duration(seconds)}", flush=True)
                entry["labs"] = dict(sorted(entry["labs"].items()))
                TIMES.write_text(json.dumps(times, indent=2) + "\n")
    missing = [s.stem for s in lab_sources() if s.stem not in times.get("cpu", {}).get("labs", {})]
    if missing:
        sys.exit(f"labs/times.json has no CPU times of {', '.join(missing)}: run python labs/time_labs.py --labs ...")
    write_everything(times)
    print(f"wrote {TIMES.name}, the labs' Time lines and the table in {README.name}")


if __name__ == "__main__":
    main()
