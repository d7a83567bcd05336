"""What an augmentation experiment found, from its rows: metrics with intervals, paired
differences against the strongest classic situation, the verdict, `summary.md`,
`metrics.png` and the view that `report.html` draws.

Every metric is read from a fit's confusion matrix on the test images: accuracy, balanced
accuracy (the mean of the per-class recalls), macro-F1, per-class recall and, in a rare-class
scenario, the rare class's recall and F1. With imbalanced classes accuracy hides the rare
class, so the headline metric is the rare class's recall where there is one, else macro-F1 for
imbalanced data, else accuracy. A GAN situation adds its images on top of the classic recipe
(recipe.py, chosen on the validation images), so the verdict judges it against the recipe; a
second line judges it against the classic situation with the best mean on the test images:
picked after the fact, the hardest one to beat. A quick run (tiny settings) gives no verdict.
"""

import json
import math
import re

import numpy as np

from pyimagesearch_gan.experiments import common, protocol
from pyimagesearch_gan.experiments.situations import CLASSIC

RARE_RECALL, RARE_F1 = "rare-class recall", "rare-class F1"
QUICK = "quick run: tiny settings, no verdict"
NO_SOURCES = "no GAN sources (--sources none): the classic situations and the recipe only, no GAN verdict"


def safe(name):
    """A file-name-safe form of a class or set name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(name)).strip("_") or "class"


def per_class(confusion):
    """(recall, F1) per class of a confusion matrix (rows: true class)."""
    confusion = np.asarray(confusion, float)
    hits = np.diag(confusion)
    recall = hits / np.maximum(confusion.sum(axis=1), 1)
    precision = hits / np.maximum(confusion.sum(axis=0), 1)
    f1 = np.where(recall + precision > 0, 2 * recall * precision / np.maximum(recall + precision, 1e-12), 0.0)
    return recall, f1


def scores(row, names):
    """{metric: value} of one fit, from its confusion matrix; per-class recall as 'recall <class>'."""
    confusion = np.array(json.loads(row["confusion"]))
    recall, f1 = per_class(confusion)
    values = {
        "accuracy": float(np.trace(confusion) / confusion.sum()),
        "balanced accuracy": float(recall.mean()),
        "macro-F1": float(f1.mean()),
    }
    if row.get("rare_class"):
        c = names.index(row["rare_class"])
        values[RARE_RECALL], values[RARE_F1] = float(recall[c]), float(f1[c])
    values.update({f"recall {name}": float(r) for name, r in zip(names, recall)})
    return values


class Group:
    """The rows of one group and classifier, by situation, with their scores per trial."""

    def __init__(self, name, classifier, rows, names, order, imbalanced, recipe=None):
        self.name, self.classifier, self.names = name, classifier, names
        self.recipe = recipe  # the name of the classic recipe, once chosen
        self.by_situation = {}
        self.rare_of = {}  # scenario -> its rare class, in a rare group
        for row in rows:
            self.by_situation.setdefault(row["situation"], {})[(row["scenario"], row["trial"])] = scores(row, names)
            self.rare_of[row["scenario"]] = row.get("rare_class") or None
        self.order = [s for s in order if s.name in self.by_situation]
        self.rare = any(r.get("rare_class") for r in rows)
        if self.rare:
            self.metrics = [RARE_RECALL, RARE_F1, "macro-F1", "balanced accuracy", "accuracy"]
        elif imbalanced:
            self.metrics = ["macro-F1", "balanced accuracy", "accuracy"]
        else:
            self.metrics = ["accuracy", "macro-F1", "balanced accuracy"]
        self.headline = self.metrics[0]

    def values(self, situation, metric):
        return [v[metric] for _, v in sorted(self.by_situation.get(situation, {}).items())]

    def interval(self, situation, metric):
        values = self.values(situation, metric)
        return protocol.mean_ci(values) if values else (math.nan, math.nan)

    def class_recall(self, situation, name):
        """(mean, half) of class `name`'s recall; in a rare group, where it is the rare class."""
        values = [
            v[f"recall {name}"]
            for (scenario, _), v in sorted(self.by_situation.get(situation, {}).items())
            if not self.rare or self.rare_of[scenario] == name
        ]
        return protocol.mean_ci(values) if values else (math.nan, math.nan)

    def strongest_classic(self, metric):
        """The classic situation with the best mean on the test images, among those fitted in the
        most trials (the candidates fitted only to choose the recipe are not set against)."""
        classic = [s.name for s in self.order if s.kind == CLASSIC]
        most = max((self.trials(s) for s in classic), default=0)
        classic = [s for s in classic if self.trials(s) == most]
        return max(classic, key=lambda s: self.interval(s, metric)[0]) if classic else None

    def baseline(self, metric):
        """What GAN situations are set against: the recipe, or before it is chosen the strongest classic."""
        return self.recipe if self.recipe in self.by_situation else self.strongest_classic(metric)

    def difference(self, situation, baseline, metric):
        """(mean, half) of the paired difference over the trials both have, or None."""
        mine, theirs = self.by_situation.get(situation, {}), self.by_situation.get(baseline, {})
        trials = sorted(mine.keys() & theirs.keys())
        if not trials or situation == baseline:
            return None
        return protocol.paired_difference([mine[t][metric] for t in trials], [theirs[t][metric] for t in trials])

    def trials(self, situation):
        return len(self.by_situation.get(situation, {}))


