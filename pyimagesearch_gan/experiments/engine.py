"""The augmentation experiment: does a GAN's synthetic data help a classifier on this data?

One engine for every data set; a design (designs.py) says which images, the situations
(situations.py) what is compared. Per group of scenarios, in phases:
1. the classic situations (real, resampling, each family of transforms) fitted in every
   scenario and trial, and from their validation scores the classic recipe (recipe.py);
2. per GAN source: the scenarios' GAN sets trained (or resumed, or loaded) in `OUT/gans/...`,
   each class's epoch chosen by CAS on the validation images, the synthetic images checked for
   near-copies of the training images, and the source's situations (its images on top of the
   recipe) fitted.
Every fit is an early-stopped classifier scored on the test images (protocol.py); the fits of
a phase train `--side-by-side` at a time in one compiled step (side_by_side.py). After every
phase `summary.md`, `metrics.png` and `report.html` are written from all rows so far, so a
long run can be watched, and a rerun with the same --output goes on where it stopped.
"""

import dataclasses
import functools
import json
import time

import numpy as np

from pyimagesearch_gan.evidence.neighbors import count_near_copies
from pyimagesearch_gan.experiments import common, protocol, recipe, summary
from pyimagesearch_gan.experiments.gans import train_gans
from pyimagesearch_gan.experiments.settings import source_preset
from pyimagesearch_gan.experiments.side_by_side import Job
from pyimagesearch_gan.experiments.situations import Situation, added, resampled, situations
from pyimagesearch_gan.files import ensure_writable_dir, write_image, write_json
from pyimagesearch_gan.presets import get_preset
from pyimagesearch_gan.training.monitor import montage, stored
from pyimagesearch_gan.utils import format_seconds

COLUMNS = [
    "group",
    "scenario",
    "rare_class",
    "situation",
    "source",
    "transforms",
    "resampled",
    "synthetic",
    "classifier",
    "trial",
    "train_images",
    "epochs",
    "best_epoch",
    *common.METRICS,
    "train_accuracy",
    "val_confusion",
    "filter_pass_rate",
    "seconds",
    "confusion",
]
KEY = ["scenario", "situation", "classifier", "trial"]
# settings that only choose which rows are fitted, or how many fit together (common.Results keeps rows across them)
SELECTING = (
    "sizes",
    "recipe_trials",
    "rare",
    "sources",
    "classifiers",
    "trials",
    "ratios",
    "transform_ratios",
    "alphas",
    "side_by_side",
)
MONTAGE = 64  # images in a report montage


def classic_transforms(name, seed, side):
    """The Keras preprocessing layers of the --transforms choice, or None."""
    if name == "texture":
        return protocol.texture_transforms(seed, side)
    if name == "digits":
        return protocol.digit_transforms(seed, side)
    if name == "photo":
        return protocol.photo_transforms(seed, side)
    return None


