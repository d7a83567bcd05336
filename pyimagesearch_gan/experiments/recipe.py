"""The classic recipe: the classic situation that GAN images are added to, chosen on the
validation images, never on the test images.

Every classic situation is a candidate: real, resampling (where the classes are imbalanced),
each family of classic transforms that fits the images' channels (`FAMILIES`), each with and
without resampling. Each is fitted in every scenario and trial like any situation, and the fit,
early-stopped on the validation images, is scored on those same images too. The candidate with
the best mean headline metric on validation (the rare class's recall in a rare-class group,
macro-F1 for imbalanced classes, accuracy for balanced ones; over every trial, scenario and
classifier) is the recipe; a tie goes to the simpler candidate (the earlier one). It is decided
when the classic fits are done, before any GAN image is drawn, and is the same for every GAN
source. With `--transforms FAMILY` the recipe uses that family (with or without resampling, as
validation says) and `warning` says when a candidate without transforms scores higher.

The choice is a function of the classic rows of results.csv (their validation confusion
matrices), so a resumed run makes the same choice without fitting again; `OUT/recipe.json`
records it.
"""

import dataclasses
import math

from pyimagesearch_gan.experiments import protocol, summary

FAMILIES = {1: ("texture", "digits"), 3: ("texture", "photo")}  # the families that fit gray / RGB images


def families(transforms, channels):
    """The transform families of the --transforms choice for images of `channels`."""
    if transforms == "auto":
        return FAMILIES[channels]
    return () if transforms == "none" else (transforms,)


@dataclasses.dataclass
class Recipe:
    """The recipe of a group: the chosen classic `situation`, every candidate's validation
    (mean, half-width) of `metric`, and the family the user named (None with auto)."""

    group: str
    metric: str
    situation: object
    scores: dict
    candidates: list  # the classic situations, in their order
    named: str | None = None

    @property
    def name(self):
        return self.situation.name

    def score(self, name):
        return self.scores[name][0]

    def best(self, keep):
        """The best-scored candidate for which `keep(situation)` holds (the earlier on a tie), or None."""
        best = None
        for s in self.candidates:
            if keep(s) and (best is None or self.score(s.name) > self.score(best.name)):
                best = s
        return best

    def change(self, what, before, after, used, plural=True):
        """'the texture transforms lower validation macro-F1 from 0.89 to 0.31 here: not used'."""
        a, b = self.score(before.name), self.score(after.name)
        verb = "raise" if b > a else ("lower" if b < a else "leave")
        verb += "" if plural else "s"
        amount = f"from {a:.3f} to {b:.3f}" if a != b else f"unchanged at {a:.3f}"
        return f"{what} {verb} validation {self.metric} {amount} here: {'used' if used else 'not used'}"

    def reasons(self):
        """Why the recipe is what it is, one line per transform family and one for resampling."""
        plain = self.best(lambda s: not s.transforms)
        lines = []
        for family in dict.fromkeys(s.transforms for s in self.candidates if s.transforms):
            best = self.best(lambda s, f=family: s.transforms == f)
            used = self.situation.transforms == family
            line = self.change(f"the {family} transforms", plain, best, used)
            if not used and self.situation.transforms and self.score(best.name) > self.score(plain.name):
                line += f" (the recipe, {self.name}, scores {self.score(self.name):.3f})"  # another family did better
            lines.append(line)
        twin = next(
            (
                s
                for s in self.candidates
                if s.transforms == self.situation.transforms and s.resample != self.situation.resample
            ),
            None,
        )
        if twin is not None:
            without, with_ = (twin, self.situation) if self.situation.resample else (self.situation, twin)
            where = f" with the {self.situation.transforms} transforms" if self.situation.transforms else ""
            lines.append(self.change(f"resampling{where}", without, with_, self.situation.resample, plural=False))
        return lines

    def warning(self):
        """With a named family: a line when a candidate without transforms scores higher, else None."""
        plain = self.best(lambda s: not s.transforms)
        if not self.named or plain is None or self.score(plain.name) <= self.score(self.name):
            return None
        return (
            f"--transforms {self.named} lowers validation {self.metric} from {self.score(plain.name):.3f} "
            f"({plain.name}) to {self.score(self.name):.3f} ({self.name}) here; used because it was named: leave "
            "--transforms out to let the validation images choose"
        )

    def line(self):
        """The console's and summary's one line: the recipe and every candidate's score."""
        scored = ", ".join(f"{s.name} {protocol.format_ci(*self.scores[s.name])}" for s in self.candidates)
        return f"{self.group}: recipe {self.name} (validation {self.metric}: {scored})"

    def as_dict(self):
        return {
            "recipe": self.name,
            "metric": self.metric,
            "named": self.named,
            "validation": {
                name: {"mean": mean, "half": None if math.isnan(half) else half}
                for name, (mean, half) in self.scores.items()
            },
            "reasons": self.reasons(),
            "warning": self.warning(),
        }


def choose(group, candidates, rows, names, imbalanced, transforms):
    """The Recipe of `group` from its rows (text rows as in results.csv, with `val_confusion`)
    of the classic `candidates`; None while a candidate has no row. `transforms` is the
    --transforms choice: auto and none choose among all candidates, a family among its own."""
    validation = [{**row, "confusion": row["val_confusion"]} for row in rows if row.get("val_confusion")]
    values = {s.name: [] for s in candidates}
    metric = None
    for clf in dict.fromkeys(row["classifier"] for row in validation):
        found = summary.Group(
            group, clf, [r for r in validation if r["classifier"] == clf], names, candidates, imbalanced
        )
        metric = found.headline
        for s in candidates:
            values[s.name] += found.values(s.name, metric)
    if metric is None or not all(values.values()):
        return None
    scores = {name: protocol.mean_ci(v) for name, v in values.items()}
    named = transforms if transforms not in ("auto", "none") else None
    recipe = Recipe(group, metric, None, scores, list(candidates), named)
    allowed = (lambda s: s.transforms == named) if named else (lambda s: True)
    recipe.situation = recipe.best(allowed) or candidates[0]
    return recipe
