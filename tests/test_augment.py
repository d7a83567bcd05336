"""`augment` on any class folder: the designs' splits, the situations' training sets, the
classic recipe chosen on the validation images, the summary's metrics and verdict, near-copy
counts, and the whole quick run with its page (and no verdict)."""

import collections
import csv
import json
import re

import cv2
import numpy as np
import pytest
from markupsafe import escape

from pyimagesearch_gan.commands import main
from pyimagesearch_gan.data import ImageSet
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.evidence.neighbors import count_near_copies
from pyimagesearch_gan.experiments import common, engine, recipe, summary
from pyimagesearch_gan.experiments.designs import folder_design, gray_if_all_are, neu_design
from pyimagesearch_gan.experiments.settings import AugmentSettings, NeuSettings
from pyimagesearch_gan.experiments.situations import resampled, situations, synthetic_counts

SIZES = {"good": 40, "scratch": 9, "spot": 16}


def image_set(sizes, seed=0):
    """Distinct images per class: every image's first pixels hold its class and index."""
    images, labels = [], []
    for c, n in enumerate(sizes):
        block = np.random.default_rng([seed, c]).integers(0, 256, (n, 8, 8, 1), dtype="uint8")
        block[:, 0, 0, 0], block[:, 0, 1, 0] = c, np.arange(n)
        images.append(block)
        labels += [c] * n
    names = [f"c{c}" for c in range(len(sizes))]
    return ImageSet(np.concatenate(images), np.array(labels, "int32"), names, [""] * len(labels), [])


def test_folder_design_splits_each_class_by_share_and_keeps_the_imbalance():
    design = folder_design(image_set([100, 10, 30]), AugmentSettings(), "t")
    scenario = design.scenarios[0]
    assert np.bincount(design.test_y).tolist() == [20, 2, 6]  # 20%, at least 2
    assert [len(v) for v in scenario.val] == [12, 1, 4] and scenario.train_counts == [68, 7, 20]
    assert scenario.imbalanced and scenario.synthetic == [0, 61, 48]  # topped up to the largest
    keys = [{(int(i[0, 0, 0]), int(i[0, 1, 0])) for i in part} for part in (design.test_x, *scenario.train)]
    val = {(int(i[0, 0, 0]), int(i[0, 1, 0])) for part in scenario.val for i in part}
    train = set().union(*keys[1:])
    assert not keys[0] & train and not keys[0] & val and not train & val
    assert len(keys[0] | train | val) == 140
    added = folder_design(image_set([100, 10, 30]), AugmentSettings(k=5, top_up=False), "t").scenarios[0]
    assert added.synthetic == [5, 5, 5]


def test_a_class_too_small_to_split_is_named():
    with pytest.raises(UserError, match=r"class 'c1' has 6 images.*at least 7 per class"):
        folder_design(image_set([30, 6, 30]), AugmentSettings(), "t")


def test_rare_scenarios_keep_the_rare_images_of_their_gan_set():
    data = image_set([40] * 3)
    design = neu_design(data, NeuSettings(sizes=(), rare=(6,), rare_others=20, test_per_class=10))
    assert [s.key for s in design.scenarios] == ["rare=6 c0", "rare=6 c1", "rare=6 c2"]
    gan_set = design.gan_sets["rare6"]
    assert [len(x) for x in gan_set.train] == [5] * 3 and [len(x) for x in gan_set.val] == [1] * 3
    for c, scenario in enumerate(design.scenarios):
        assert scenario.rare == c and scenario.train_counts == [5 if i == c else 17 for i in range(3)]
        assert np.array_equal(scenario.train[c], gan_set.train[c]) and np.array_equal(scenario.val[c], gan_set.val[c])
        assert scenario.synthetic == [12 if i == c else 0 for i in range(3)]
        # a smaller set is part of a larger: the other classes' 20 hold their 6 rare ones
        other = (c + 1) % 3
        rare_images = {x.tobytes() for x in (*gan_set.train[other], *gan_set.val[other])}
        assert rare_images <= {x.tobytes() for x in (*scenario.train[other], *scenario.val[other])}