def sources_of(exp, rows):
    """The settings' GAN sources, then those of rows an earlier run of the folder fitted."""
    return list(dict.fromkeys([*exp.settings.sources, *(r["source"] for r in rows if r["source"])]))


def groups(exp, rows):
    """A Group per group of scenarios and classifier with rows, this run's or earlier ones'."""
    result = []
    sources = sources_of(exp, rows)
    for name in exp.design.groups():
        imbalanced = any(s.imbalanced for s in exp.design.scenarios if s.group == name)
        order = exp.situations_of(name, sources)
        recipe = exp.recipes[name].name if name in exp.recipes else None
        for clf in dict.fromkeys([*exp.settings.classifiers, *(r["classifier"] for r in rows)]):
            mine = [r for r in rows if r["group"] == name and r["classifier"] == clf]
            if mine:
                result.append(Group(name, clf, mine, exp.design.names, order, imbalanced, recipe))
    return result


def points(size, half):
    """The size of a difference in points (x100), with its interval."""
    if math.isnan(half):
        return f"{100 * size:.1f} points"
    return f"{100 * size:.1f} ± {100 * half:.1f} points"


def on_recipe(group, candidates):
    """The GAN situation of `candidates` that adds its images to the recipe (its transforms and
    resampling), else the first."""
    recipe = next((s for s in group.order if s.name == group.recipe), None)
    if recipe is not None:
        for s in candidates:
            if (s.transforms, s.resample) == (recipe.transforms, recipe.resample):
                return s
    return candidates[0]


