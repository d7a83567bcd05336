"""Every command's bad options and arguments: one stderr line, exit code 2, TensorFlow never imported.

The cases run in one fresh Python process (so that nothing imported TensorFlow before them),
each through the command line's `main`, and that process reports per case its exit code,
what it wrote to stderr and whether `tensorflow` or `keras` was imported by then.
"""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from pyimagesearch_gan import runs
from pyimagesearch_gan.config import TrainConfig
from pyimagesearch_gan.training.plan import Job

CASES = {
    # id -> (argv with {data}, {run}, {out}, {file}, {gen} filled in, words the error line must hold)
    "train --set model.alpha=abc": (["train", "--set", "model.alpha=abc"], ["model.alpha", "a number", "abc"]),
    "train --set epochs=ten": (["train", "--set", "epochs=ten"], ["epochs", "whole number", "ten"]),
    "train --set model.alpah": (["train", "--set", "model.alpah=0.3"], ["model.alpah", "model.alpha"]),
    "train --set concurrent=maybe": (["train", "--set", "concurrent=maybe"], ["concurrent"]),
    "train --set =1": (["train", "--set", "=1"], ["--set expects key=value"]),
    "train --epochs 0": (["train", "--epochs", "0"], ["--epochs"]),
    "train --data-dir missing": (["train", "--data-dir", "{out}/nowhere"], ["nowhere", "does not exist"]),
    "train --resume missing": (["train", "--resume", "{out}/nowhere"], ["nowhere", "does not exist"]),
    "train --resume, bad config": (["train", "--resume", "{badrun}"], ["epochs", "whole number", "ten"]),
    "presets extra": (["presets", "extra"], ["unrecognized arguments"]),
    "report missing": (["report", "{out}/nowhere"], ["nowhere"]),
    "report --gif-frames 1": (["report", "{run}", "--gif-frames", "1"], ["--gif-frames", "at least 2"]),
    "generate not a run": (["generate", "{data}", "--count", "5", "--output", "{out}/g"], ["no pyimagesearch-gan run"]),
    "generate --count 0": (["generate", "{run}", "--count", "0", "--output", "{out}/g"], ["--count", "at least 1"]),
    "generate --epoch 7": (["generate", "{run}", "--count", "2", "--epoch", "7", "--output", "{out}/g"], ["--epoch 7"]),
    "generate --epoch best, no evaluation": (
        ["generate", "{run}", "--count", "2", "--epoch", "best", "--output", "{out}/g"],
        ["--epoch best", "has no evaluation yet", "run 'pyimagesearch-gan evaluate", "first"],
    ),
    "generate --epoch soon": (
        ["generate", "{run}", "--count", "2", "--epoch", "soon", "--output", "{out}/g"],
        ["'best'"],
    ),
    "generate --classes zz": (["generate", "{run}", "--count", "2", "--classes", "zz", "--output", "{out}/g"], ["zz"]),
    "generate --output exists": (["generate", "{run}", "--count", "2", "--output", "{data}"], ["--force"]),
    "generate --output under a file": (["generate", "{run}", "--count", "2", "--output", "{file}/g"], ["--output"]),
    "evaluate not a run": (["evaluate", "{out}/nowhere"], ["nowhere", "does not exist"]),
    "evaluate --count 1": (["evaluate", "{run}", "--count", "1"], ["--count", "at least 2"]),
    "evaluate --epochs x": (["evaluate", "{run}", "--epochs", "x"], ["--epochs"]),
    "evaluate --epochs 9": (["evaluate", "{run}", "--epochs", "9"], ["--epochs 9"]),
    "evaluate --holdout 1.5": (["evaluate", "{run}", "--holdout", "1.5"], ["--holdout"]),
    "evaluate --choose-by x": (["evaluate", "{run}", "--choose-by", "x"], ["--choose-by", "'x'"]),
    "neighbors missing": (["neighbors", "{out}/nowhere", "--output", "{out}/n"], ["nowhere", "does not exist"]),
    "neighbors no dataset": (["neighbors", "{gen}", "--output", "{out}/n"], ["--dataset is needed"]),
    "neighbors --dataset nope": (["neighbors", "{gen}", "--dataset", "nope", "--output", "{out}/n"], ["nope"]),
    "neighbors --k 0": (["neighbors", "{gen}", "--dataset", "folder", "--output", "{out}/n", "--k", "0"], ["--k"]),
    "neighbors --percentile 0": (["neighbors", "{gen}", "--percentile", "0", "--output", "{out}/n"], ["--percentile"]),
    "neighbors --output under a file": (
        ["neighbors", "{gen}", "--dataset", "folder", "--data-dir", "{data}", "--output", "{file}/n"],
        ["--output"],
    ),
    "augment --transforms x": (["augment", "{data}", "--output", "{out}/a", "--transforms", "x"], ["--transforms"]),
    "augment --test 0.7": (["augment", "{data}", "--output", "{out}/a", "--test", "0.7"], ["--test 0.7"]),
    "augment --add 0": (["augment", "{data}", "--output", "{out}/a", "--add", "0"], ["--add"]),
    "augment --image-size 32": (["augment", "{data}", "--output", "{out}/a", "--image-size", "32"], ["--image-size"]),
    "augment --sources x": (["augment", "{data}", "--output", "{out}/a", "--sources", "x"], ["unknown source 'x'"]),
    "augment --sources ''": (["augment", "{data}", "--output", "{out}/a", "--sources", ""], ["--sources is empty"]),
    "augment --gan-batch 1": (["augment", "{data}", "--output", "{out}/a", "--gan-batch", "1"], ["--gan-batch 1"]),
    "augment --image-size 64 acgan": (
        ["augment", "{data}", "--output", "{out}/a", "--image-size", "64", "--sources", "acgan"],
        ["--sources acgan", "28x28"],
    ),
    "augment missing folder": (["augment", "{out}/nowhere", "--output", "{out}/a"], ["nowhere", "does not exist"]),
    "augment --output under a file": (["augment", "{data}", "--output", "{file}/a"], ["--output"]),
    "augment class too small": (
        ["augment", "{data}", "--output", "{out}/a"],
        ["class 'a' (and 1 more) has 4 images", "at least 7 per class", "add images"],
    ),
    "augment-neu --rare 3": (["augment-neu", "--output", "{out}/e", "--rare", "3"], ["--rare 3", "at least 4"]),
    "augment-neu --sizes 0": (["augment-neu", "--output", "{out}/e", "--sizes", "0"], ["--sizes"]),
    "augment-neu --trials 0": (["augment-neu", "--output", "{out}/e", "--trials", "0"], ["--trials"]),
    "augment-neu --sources x": (["augment-neu", "--output", "{out}/e", "--sources", "x"], ["unknown source 'x'"]),
    "augment-neu --gan-set": (["augment-neu", "--output", "{out}/e", "--gan-set", "nonsense=1"], ["--gan-set"]),
    "augment-neu --data-dir": (["augment-neu", "--output", "{out}/e", "--data-dir", "{out}/nowhere"], ["nowhere"]),
    "augment-neu --output": (["augment-neu", "--output", "{file}/e"], ["--output"]),
    "augment-mnist --trials 0": (["augment-mnist", "--output", "{out}/e", "--trials", "0"], ["--trials"]),
    "augment-mnist --ratios": (["augment-mnist", "--output", "{out}/e", "--ratios", "a"], ["--ratios"]),
    "augment-mnist --gan-preset": (["augment-mnist", "--output", "{out}/e", "--gan-preset", "x"], ["--gan-preset"]),
    "bench --batch-sizes 0": (["bench", "--batch-sizes", "0", "--output", "{out}/b"], ["--batch-sizes"]),
    "bench --modes x": (["bench", "--modes", "x", "--output", "{out}/b"], ["--modes", "'x'"]),
    "bench --classes 0": (["bench", "--classes", "0", "--output", "{out}/b"], ["--classes"]),
    "bench --preset x": (["bench", "--preset", "x", "--output", "{out}/b"], ["unknown preset 'x'"]),
    "bench --output": (["bench", "--output", "{file}/b"], ["--output"]),
}