def test_situations_resample_only_imbalanced_data_and_add_gan_images_to_the_recipe():
    classic = situations(["gan-da"], families=["texture", "digits"], imbalanced=True)
    assert [s.name for s in classic] == [
        "real",
        "real + resampling",
        "texture transforms",
        "texture transforms + resampling",
        "digits transforms",
        "digits transforms + resampling",
    ]  # no GAN situation before the recipe is chosen
    on = situations(["gan-da"], families=["texture"], imbalanced=True, recipe=classic[3])[-1]
    assert (on.name, on.source, on.transforms, on.resample) == (
        "gan-da + texture transforms + resampling",
        "gan-da",
        "texture",
        True,
    )
    assert situations(["gan"], families=[], imbalanced=True, recipe=classic[1])[-1].name == "gan + resampling"
    assert [s.name for s in situations(["gan"], families=[], imbalanced=False, recipe=classic[0])] == ["real", "gan"]
    assert synthetic_counts([5, 9, 2], top_up=True) == [4, 0, 7]
    y = np.repeat(np.arange(3), [5, 9, 2])
    keep = resampled(y, seed=3)
    assert np.bincount(y[keep]).tolist() == [9, 9, 9] and set(range(16)) <= set(keep.tolist())
    assert np.array_equal(keep, resampled(y, seed=3)) and not np.array_equal(keep, resampled(y, seed=4))


def test_scores_read_the_rare_class_from_the_confusion_matrix():
    confusion = [[8, 2, 0], [1, 3, 0], [0, 0, 10]]  # class 1 rare: recall 0.75, precision 0.6
    values = summary.scores({"confusion": json.dumps(confusion), "rare_class": "b"}, ["a", "b", "c"])
    assert values["accuracy"] == pytest.approx(21 / 24)
    assert values["balanced accuracy"] == pytest.approx((0.8 + 0.75 + 1) / 3)
    assert values[summary.RARE_RECALL] == pytest.approx(0.75)
    assert values[summary.RARE_F1] == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    f1 = [2 * 0.8 * (8 / 9) / (0.8 + 8 / 9), 2 * 0.75 * 0.6 / 1.35, 1.0]
    assert values["macro-F1"] == pytest.approx(np.mean(f1)) and values["recall c"] == 1.0