def verdicts(group):
    """Per GAN source, the headline comparison: row dicts of its situation on the recipe (never a
    synthetic-only one) against the recipe, per metric (`text` on the headline metric's), and on
    the headline metric against the strongest classic situation on the test images where that is
    another one (`text` too: the second line)."""
    result = []
    gan = [s for s in group.order if s.kind != CLASSIC and not s.only]
    for source in dict.fromkeys(s.source for s in gan):
        situation = on_recipe(group, [s for s in gan if s.source == source]).name
        against = [(m, group.baseline(m)) for m in (group.metrics[:3] if group.rare else group.metrics[:2])]
        strongest = group.strongest_classic(group.headline)
        if strongest != group.baseline(group.headline):
            against.append((group.headline, strongest))
        for i, (metric, base) in enumerate(against):
            diff = group.difference(situation, base, metric)
            if diff is None:
                continue
            mean, half = diff
            significant = not math.isnan(half) and (mean - half > 0 or mean + half < 0)
            row = {
                "metric": metric,
                "situation": situation,
                "baseline": base,
                "mean": mean,
                "half": None if math.isnan(half) else half,
                "significant": significant,
            }
            if metric == group.headline:
                verb = "raise" if mean >= 0 else "lower"
                what = {RARE_RECALL: "the rare class's recall"}.get(metric, metric)
                judged = "significant" if significant else "not significant (the 95% interval includes zero)"
                if base == group.recipe:
                    over = f"the recipe ({base})"
                elif i:
                    over = f"{base}, the strongest classic situation on the test images"
                else:
                    over = base
                row["text"] = (
                    f"{group.name}, {group.classifier}: GAN images ({situation}) {verb} {what} by "
                    f"{points(abs(mean), half)} over {over}: {judged}"
                )
            result.append(row)
    return result


def budget(settings):
    """The GAN budget in words."""
    if settings.gan_epochs:
        return f"{settings.gan_epochs:,} passes over the smallest class per GAN"
    return f"{settings.gan_steps:,} updates per GAN"


def cell(mean, half):
    return "-" if math.isnan(mean) else protocol.format_ci(mean, half)


def group_lines(group):
    lines = [f"## {group.name}, classifier {group.classifier}", ""]
    baselines = {m: group.baseline(m) for m in group.metrics[: 3 if group.rare else 2]}
    header = ["situation", *group.metrics, *(f"Δ {m} vs {b}" for m, b in baselines.items()), "trials"]
    table = []
    for s in group.order:
        diffs = []
        for metric, base in baselines.items():
            diff = group.difference(s.name, base, metric)
            diffs.append("-" if diff is None else protocol.format_difference(*diff))
        table.append([s.name, *(cell(*group.interval(s.name, m)) for m in group.metrics), *diffs, group.trials(s.name)])
    lines += [common.markdown_table(header, table), ""]
    recall_header = ["situation", *group.names]
    recall_table = [[s.name, *(cell(*group.class_recall(s.name, n)) for n in group.names)] for s in group.order]
    title = "Recall of each class when it is the rare one" if group.rare else "Recall per class"
    lines += [f"{title} (test images):", "", common.markdown_table(recall_header, recall_table), ""]
    return lines


def write_markdown(exp, found, status):
    settings, design = exp.settings, exp.design
    counts = ", ".join(f"{n} {c['train']}+{c['validation']}" for n, c in zip(design.names, design.counts))
    if settings.ratios:
        added = "round(ratio x the class's real images) per class, per mixing ratio (`x0.5`: half as many)"
    elif design.rare_only:
        added = "topping the rare class up to the others' count"
    elif settings.top_up and design.scenarios[0].imbalanced:
        added = "topping every class up to the largest"
    else:
        added = f"(k = {settings.k or 'n, the real images of the class,'} per class)"
    if settings.synthetic_only:
        added += f"; `only`: {settings.synthetic_only} synthetic images per class and no real ones"
    lines = [
        f"# {design.title}",
        "",
        f"Status: {status}.",
        "",
        f"Test images: {len(design.test_y)} held-out real images, never seen by a GAN or in training. Real images "
        f"per class (training + validation) in the first scenario: {counts}. Classifiers early-stopped on the "
        f"validation loss (patience {settings.patience}, at most {settings.max_epochs} epochs, best weights); GANs "
        f"{budget(settings)}, one per class, the epoch per class chosen by CAS on the validation "
        f"images. GAN situations add synthetic images {added}"
        f"{' (rare-class scenarios: topping up)' if settings.rare and not design.rare_only else ''}. "
        f"Classic transforms: {transforms_words(settings.transforms)}; GAN images are added on top of the recipe. "
        f"Mean ± 95% t-interval over trials; Δ = paired difference against the recipe "
        "(same trial and scenario), ↑/↓ where its interval excludes zero.",
        "",
    ]
    lines += recipe_lines(exp)
    verdict_lines = [row["text"] for group in found for row in verdicts(group) if "text" in row]
    if settings.quick:
        lines += ["## Verdict", "", f"- {QUICK} (the numbers below test the pipeline; they measure nothing)", ""]
    elif verdict_lines:
        lines += ["## Verdict", "", *(f"- {text}" for text in verdict_lines), ""]
    elif not sources_of(exp, exp.results.rows):
        lines += ["## Verdict", "", f"- {NO_SOURCES}", ""]
    for group in found:
        lines += group_lines(group)
    if design.notes:
        lines += design.notes(exp, found)
    keys = [f"{key} {source}" for key in design.gan_sets for source in sources_of(exp, exp.results.rows)]
    lines += exp.selection.table(keys, design.names)
    lines += near_copy_lines(exp)
    lines += [
        "## Time",
        "",
        common.markdown_table(["work", "size", "time"], timings(exp)),
        "",
        "GAN and fit times as recorded, summed over every resumed run of this folder.",
        "",
    ]
    lines += [
        "Every fit: `results.csv`; CAS and FID of every GAN epoch: `selection.csv`; the page: `report.html`; "
        "settings: `config.json`; GAN run folders: `gans/`.",
        "",
    ]
    common.write_text(exp.output / "summary.md", "\n".join(lines))