RUNNER = textwrap.dedent("""
    import contextlib, io, json, sys
    from pyimagesearch_gan.commands import main

    results = {}
    for name, argv in json.loads(sys.argv[1]).items():
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                main(argv)
                code = 0
            except SystemExit as exit_:
                code = exit_.code
        heavy = [m for m in ("tensorflow", "keras") if m in sys.modules]
        results[name] = {"code": code, "err": err.getvalue(), "imported": heavy}
    print(json.dumps(results))
""")


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory, write_image_tree):
    """Run every case once, in one process; {id: {code, err, imported}}."""
    root = tmp_path_factory.mktemp("bad-options")
    data = write_image_tree(root / "data", count=4)
    gen = write_image_tree(root / "generated", count=2)
    run = root / "run"  # a finished run's files, listed but never opened: every case stops before
    cfg = TrainConfig().with_overrides({"dataset": "folder", "data_dir": str(data), "epochs": 3})
    (run / "a").mkdir(parents=True)
    runs.write_config(run, cfg)
    job = Job(0, "a", np.zeros((4, 28, 28, 1), "uint8"), None, ["a"], run / "a")
    runs.write_manifest(run, cfg, [job], class_names=["a"], conditional=False)

    (run / "a" / "generator.keras").write_bytes(b"")
    (run / "a" / "history.json").write_text(json.dumps([{"epoch": 3}]))
    badrun = root / "badrun"  # a run whose config.json was edited by hand
    badrun.mkdir()
    (badrun / "config.json").write_text(json.dumps({**cfg.to_dict(), "epochs": "ten"}))
    blocker = root / "a-file"
    blocker.write_text("")
    fill = {"data": data, "run": run, "out": root / "out", "file": blocker, "gen": gen, "badrun": badrun}
    argv = {name: [part.format(**fill) for part in parts] for name, (parts, _) in CASES.items()}
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(argv)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYIMAGESEARCH_GAN_DATA": str(root / "no-data-here"), "HOME": str(root)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", CASES)
def test_bad_option_is_one_line_without_tensorflow(name, outcomes):
    outcome = outcomes[name]
    lines = outcome["err"].strip().splitlines()
    assert outcome["code"] == 2, outcome
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    for word in CASES[name][1]:
        assert word in lines[0], (word, lines[0])
    assert outcome["imported"] == [], f"{name} imported {outcome['imported']} before its error"


def test_every_help_text_shows_a_real_default():
    """A help text never ends in an empty or missing default ('(default )', 'default None')."""
    import re

    from pyimagesearch_gan.commands import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict))
    assert len(subparsers.choices) >= 10
    for name, command in subparsers.choices.items():
        text = " ".join(command.format_help().split())
        bad = re.findall(r"\(default:? ?\)|default:? None|default:? \(\)|default:? ,", text)
        assert not bad, f"{name} --help: {bad}"
