"""The autograded part of the final project (labs/project.md): checks of a hand-in's experiment folders and report.

    python labs/project_check.py out/neu_50 [out/neu_100 ...] --report report.md [--json scores.json]

Each check serves one criterion of project.md's rubric and gives part of its points; together
they grade 30 of the rubric's 100 points, the rest are graded by hand with the rubric:

| check | criterion | points | passes when |
|---|---|---:|---|
| ran | Reproducible | 4 | every folder holds the results.csv, summary.md and config.json of an `augment` experiment |
| baselines | Fair experiment | 10 | every scenario with GAN images also has `real` and the recipe, for the same trials and classifiers |
| trials | Correct numbers | 4 | every situation has at least 3 trials (an interval needs them) |
| numbers | Correct numbers | 8 | every "mean ± half" in the report is one of the summary.md files' |
| template | Clarity | 4 | the report has the template's six sections and at most 2,400 words (4 pages) |

The recipe is the one `recipe.json` names (in older folders: the `transforms` situation); the
other classic candidates, fitted in a few trials only to choose it, are not counted.

Prints one line per check and the total; `--json` also writes them. Reads only text files: no
TensorFlow, seconds per hand-in.
"""
import argparse
import csv
import json
import re
import sys
from pathlib import Path

CHECKS = {"ran": 4, "baselines": 10, "trials": 4, "numbers": 8, "template": 4}
SECTIONS = ("question", "setup", "baseline", "result", "mean", "limit")  # the template's headings, in order
MIN_TRIALS = 3
MAX_WORDS = 2400
NUMBER = re.compile(r"([-+]?\d*\.\d+)\s*±\s*(\d*\.\d+)")


def read_rows(folder):
    """results.csv's rows, each with its group's classic recipe (from recipe.json; "" without)."""
    recipes = {}
    if (folder / "recipe.json").is_file():
        recipes = {group: chosen["recipe"] for group, chosen in json.loads((folder / "recipe.json").read_text()).items()}
    with open(folder / "results.csv", newline="") as f:
        return [{**row, "recipe": recipes.get(row.get("group", ""), "")} for row in csv.DictReader(f)]


def only_chose(row):
    """A classic candidate other than real and the recipe: fitted in a few trials to choose the recipe."""
    return bool(row.get("recipe")) and not row.get("source") and row["situation"] not in ("real", row["recipe"])


def check_ran(folders):
    missing = [f"{folder}/{name}" for folder in folders for name in ("results.csv", "summary.md", "config.json")
               if not (folder / name).is_file()]
    return not missing, "missing: " + ", ".join(missing) if missing else f"{len(folders)} experiment folder(s)"


def check_baselines(rows):
    problems = []
    for scenario in sorted({r["scenario"] for r in rows}):
        here = [r for r in rows if r["scenario"] == scenario]
        runs = lambda name: {(r["classifier"], r["trial"]) for r in here if r["situation"] == name}  # noqa: E731
        gan = {r["situation"] for r in here if r.get("source")}
        # the classic transforms situation: `texture transforms` (older runs: `transforms`)
        classic = sorted({r["situation"] for r in here if not r.get("source") and r["situation"].endswith("transforms")})
        recipe = next((r["recipe"] for r in here if r.get("recipe")), None) or (classic[0] if classic else "transforms")
        for situation in gan:
            for baseline in dict.fromkeys(("real", recipe)):
                if not runs(situation) <= runs(baseline):
                    problems.append(f"{scenario}: {situation} has fits that `{baseline}` lacks")
    gan_rows = [r for r in rows if r.get("source")]
    if not gan_rows:
        problems.append("no situation with GAN images")
    return not problems, "; ".join(problems) or "real and the recipe beside every GAN situation, same trials"


def check_trials(rows):
    trials = {}
    for r in (r for r in rows if not only_chose(r)):
        trials.setdefault((r["scenario"], r["situation"], r["classifier"]), set()).add(r["trial"])
    few = [f"{s}/{name}/{c}: {len(t)}" for (s, name, c), t in sorted(trials.items()) if len(t) < MIN_TRIALS]
    return bool(trials) and not few, "fewer than 3 trials: " + ", ".join(few) if few else "3 trials or more each"


def check_numbers(report, summaries):
    found = set(NUMBER.findall("\n".join(summaries)))
    quoted = NUMBER.findall(report)
    untraced = [f"{m} ± {h}" for m, h in quoted if (m, h) not in found and (m.lstrip("+"), h) not in found]
    if not quoted:
        return False, "the report quotes no mean ± interval"
    return not untraced, "not in any summary.md: " + ", ".join(untraced) if untraced else f"{len(quoted)} traced"


def check_template(report):
    headings = [line.lower() for line in report.splitlines() if line.startswith("#")]
    position, missing = 0, []
    for word in SECTIONS:
        hit = next((i for i in range(position, len(headings)) if word in headings[i]), None)
        if hit is None:
            missing.append(word)
        else:
            position = hit + 1
    words = len(report.split())
    problems = ([f"no section heading with {', '.join(missing)} (in the template's order)"] if missing else []) + (
        [f"{words} words, more than {MAX_WORDS}"] if words > MAX_WORDS else [])
    return not problems, "; ".join(problems) or f"six sections, {words} words"


def grade(folders, report_path):
    """{check: (passed, points, note)} of a hand-in."""
    folders = [Path(f) for f in folders]
    results = {}
    ran, note = check_ran(folders)
    results["ran"] = (ran, note)
    rows = [row for folder in folders if (folder / "results.csv").is_file() for row in read_rows(folder)]
    results["baselines"] = check_baselines(rows) if rows else (False, "no results.csv")
    results["trials"] = check_trials(rows) if rows else (False, "no results.csv")
    report = Path(report_path).read_text() if report_path and Path(report_path).is_file() else ""
    summaries = [(f / "summary.md").read_text() for f in folders if (f / "summary.md").is_file()]
    results["numbers"] = check_numbers(report, summaries) if report else (False, "no report")
    results["template"] = check_template(report) if report else (False, "no report")
    return {name: (passed, CHECKS[name] if passed else 0, note) for name, (passed, note) in results.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", help="the hand-in's experiment folders (augment --output)")
    parser.add_argument("--report", help="the report, as Markdown")
    parser.add_argument("--json", help="also write the scores here")
    args = parser.parse_args(argv)
    for folder in args.folders:
        if not Path(folder).is_dir():
            sys.exit(f"{folder}: no such folder: give the experiment folders of the hand-in")
    scores = grade(args.folders, args.report)
    for name, (passed, points, note) in scores.items():
        print(f"{'PASS' if passed else 'FAIL'} {name:10s} {points:2d}/{CHECKS[name]}  {note}")
    total = sum(points for _, points, _ in scores.values())
    print(f"autograded: {total}/{sum(CHECKS.values())} (the other {100 - sum(CHECKS.values())} points: "
          "the rubric in labs/project.md, by hand)")
    if args.json:
        Path(args.json).write_text(json.dumps({n: {"passed": p, "points": s, "note": t}
                                               for n, (p, s, t) in scores.items()} | {"total": total}, indent=2))


if __name__ == "__main__":
    main()