def transforms_words(transforms):
    if transforms == "auto":
        return "auto (the recipe chosen on the validation images among real, resampling and each family)"
    if transforms == "none":
        return "none (the recipe chosen on the validation images between real and resampling)"
    return f"{transforms} (named; with or without resampling as the validation images say)"


def recipe_lines(exp):
    """summary.md's section on the classic recipe of every group: the candidates' validation
    scores, the recipe, why, and the warning of a named family that validation says hurts."""
    lines = []
    fitted = candidates_fitted(exp)
    for group, chosen in exp.recipes.items():
        table = [
            [s.name, protocol.format_ci(*chosen.scores[s.name]), "recipe" if s.name == chosen.name else ""]
            for s in chosen.candidates
        ]
        lines += [
            f"## The classic recipe{f' of {group}' if len(exp.design.groups()) > 1 else ''}, chosen on the "
            "validation images",
            "",
            f"{fitted[0].upper()}{fitted[1:]}, early-stopped on the validation images and scored on them "
            f"(validation {chosen.metric}, mean ± 95% interval); the best is the recipe, decided before any GAN "
            "image is used and the same for every source. The test images play no part in it.",
            "",
            common.markdown_table(["candidate", f"validation {chosen.metric}", ""], table),
            "",
            *(f"- {line}" for line in chosen.reasons()),
            *([f"- Warning: {chosen.warning()}"] if chosen.warning() else []),
            "",
        ]
    return lines


def candidates_fitted(exp):
    """In which trials the recipe's candidates were fitted, for summary.md and the page."""
    choice, trials = exp.choice_trials(), exp.settings.trials
    if choice < trials:
        return (
            f"every candidate fitted in the first {choice} of the {trials} trials (real and the recipe then in "
            "every trial, the others in no more)"
        )
    return "every candidate fitted in every trial"


def recipe_view(exp):
    """The page's recipe section: per group, the candidates' validation scores and the reasons."""
    return [
        {
            "group": group,
            "fitted": candidates_fitted(exp),
            "metric": chosen.metric,
            "recipe": chosen.name,
            "rows": [
                {
                    "situation": s.name,
                    "mean": chosen.scores[s.name][0],
                    "half": None if math.isnan(chosen.scores[s.name][1]) else chosen.scores[s.name][1],
                    "chosen": s.name == chosen.name,
                }
                for s in chosen.candidates
            ],
            "reasons": chosen.reasons(),
            "warning": chosen.warning(),
        }
        for group, chosen in exp.recipes.items()
    ]


