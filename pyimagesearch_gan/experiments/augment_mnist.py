"""`pyimagesearch-gan augment-mnist`: the augmentation experiment (engine.py) on MNIST, after S4
(CS229 "GAN-Based Image Data Augmentation").

The design (designs.mnist_design): per real size s, s images per digit from the train split,
15% of them for validation; the whole 10,000-image test split as test images. Per size one set
of S4's MLP GANs per digit (preset mnist-mlp-gan, 2,000 passes as the paper) per α, each digit's
epoch chosen by CAS. The situations beside the classic ones (real, the digits' shifts and
rotations):
- S4's Figure 2: real + round(ratio x s) synthetic images per digit, per mixing ratio
  (`gan x0.5`), and with the transforms at the `transform_ratios` (`gan x1 + transforms`),
  from the first α's GANs;
- S4's Table 1: a classifier of 1,000 synthetic images per digit only, per α (`gan only α=4`).
summary.md ends with the paper's numbers beside ours (`PAPER_TABLE1`, `PAPER_FIGURE2`).
"""

from pyimagesearch_gan.data import load_dataset
from pyimagesearch_gan.experiments import common, engine, summary
from pyimagesearch_gan.experiments.designs import mnist_design

# SPEC S4, Table 1: accuracy of a classifier trained only on 1000 synthetic images per digit.
PAPER_TABLE1 = {
    250: {"baseline": 0.64076, 1: 0.42192, 2: 0.61512, 4: 0.70920, 6: 0.69808},
    500: {"baseline": 0.64796, 1: 0.61074, 2: 0.74132, 4: 0.76318, 6: 0.70966},
    1000: {"baseline": 0.68258, 1: 0.66974, 2: 0.69358, 4: 0.75662, 6: 0.73762},
    2000: {"baseline": 0.78781, 1: 0.68692, 2: 0.68000, 4: 0.79304, 6: 0.78060},
}
# SPEC S4, Figure 2: real + ratio * real synthetic (alpha 4), by real images per digit.
PAPER_FIGURE2 = {
    0.0: {250: 0.6408, 500: 0.6480, 1000: 0.6826, 2000: 0.7878},
    0.25: {250: 0.6938, 500: 0.7215, 1000: 0.7810, 2000: 0.8032},
    0.5: {250: 0.7281, 500: 0.7407, 1000: 0.8233, 2000: 0.8052},
    1.0: {250: 0.8022, 500: 0.7857, 1000: 0.8162, 2000: 0.8012},
    2.0: {250: 0.8268, 500: 0.8204, 1000: 0.8175, 2000: 0.7963},
    4.0: {250: 0.8113, 500: 0.8032, 1000: 0.7849, 2000: 0.7911},
}


def paper_values(situation):
    """S4's accuracy of a situation, {real images per digit: accuracy}; empty where S4 has none."""
    if situation.source is None:
        return {} if situation.transforms else {size: row["baseline"] for size, row in PAPER_TABLE1.items()}
    if situation.only and situation.variant:
        alpha = int(situation.variant.removeprefix("α="))
        return {size: row[alpha] for size, row in PAPER_TABLE1.items() if alpha in row}
    if situation.ratio is not None and not situation.transforms:
        return PAPER_FIGURE2.get(float(situation.ratio), {})
    return {}


def paper_lines(exp, found):
    """summary.md's table of our accuracy beside S4's in the situations S4 has, at its sizes."""
    sizes = list(PAPER_TABLE1)
    header = ["situation", *(f"ours: {g.name}, {g.classifier}" for g in found), *(f"S4: {s} per digit" for s in sizes)]
    table = []
    for situation in found[0].order if found else []:
        paper = paper_values(situation)
        if paper:
            ours = [summary.cell(*g.interval(situation.name, "accuracy")) for g in found]
            table.append([situation.name, *ours, *(f"{paper[s]:.4f}" if s in paper else "-" for s in sizes)])
    if not table:
        return []
    return [
        "## S4's numbers beside ours",
        "",
        "Test accuracy. S4's are its MLP's (Table 1: 1,000 synthetic images per digit only; Figure 2: real + ratio x "
        "real synthetic images, α = 4), trained for a fixed number of epochs, without early stopping.",
        "",
        common.markdown_table(header, table),
        "",
    ]


def run(settings, data_dir, output):
    train = load_dataset("mnist", data_dir, split="train")
    test = load_dataset("mnist", data_dir, split="test")
    design = mnist_design(train, test, settings, notes=paper_lines)
    return engine.run(settings, data_dir, output, design=design, command="augment-mnist")