def gan_config(settings, source, gan_set, channels):
    """The TrainConfig of a source's GANs for a GAN set: its preset, batch within the smallest
    class (or all images, for a conditional GAN), the image channels, the set's own settings."""
    preset, policy, ada_target = source_preset(settings, source)
    cfg = get_preset(preset)
    conditional = cfg.family == "acgan"
    pool = sum(len(x) for x in gan_set.train) if conditional else min(len(x) for x in gan_set.train)
    batch = max(1, min(cfg.batch_size if conditional else settings.gan_batch, pool // 2))
    overrides = {"batch_size": batch, "seed": settings.seed, "num_benchmark": 64, "channels": channels}
    if policy:
        overrides["diffaugment"] = policy
    if ada_target:
        overrides["ada_target"] = ada_target
    return cfg.with_overrides({**overrides, **gan_set.overrides, **settings.gan_set})


def gan_updates(settings, cfg, gan_set):
    """Updates per GAN: `gan_steps`, or with `gan_epochs` that many passes over the smallest
    class (over all images, for a conditional GAN)."""
    if not settings.gan_epochs:
        return settings.gan_steps
    sizes = [len(x) for x in gan_set.train]
    pool = sum(sizes) if cfg.family == "acgan" else min(sizes)
    return settings.gan_epochs * max(1, pool // cfg.batch_size)


def stacked(per_class):
    x = np.concatenate(per_class)
    y = np.repeat(np.arange(len(per_class)), [len(p) for p in per_class]).astype("int32")
    return x, y


@dataclasses.dataclass
class Source:
    """A trained GAN set of one source, its chosen epochs and generators, its near-copy counts."""

    gans: object
    chosen: list
    generators: list
    near_copies: dict


class Experiment:
    def __init__(self, settings, design, output, command):
        self.settings, self.design, self.command = settings, design, command
        self.output = ensure_writable_dir(output)
        self.start = time.perf_counter()
        self.results = common.Results(self.output, common.settings_dict(settings), COLUMNS, KEY, SELECTING)
        self.selection = common.SelectionLog(self.output / "selection.csv")
        self.gan_times = common.GanTimes(self.output, self.results.continued)
        self.channels = int(design.test_x.shape[-1])
        self.sources = {}  # (gan set key, source) -> Source
        self.status = {}  # (gan set key, source) -> "waiting" | "training" | "done"
        self.judges = {}  # scenario key -> the --filter classifier
        self.families = recipe.families(settings.transforms, self.channels)
        self.recipes = {}  # group -> its recipe.Recipe, once its classic situations are fitted
        self.clock = common.Clock(self.fits())
        self.phases = len(design.groups()) * (1 + len(settings.sources))
        self.phase = 0

    def planned(self, group):
        """The recipe situation of `group`, or while it is not chosen yet one with transforms (to
        plan the GAN situations: fit counts, synthetic images per class)."""
        chosen = self.recipes.get(group)
        return chosen.situation if chosen else Situation("transforms", transforms="any")

    def fits(self):
        """Classifier fits of the whole run, as planned."""
        trials, choice = self.settings.trials, self.choice_trials()
        count = 0
        for s in self.design.scenarios:
            every = self.situations_of(s.group, self.settings.sources, self.planned(s.group))
            classic = [x for x in every if x.source is None]
            compared = len(self.compared(s.group)) if s.group in self.recipes else min(2, len(classic))
            count += len(classic) * choice + compared * (trials - choice) + (len(every) - len(classic)) * trials
        return count * len(self.settings.classifiers)

    def choice_trials(self):
        """The trials every classic candidate is fitted in, which choose the recipe."""
        return min(self.settings.recipe_trials, self.settings.trials)

    def compared(self, group):
        """The classic situations fitted in every trial once the recipe is chosen: real and the recipe."""
        chosen = self.recipes[group].name
        return [s for s in self.situations_of(group, ()) if s.name in ("real", chosen)]

    def imbalanced(self, group):
        return any(s.imbalanced for s in self.design.scenarios if s.group == group)

    def situations_of(self, group, sources, recipe_situation=None):
        """The situations of a group of scenarios with these GAN sources, in their order; the
        GAN ones once the group's recipe is chosen (or on `recipe_situation`)."""
        settings = self.settings
        mine = [s for s in self.design.scenarios if s.group == group]
        if recipe_situation is None and group in self.recipes:
            recipe_situation = self.recipes[group].situation
        return situations(
            sources,
            families=self.families,
            imbalanced=self.imbalanced(group),
            recipe=recipe_situation,
            ratios=settings.ratios,
            transform_ratios=settings.transform_ratios,
            only=settings.synthetic_only,
            variants=list(dict.fromkeys(v for s in mine for v in s.variants)),
        )

    # ------------------------------------------------------------ phases

    def run(self):
        settings = self.settings
        sources = f"{', '.join(settings.sources)} ({summary.budget(settings)})" if settings.sources else "none"
        common.log(
            f"{self.command}: {len(self.design.names)} classes, {len(self.design.scenarios)} scenario(s) in "
            f"{len(self.design.groups())} group(s), {len(self.design.test_y)} test images; classifiers "
            f"{', '.join(settings.classifiers)}, {settings.trials} trial(s); sources {sources}; into {self.output}"
        )
        for group in self.design.groups():
            scenarios = [s for s in self.design.scenarios if s.group == group]
            self.begin_phase(f"{group}: the classic situations, the recipe's candidates")
            self.fit_all(scenarios, self.situations_of(group, ()), trials=range(self.choice_trials()))
            self.choose_recipe(group)
            self.fit_all(scenarios, self.compared(group), trials=range(self.choice_trials(), self.settings.trials))
            for source in settings.sources:
                self.begin_phase(f"{group}: {source} GANs, their epochs and their situations")
                for key in dict.fromkeys(key for s in scenarios for key in s.gan_sets()):
                    self.source(key, source)
                self.fit_all(scenarios, [s for s in self.situations_of(group, settings.sources) if s.source == source])
        self.write(finished=True)
        common.log(f"{self.command} done in {format_seconds(self.elapsed())}: {self.output / 'report.html'}")
        return self.output

    def begin_phase(self, what):
        self.write()
        self.phase += 1
        common.log(f"[phase {self.phase}/{self.phases}] {what} (elapsed {format_seconds(self.elapsed())})")

    def elapsed(self):
        return time.perf_counter() - self.start

    def choose_recipe(self, group):
        """The classic recipe of `group` from its classic fits' validation scores, before any GAN
        image is drawn; logged, kept in recipe.json, and the fit count updated to it."""
        candidates = self.situations_of(group, ())
        names = {s.name for s in candidates}
        rows = [r for r in common.as_text(self.results.rows) if r["group"] == group and r["situation"] in names]
        rows = [
            r for r in rows if r["classifier"] in self.settings.classifiers and int(r["trial"]) < self.choice_trials()
        ]
        chosen = recipe.choose(
            group, candidates, rows, self.design.names, self.imbalanced(group), self.settings.transforms
        )
        if chosen is None:
            return
        before = self.fits()
        self.recipes[group] = chosen
        self.clock.total += self.fits() - before
        common.log(f"  {chosen.line()}")
        for line in chosen.reasons():
            common.log(f"    {line}")
        if chosen.warning():
            common.log(f"  warning: {chosen.warning()}")
        write_json(self.output / "recipe.json", {g: r.as_dict() for g, r in self.recipes.items()})

    # ------------------------------------------------------------ GANs

    def source(self, key, source):
        """The Source of GAN set `key`: trained (or loaded), epochs chosen, near-copies counted."""
        if (key, source) in self.sources:
            return self.sources[key, source]
        gan_set, settings = self.design.gan_sets[key], self.settings
        self.status[key, source] = "training"
        self.write()
        used = {(k, src) for s in self.design.scenarios for k in s.gan_sets() for src in settings.sources}
        common.log(f"  GAN set {len(self.sources) + 1} of {len(used)}: {key} {source}")
        cfg = gan_config(settings, source, gan_set, self.channels)
        folder = self.output / "gans" / gan_set.folder / source
        gans = train_gans(
            cfg,
            self.design.names,
            gan_set.train,
            folder,
            updates=gan_updates(settings, cfg, gan_set),
            snapshots=settings.snapshots,
        )
        label = f"{key} {source}"
        self.gan_times.add(label, gans)
        train_x, train_y = stacked(gan_set.train)
        val_x, val_y = stacked(gan_set.val)
        extractor = functools.partial(
            common.train_feature_extractor, train_x, train_y, len(self.design.names), settings.seed
        )
        chosen = self.selection.choose(label, gans, (train_x, train_y, val_x, val_y), settings, extractor)
        generators = [gans.generator(c, epoch) for c, epoch in enumerate(chosen)]
        near = {}
        for c, name in enumerate(self.design.names):
            count = self.added(key, source, c)
            if count:
                images = gans.synthesize(c, count, settings.seed * 1000, generator=generators[c])
                flagged, checked = count_near_copies(images, gan_set.train[c], gan_set.val[c])
                near[name] = {"flagged": flagged, "checked": checked}
            self.write_montage(
                f"{gan_set.folder or 'data'}_{source}_{name}", gans.synthesize(c, MONTAGE, 1, generator=generators[c])
            )
        common.log(
            "  near-copies of the training images among the synthetic images used: "
            + ", ".join(f"{name} {v['flagged']}/{v['checked']}" for name, v in near.items())
        )
        self.sources[key, source] = Source(gans, chosen, generators, near)
        self.status[key, source] = "done"
        return self.sources[key, source]

    def added(self, key, source, c):
        """The most synthetic images of class `c` that a situation draws from GAN set `key`."""
        counts = [
            added(situation, scenario)[c]
            for scenario in self.design.scenarios
            for situation in self.situations_of(scenario.group, self.settings.sources, self.planned(scenario.group))
            if situation.source == source and scenario.gan_set(situation) == key
        ]
        return max(counts, default=0)

    def write_montage(self, stem, images):
        side = int(np.ceil(np.sqrt(len(images))))
        folder = ensure_writable_dir(self.output / "report_files")
        write_image(folder / f"{summary.safe(stem)}.png", stored(montage(images, (side, side)), images))

    # ------------------------------------------------------------ classifiers

    def fit_all(self, scenarios, chosen_situations, trials=None):
        """Fit every situation of `chosen_situations` in every scenario, classifier and trial (of
        `trials`, default all) not fitted yet, `--side-by-side` fits of one classifier at a time
        together."""
        pending = []
        for scenario in scenarios:
            for situation in chosen_situations:
                for clf in self.settings.classifiers:
                    for trial in range(self.settings.trials) if trials is None else trials:
                        if self.results.done(
                            scenario=scenario.key, situation=situation.name, classifier=clf, trial=trial
                        ):
                            self.clock.total -= 1
                        else:
                            pending.append((scenario, situation, clf, trial))
        size = self.settings.side_by_side
        for clf in self.settings.classifiers:
            mine = [fit for fit in pending if fit[2] == clf]
            for i in range(0, len(mine), size):
                self.fit(mine[i : i + size])

    def training_set(self, scenario, situation, seed):
        """(x, y, synthetic images added, filter pass rate) of a situation in a scenario."""
        x, y = stacked(scenario.train)
        counts, pass_rate = [0], None
        if situation.source is not None:
            if situation.only:
                x, y = x[:0], y[:0]
            source = self.source(scenario.gan_set(situation), situation.source)
            counts = added(situation, scenario)
            parts, pass_rate = common.draw_synthetic(
                source.gans, source.generators, counts, seed, judge=self.judge(scenario), threshold=self.settings.filter
            )
            x, y = common.with_parts(x, y, parts)
        if situation.resample:  # of the real and synthetic images together: what the top-up left short
            keep = resampled(y, seed)
            x, y = x[keep], y[keep]
        return x, y, sum(counts), pass_rate

    def judge(self, scenario):
        """The --filter classifier of a scenario's real images (cached in OUT), or None."""
        settings = self.settings
        if settings.filter is None:
            return None
        if scenario.key not in self.judges:
            transforms = self.recipes[scenario.group].situation.transforms
            self.judges[scenario.key] = common.filter_judge(
                settings.filter,
                *stacked(scenario.train),
                *stacked(scenario.val),
                len(self.design.names),
                # the recipe's transforms name the cache: a judge trained with other transforms is another one
                self.output / f"filter_{summary.safe(scenario.key)}_{transforms or 'none'}",
                augment=classic_transforms(transforms, settings.seed, settings.image_size),
                seed=settings.seed,
                max_epochs=settings.max_epochs,
                patience=settings.patience,
            )
        return self.judges[scenario.key]

    def fit(self, fits):
        """Fit and score the classifiers of `fits` [(scenario, situation, classifier, trial)]
        together (common.fit_and_score), and record and log each as its fit ends."""
        settings, jobs, extras = self.settings, [], []
        for scenario, situation, clf, trial in fits:
            seed = settings.seed * 1000 + trial
            x, y, added, pass_rate = self.training_set(scenario, situation, seed)
            val_x, val_y = stacked(scenario.val)
            augment = classic_transforms(situation.transforms, seed, settings.image_size)
            jobs.append(Job(common.CLASSIFIERS[clf], x, y, val_x, val_y, len(self.design.names), seed, augment))
            extras.append((added, pass_rate))
        start = time.perf_counter()

        ended = []

        def finished(k, row):
            ended.append(k)
            self.record(*fits[k], row, *extras[k])

        def training(epochs, done):
            running = [e for e, d in zip(epochs, done) if not d]
            common.log(
                f"    {len(running)} of {len(fits)} fits side by side still training (epoch "
                f"{min(running)}-{max(running)}, at most {settings.max_epochs}; patience {settings.patience}), "
                f"{format_seconds(time.perf_counter() - start)} so far"
            )

        common.fit_and_score(
            jobs, self.design.test_x, self.design.test_y, settings=settings, on_row=finished, on_progress=training
        )
        self.results.order_last(ended)

    def record(self, scenario, situation, clf, trial, row, added, pass_rate):
        settings = self.settings
        self.clock.add(row["seconds"])
        self.results.add(
            {
                **row,
                "group": scenario.group,
                "scenario": scenario.key,
                "rare_class": "" if scenario.rare is None else self.design.names[scenario.rare],
                "situation": situation.name,
                "source": situation.source or "",
                "transforms": situation.transforms,
                "resampled": int(situation.resample),
                "synthetic": added,
                "classifier": clf,
                "trial": trial,
                "filter_pass_rate": "" if pass_rate is None else round(pass_rate, 3),
            }
        )
        focus = ""
        if scenario.rare is not None:
            confusion = np.array(json.loads(row["confusion"]))
            focus = (
                f", rare-class recall {confusion[scenario.rare, scenario.rare] / confusion[scenario.rare].sum():.3f}"
            )
        common.log(
            f"  {scenario.key} | {situation.name} | {clf} trial {trial + 1}/{settings.trials}: macro-F1 "
            f"{row['f1']:.3f}, accuracy {row['accuracy']:.3f}{focus} (epochs {row['epochs']})  "
            f"[fit {self.clock.status()}]"
        )

    # ------------------------------------------------------------ outputs

    def write(self, finished=False):
        """summary.md, metrics.png, report.html and their montages from every row so far."""
        for c, name in enumerate(self.design.names):
            path = self.output / "report_files" / f"real_{summary.safe(name)}.png"
            if not path.is_file():
                first = self.design.gan_sets[self.design.scenarios[0].gans].train[c]
                self.write_montage(f"real_{name}", first[:MONTAGE])
        status = (
            f"finished in {format_seconds(self.elapsed())}"
            if finished
            else f"running: phase {self.phase} of {self.phases}, classifier fits {self.clock.status()}"
        )
        summary.write_all(self, status)
        write_json(self.output / "progress.json", {"status": status, "phase": self.phase, "phases": self.phases})


def run(settings, data_dir, output, *, design, command="augment"):
    """Run the experiment of `design` (its images read from `data_dir`) with checked `settings`."""
    return Experiment(settings, design, output, command).run()