def near_copy_lines(exp):
    table = [
        [
            f"{key} {source}",
            *(
                f"{found.near_copies[n]['flagged']}/{found.near_copies[n]['checked']}"
                if n in found.near_copies
                else "-"
                for n in exp.design.names
            ),
        ]
        for (key, source), found in exp.sources.items()
    ]
    if not table:
        return []
    return [
        "## Near-copies among the synthetic images used",
        "",
        "Flagged / checked per class: pixel distance to the nearest training image of the class is 0, or below the "
        "1st percentile of validation-to-training distances and under a third of the second-nearest's.",
        "",
        common.markdown_table(["GANs", *exp.design.names], table),
        "",
    ]


def plot(found, path):
    """The headline metrics per situation with 95% intervals, a panel per group and classifier."""
    from matplotlib.figure import Figure

    if not found:
        return
    fig = Figure(figsize=(max(6, 1.1 * max(len(g.order) for g in found) + 2), 4 * len(found)))
    axes = fig.subplots(len(found), 1, squeeze=False)[:, 0]
    for ax, group in zip(axes, found):
        shown = group.metrics[:3]
        width = 0.8 / len(shown)
        for i, metric in enumerate(shown):
            means, halves = np.array([group.interval(s.name, metric) for s in group.order]).T
            ax.bar(
                np.arange(len(group.order)) + (i - (len(shown) - 1) / 2) * width,
                means,
                width,
                # an interval wider than the scores can go is drawn to the axis' ends
                yerr=np.nan_to_num([np.minimum(halves, means), np.minimum(halves, 1 - means)]),
                capsize=3,
                label=metric,
            )
        ax.set_xticks(np.arange(len(group.order)), [s.name for s in group.order], rotation=25, ha="right", fontsize=8)
        ax.set(ylim=(0, 1), title=f"{group.name}, classifier {group.classifier} (test images)")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)  # off the bars
        ax.grid(axis="y", alpha=0.3)
    common.save_figure(fig, path)


def write_all(exp, status):
    """summary.md, metrics.png and report.html of the experiment `exp` (engine.Experiment)."""
    from pyimagesearch_gan.report.experiment_page import write_experiment_report

    rows = common.as_text(exp.results.rows)
    found = groups(exp, rows)
    write_markdown(exp, found, status)
    plot(found, exp.output / "metrics.png")
    write_experiment_report(exp.output, view(exp, found, status))


def view(exp, found, status):
    """The dict report.html is drawn from (report.experiment_page)."""
    design, settings = exp.design, exp.settings
    return {
        "title": design.title,
        "subtitle": subtitle(exp),
        "status": status,
        "recipe": recipe_view(exp),
        "verdict": verdict_view(found, settings.quick, bool(sources_of(exp, exp.results.rows))),
        "metrics": metrics_view(found),
        "recall_group": label(found[0]) if len(found) > 1 else "",
        "plots": [{"src": "metrics.png", "caption": "Headline metrics per situation, mean and 95% interval"}]
        if found
        else [],
        "classes": [class_view(exp, found, c, name) for c, name in enumerate(design.names)],
        "settings": [
            [k, json.dumps(v) if isinstance(v, (list, dict)) else str(v)]
            for k, v in common.settings_dict(settings).items()
        ],
        "timings": timings(exp),
        "files": [
            ["summary.md", "the tables"],
            ["results.csv", "every classifier fit, with its confusion matrix"],
            ["selection.csv", "CAS and FID of every GAN epoch"],
            ["config.json", "the settings"],
            ["gans/", "the GAN run folders (open with pyimagesearch-gan report)"],
        ],
    }


