"""`pyimagesearch-gan presets`: list the presets with their source."""

from pyimagesearch_gan.presets import PRESETS


def add_parser(subparsers):
    subparsers.add_parser("presets", help="list the presets with their source").set_defaults(run=run)


def run(args):
    width = max(map(len, PRESETS))
    for name, preset in PRESETS.items():
        print(f"{name:<{width}}  {preset['description']}  [{preset['source']}]")