def fake_rows(recalls):
    """Result rows of a two-class rare group: per situation, the rare class's recall per trial."""
    rows = []
    for situation, per_trial in recalls.items():
        for trial, recall in enumerate(per_trial):
            hits = round(recall * 10)
            rows.append(
                {
                    "group": "rare",
                    "scenario": f"s{trial % 2}",
                    "trial": str(trial // 2),
                    "situation": situation,
                    "classifier": "cnn",
                    "rare_class": "b",
                    "confusion": json.dumps([[10, 0], [10 - hits, hits]]),
                }
            )
    return rows


def test_the_verdict_judges_gan_images_against_the_recipe_then_the_strongest_classic_situation():
    classic = situations([], families=["texture"], imbalanced=True)
    order = situations(["gan-da"], families=["texture"], imbalanced=True, recipe=classic[1])
    recalls = {
        "real": [0.1, 0.2, 0.1, 0.2],
        "real + resampling": [0.3, 0.3, 0.4, 0.3],  # the recipe (chosen on validation)
        "texture transforms": [0.2, 0.2, 0.2, 0.3],
        "texture transforms + resampling": [0.5, 0.4, 0.5, 0.6],  # the strongest on the test images
        "gan-da + resampling": [0.6, 0.6, 0.7, 0.6],
    }
    group = summary.Group("rare", "cnn", fake_rows(recalls), ["a", "b"], order, True, "real + resampling")
    assert group.headline == summary.RARE_RECALL and group.baseline(summary.RARE_RECALL) == "real + resampling"
    assert group.strongest_classic(summary.RARE_RECALL) == "texture transforms + resampling"
    assert group.class_recall("real", "b")[0] == pytest.approx(0.15)  # b's recall where b is rare
    assert np.isnan(group.class_recall("real", "a")[0])  # a is rare in no scenario
    first, second = [row for row in summary.verdicts(group) if "text" in row]
    assert first["situation"] == "gan-da + resampling" and first["baseline"] == "real + resampling"
    assert first["mean"] == pytest.approx(0.3) and first["significant"]
    assert (
        "raise the rare class's recall by 30.0 ±" in first["text"]
        and "over the recipe (real + resampling)" in (first["text"])
    )
    assert second["baseline"] == "texture transforms + resampling" and second["mean"] == pytest.approx(0.125)
    assert "the strongest classic situation on the test images" in second["text"]
    fewer = {**recalls, "texture transforms": [0.9, 0.9]}  # a candidate fitted only to choose the recipe
    group = summary.Group("rare", "cnn", fake_rows(fewer), ["a", "b"], order, True, "real + resampling")
    assert group.strongest_classic(summary.RARE_RECALL) == "texture transforms + resampling"
    recalls["gan-da + resampling"] = [0.6, 0.1, 0.7, 0.2]
    group = summary.Group("rare", "cnn", fake_rows(recalls), ["a", "b"], order, True, "real + resampling")
    first = next(row for row in summary.verdicts(group) if "text" in row)
    assert not first["significant"] and "not significant" in first["text"]


def test_a_page_with_two_classifiers_names_each_verdict_and_table_by_its_classifier():
    from pyimagesearch_gan.report.experiment_page import render_experiment_page

    classic = situations([], families=[], imbalanced=True)
    order = situations(["gan-da"], families=[], imbalanced=True, recipe=classic[0])
    found = [
        summary.Group("rare", name, fake_rows({"real": [0.1, 0.2, 0.1, 0.2], "gan-da": gan}), ["a", "b"], order, True)
        for name, gan in (("cnn", [0.6, 0.7, 0.6, 0.7]), ("s3-cnn", [0.1, 0.1, 0.2, 0.1]))
    ]
    verdict = summary.verdict_view(found, quick=False, has_sources=True)
    assert [text.split(":")[0] for text in verdict["headlines"]] == ["rare, cnn", "rare, s3-cnn"]
    assert "raise the rare class's recall by 50.0" in verdict["headlines"][0]
    assert "lower the rare class's recall by 2.5" in verdict["headlines"][1]
    assert {row["group"] for row in verdict["rows"]} == {"rare, classifier cnn", "rare, classifier s3-cnn"}
    page = render_experiment_page({"verdict": verdict, "metrics": summary.metrics_view(found)})
    for text in verdict["headlines"]:
        assert f"<li>{escape(text)}</li>" in page
    assert "<th>of</th>" in page and page.count("<td>rare, classifier s3-cnn</td>") == 3  # the three metrics
    assert "<h3>rare, classifier cnn</h3>" in page and "<h3>rare, classifier s3-cnn</h3>" in page
    assert page.count("<tr><td>gan-da</td>") == 2, "each classifier's metrics table names the situation once"
    single = summary.verdict_view(found[:1], quick=False, has_sources=True)
    assert "group" not in single["rows"][0] and len(single["headlines"]) == 1
    assert summary.verdict_view(found, quick=True, has_sources=True) == {"headlines": [summary.QUICK], "rows": []}


def validation_rows(scores):
    """Classic result rows of a balanced two-class group: per situation, validation accuracy per trial."""
    rows = []
    for situation, per_trial in scores.items():
        for trial, score in enumerate(per_trial):
            hits = round(score * 10)
            confusion = json.dumps([[hits, 10 - hits], [10 - hits, hits]])
            rows.append(
                {
                    "group": "data",
                    "scenario": "data",
                    "trial": str(trial),
                    "situation": situation,
                    "classifier": "cnn",
                    "rare_class": "",
                    "confusion": json.dumps([[10, 0], [0, 10]]),  # the test images: never read
                    "val_confusion": confusion,
                }
            )
    return rows


def test_the_recipe_is_the_best_candidate_on_validation_and_a_named_family_that_hurts_is_warned_of():
    candidates = situations([], families=["texture", "digits"], imbalanced=False)
    rows = validation_rows({"real": [0.9, 0.9], "texture transforms": [0.3, 0.3], "digits transforms": [0.9, 0.8]})
    chosen = recipe.choose("data", candidates, rows, ["a", "b"], False, "auto")
    assert chosen.name == "real" and chosen.metric == "accuracy" and chosen.warning() is None
    assert chosen.reasons() == [
        "the texture transforms lower validation accuracy from 0.900 to 0.300 here: not used",
        "the digits transforms lower validation accuracy from 0.900 to 0.850 here: not used",
    ]
    assert chosen.scores["digits transforms"][0] == pytest.approx(0.85)
    named = recipe.choose("data", candidates, rows, ["a", "b"], False, "texture")
    assert named.name == "texture transforms" and "--transforms texture lowers validation accuracy" in named.warning()
    both_help = validation_rows({"real": [0.7, 0.7], "texture transforms": [0.8, 0.8], "digits transforms": [0.9, 0.9]})
    assert recipe.choose("data", candidates, both_help, ["a", "b"], False, "auto").reasons()[0] == (
        "the texture transforms raise validation accuracy from 0.700 to 0.800 here: not used "
        "(the recipe, digits transforms, scores 0.900)"
    )
    assert recipe.choose("data", candidates, rows[:-1], ["a", "b"], False, "auto").name == "real"
    assert recipe.choose("data", candidates, rows[:2], ["a", "b"], False, "auto") is None  # a candidate unfitted
    assert recipe.families("auto", 3) == ("texture", "photo") and recipe.families("none", 1) == ()


def stripes(n, seed=0):
    """Two classes that differ only by orientation (horizontal or vertical stripes): the texture
    symmetries turn one into the other, so they erase the class signal."""
    rng = np.random.default_rng(seed)
    images = []
    for c in range(2):
        for _ in range(n):
            period = rng.integers(4, 8)
            wave = (np.arange(28) + rng.integers(0, period)) % period < period // 2
            image = np.repeat(wave[:, None], 28, axis=1) * 160 + rng.integers(0, 60, (28, 28))
            images.append((image.T if c else image).astype("uint8")[..., None])
    labels = np.repeat([0, 1], n).astype("int32")
    return ImageSet(np.stack(images), labels, ["horizontal", "vertical"], [""] * len(labels), [])


def test_auto_refuses_transforms_that_erase_the_class_signal(tmp_path, capsys):
    """The candidates in the first two trials choose the recipe; real, the recipe and the GAN
    situation on it get all three."""
    settings = AugmentSettings(
        trials=3,
        recipe_trials=2,
        max_epochs=8,
        patience=3,
        clf_batch=8,
        gan_steps=8,
        snapshots=2,
        cas_count=10,
        cas_epochs=1,
        gan_set={"jit_compile": False},
    )
    experiment = engine.Experiment(settings, folder_design(stripes(30), settings, "stripes"), tmp_path, "augment")
    experiment.run()
    out = capsys.readouterr().out
    chosen = experiment.recipes["data"]
    assert chosen.situation.transforms != "texture" and chosen.score("texture transforms") < chosen.score("real")
    assert "the texture transforms lower validation accuracy" in chosen.reasons()[0]
    assert chosen.reasons()[0].endswith("here: not used") and f"data: recipe {chosen.name} (validation" in out
    with open(tmp_path / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    gan = situations(["gan-da"], families=[], imbalanced=False, recipe=chosen.situation)[-1].name
    assert list(dict.fromkeys(r["situation"] for r in rows)) == ["real", "texture transforms", "digits transforms", gan]
    assert "texture" not in gan
    trials = collections.Counter(r["situation"] for r in rows)
    assert trials == {"texture transforms": 2, "digits transforms": 2, "real": 3, chosen.name: 3, gan: 3}
    assert len(experiment.clock.times) == len(rows) == experiment.clock.total, "the fits planned are those fitted"
    [group] = summary.groups(experiment, experiment.results.rows)
    verdict = next(row for row in summary.verdicts(group) if "text" in row)
    assert verdict["situation"] == gan and verdict["baseline"] == chosen.name
    text = (tmp_path / "summary.md").read_text()
    assert text.index("## The classic recipe, chosen on the validation images") < text.index("## Verdict")
    assert "| texture transforms | " in text and f"over the recipe ({chosen.name})" in text
    page = (tmp_path / "report.html").read_text()
    assert page.index(f"Classic recipe: {chosen.name}") < page.index("<h2>Verdict</h2>")
    assert "Every candidate fitted in the first 2 of the 3 trials" in text
    assert "every candidate fitted in the first 2 of the 3 trials" in page
    assert json.loads((tmp_path / "recipe.json").read_text())["data"]["recipe"] == chosen.name


def test_the_filter_judge_is_cached_per_recipe_transforms_and_fit_settings(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 256, (16, 28, 28, 1), dtype="uint8"), np.repeat([0, 1], 8).astype("int32")

    def judge(stem, max_epochs=1):
        return common.filter_judge(
            0.5, x, y, x[:4], y[:4], 2, tmp_path / stem, augment=None, seed=0, max_epochs=max_epochs, patience=0
        )

    judge("filter_data_none")
    assert len(list(tmp_path.glob("filter_data_none_*.keras"))) == 1
    judge("filter_data_none")  # the same judge: loaded
    judge("filter_data_none", max_epochs=2)
    judge("filter_data_texture")
    assert len(list(tmp_path.glob("filter_data_none_*.keras"))) == 2
    assert len(list(tmp_path.glob("filter_data_texture_*.keras"))) == 1


def test_near_copies_of_training_images_are_counted():
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, (30, 8, 8, 1), dtype="uint8")
    held_out = rng.integers(0, 256, (10, 8, 8, 1), dtype="uint8")
    fresh = rng.integers(0, 256, (20, 8, 8, 1), dtype="uint8")
    copies = train[:5].copy()
    copies[:, 0, 0, 0] ^= 1  # one pixel off by one: still a near-copy
    assert count_near_copies(np.concatenate([fresh, copies, train[5:7]]), train, held_out) == (7, 27)
    assert count_near_copies(fresh, train, held_out) == (0, 20)


def test_gray_content_stored_as_rgb_reads_as_one_channel():
    gray = np.repeat(np.arange(64, dtype="uint8").reshape(1, 8, 8, 1), 3, axis=-1)
    assert gray_if_all_are(gray).shape[-1] == 1
    colour = gray.copy()
    colour[0, 0, 0] = (0, 200, 0)
    assert gray_if_all_are(colour).shape[-1] == 3


# ---------------------------------------------------------------- the quick run


def write_defect_folder(root):
    """Classes of different sizes, images in nested folders, each beside its mask (x.jpg + x.png)."""
    rng = np.random.default_rng(1)
    for c, (name, n) in enumerate(SIZES.items()):
        for i in range(n):
            folder = root / name / ("lot1" if i % 2 else "lot2/deeper")
            folder.mkdir(parents=True, exist_ok=True)
            image = cv2.GaussianBlur(rng.integers(0, 256, (32, 32), dtype="uint8"), (5, 5), 0) // 2 + 60 * c
            cv2.imwrite(str(folder / f"{i}.jpg"), image)
            cv2.imwrite(str(folder / f"{i}.png"), (image > 128).astype("uint8") * 255)
    return root


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("augment")
    data = write_defect_folder(root / "defects")
    main(["augment", str(data), "--output", str(root / "out"), "--quick"])
    return root / "out"


def quick_recipe(folder):
    name = json.loads((folder / "recipe.json").read_text())["data"]["recipe"]
    return next(s for s in situations([], families=["texture", "digits"], imbalanced=True) if s.name == name)


def test_quick_run_fits_every_situation_and_trial(quick_run):
    with open(quick_run / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    names = [s.name for s in situations(["gan-da"], families=["texture", "digits"], imbalanced=True)]
    gan = situations(["gan-da"], families=[], imbalanced=True, recipe=quick_recipe(quick_run))[-1].name
    assert [(r["situation"], r["trial"]) for r in rows] == [(n, str(t)) for n in [*names, gan] for t in (0, 1)]
    # 40/9/16 images: test 8/2/3, validation 5/1/2, training 27/6/11
    sizes = {r["situation"]: int(r["train_images"]) for r in rows}
    assert sizes["real"] == 44 and sizes["real + resampling"] == sizes[gan] == 81
    assert all(sum(map(sum, json.loads(r["val_confusion"]))) == 8 for r in rows)
    assert all(sum(map(sum, json.loads(r["confusion"]))) == 13 for r in rows)
    config = json.loads((quick_run / "gans" / "gan-da" / "config.json").read_text())
    assert config["channels"] == 1 and config["batch_size"] == 3  # gray; half the smallest class


def test_quick_summary_has_balanced_metrics_with_intervals(quick_run):
    text = (quick_run / "summary.md").read_text()
    assert "| situation | macro-F1 | balanced accuracy | accuracy | Δ macro-F1 vs " in text
    assert "| situation | good | scratch | spot |" in text  # recall per class
    line = next(line for line in text.splitlines() if line.startswith("| gan-da"))
    assert line.count("±") >= 3
    assert "## Near-copies among the synthetic images used" in text


def test_a_quick_run_shows_the_recipe_and_gives_no_verdict(quick_run):
    text = (quick_run / "summary.md").read_text()
    verdict = text[text.index("## Verdict") :].split("\n## ")[0]
    assert summary.QUICK in verdict and "GAN images (" not in verdict and "significant" not in verdict
    assert text.index("| candidate | validation macro-F1 |") < text.index("## Verdict")
    page = (quick_run / "report.html").read_text()
    assert summary.QUICK in page and "GAN images (" not in page and "Classic recipe: " in page


def test_quick_report_names_every_class_and_links_what_exists(quick_run):
    page = (quick_run / "report.html").read_text()
    assert all(name in page for name in SIZES) and "finished in" in page
    for src in re.findall(r'src="([^"]+)"', page):
        assert (quick_run / src).is_file(), src
    assert (quick_run / "report_files" / "real_scratch.png").is_file()
    assert (quick_run / "report_files" / "data_gan-da_scratch.png").is_file()


def test_quick_report_renders_in_a_browser(quick_run, tmp_path):
    from PIL import Image
    from test_report import find_browser, run_browser

    browser = find_browser()
    screenshot = tmp_path / "page.png"
    url = (quick_run / "report.html").resolve().as_uri()
    run_browser(browser, tmp_path / "profile", f"--screenshot={screenshot}", "--window-size=1200,2400", url)
    pixels = np.asarray(Image.open(screenshot).convert("L"), dtype=np.float32)
    assert pixels.shape == (2400, 1200) and pixels.std() > 20


def test_quick_rerun_continues(quick_run, capsys):
    before = (quick_run / "results.csv").read_text()
    main(["augment", str(quick_run.parent / "defects"), "--output", str(quick_run), "--quick"])
    out = capsys.readouterr().out
    assert "continuing: 14 result rows" in out and "reusing the GANs" in out
    assert f"data: recipe {quick_recipe(quick_run).name} (validation macro-F1: real " in out
    assert (quick_run / "results.csv").read_text() == before


@pytest.mark.slow
def test_a_quick_run_at_64_pixels_goes_through_every_phase(tmp_path):
    data = write_defect_folder(tmp_path / "defects")
    main(["augment", str(data), "--output", str(tmp_path / "out"), "--quick", "--image-size", "64"])
    with open(tmp_path / "out" / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 14 and rows[-1]["source"] == "gan-da"
    config = json.loads((tmp_path / "out" / "gans" / "gan-da" / "config.json").read_text())
    assert config["image_size"] == 64 and config["preset"] == "dcgan64-rgb" and config["channels"] == 1
    assert json.loads((tmp_path / "out" / "recipe.json").read_text())["data"]["recipe"]


def test_balanced_classes_get_k_synthetic_images_instead_of_a_top_up_of_nothing():
    scenario = folder_design(image_set([30, 30]), AugmentSettings(), "t").scenarios[0]
    assert scenario.train_counts == [20, 20] and scenario.synthetic == [24, 24]  # k = the class's 24 real


def test_sources_none_fits_the_classic_situations_and_says_there_is_no_verdict(tmp_path):
    settings = AugmentSettings(
        sources=(), trials=2, max_epochs=2, patience=1, clf_batch=8, gan_set={"jit_compile": False}
    )
    experiment = engine.Experiment(settings, folder_design(stripes(12), settings, "stripes"), tmp_path, "augment")
    experiment.run()
    with open(tmp_path / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and not any(r["source"] for r in rows), "no GAN situation is fitted"
    assert not (tmp_path / "gans").exists(), "no GAN is trained"
    assert f"- {summary.NO_SOURCES}" in (tmp_path / "summary.md").read_text()
    assert "no GAN verdict" in (tmp_path / "report.html").read_text()