def verdict_view(found, quick, has_sources):
    """The page's verdict: every headline line, and every comparison named by its group and
    classifier where there are several."""
    several = len(found) > 1
    rows = [{**row, "group": label(group)} if several else row for group in found for row in verdicts(group)]
    headlines = [row["text"] for row in rows if "text" in row] or ["No GAN situation has been fitted yet."]
    if not has_sources:
        headlines = [NO_SOURCES]
    if quick:
        headlines, rows = [QUICK], []
    return {"headlines": headlines, "rows": rows}


def metrics_view(found):
    """The page's metrics: every situation of every group, named by its group where there are several."""
    metrics = []
    for group in found:
        for s in group.order:
            values = {}
            for m in group.metrics:
                mean, half = group.interval(s.name, m)
                values[m] = [mean, None if math.isnan(half) else half]
            row = {"situation": s.name, "kind": s.kind, "values": values, "trials": group.trials(s.name)}
            metrics.append({**row, "group": label(group)} if len(found) > 1 else row)
    return metrics


def label(group):
    return f"{group.name}, classifier {group.classifier}"


def subtitle(exp):
    design = exp.design
    sizes = [c["train"] + c["validation"] for c in design.counts]
    return (
        f"{len(design.names)} classes, {min(sizes) if min(sizes) == max(sizes) else f'{min(sizes)} to {max(sizes)}'} "
        "real images per class (training + validation"
        f"{', as the rare class' if design.rare_only else ', first scenario'}), "
        f"{len(design.test_y)} test images; {len(design.scenarios)} scenario(s)"
    )


def class_view(exp, found, c, name):
    design = exp.design
    synthetic = []
    for key, gan_set in design.gan_sets.items():
        for source in exp.settings.sources:
            label = f"{key} {source}"
            entry = {
                "source": source if len(design.gan_sets) == 1 else f"{source}, {key}",
                "status": exp.status.get((key, source), "waiting"),
            }
            rows = [r for r in exp.selection.rows if r["gans"] == label and r["class"] == name]
            if rows:
                rows.sort(key=lambda r: int(r["epoch"]))
                entry["epochs"] = [int(r["epoch"]) for r in rows]
                entry["cas_recall"] = [float(r["recall"]) for r in rows]
                entry["fid"] = [float(r["fid"]) if r["fid"] else None for r in rows]
                chosen = [int(r["epoch"]) for r in rows if r["chosen"] == "1"]
                if chosen:
                    entry["epoch"] = chosen[0]
            stem = safe(f"{gan_set.folder or 'data'}_{source}_{name}")
            montage = exp.output / "report_files" / f"{stem}.png"
            if montage.is_file():
                entry["montage"] = montage.relative_to(exp.output).as_posix()
            found_source = exp.sources.get((key, source))
            if found_source and name in found_source.near_copies:
                entry["near_copies"] = found_source.near_copies[name]["flagged"]
                entry["checked"] = found_source.near_copies[name]["checked"]
            entry["added"] = exp.added(key, source, c)
            synthetic.append(entry)
    recall = []
    for group in found[:1]:
        for s in group.order:
            mean, half = group.class_recall(s.name, name)
            if not math.isnan(mean):
                recall.append({"situation": s.name, "mean": mean, "half": None if math.isnan(half) else half})
    return {
        "name": name,
        "real": (
            {f"{k} when rare" if k != "test" else k: n for k, n in design.counts[c].items()}
            if design.rare_only
            else design.counts[c]
        ),
        "real_montage": f"report_files/real_{safe(name)}.png",
        "synthetic": synthetic,
        "recall": recall,
    }


def timings(exp):
    from pyimagesearch_gan.utils import format_seconds

    rows = [
        [f"GANs {label}", f"{t['count']} x {t['updates']:,} updates", format_seconds(t["seconds"])]
        for label, t in exp.gan_times.items()
    ]
    fits = [float(r["seconds"]) for r in exp.results.rows]
    rows.append(["classifier fits", f"{len(fits)} fits", format_seconds(sum(fits))])
    rows.append(["this run", "", format_seconds(exp.elapsed())])
    return rows
