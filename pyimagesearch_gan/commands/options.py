"""Argument types for the command line: a number out of range is refused by argparse itself,
in one line naming the flag, before anything else runs."""

import argparse


def whole(low, name="a whole number"):
    """An argparse type: an int of at least `low`."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expects {name} of at least {low}, got '{text}'") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    return parse


def number(low=None, high=None, *, open_low=False, open_high=False):
    """An argparse type: a float within [low, high] (an open end excludes its bound)."""
    left, right = "(" if open_low else "[", ")" if open_high else "]"
    span = f"{left}{'-inf' if low is None else f'{low:g}'}, {'inf' if high is None else f'{high:g}'}{right}"

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expects a number in {span}, got '{text}'") from None
        below = low is not None and (value < low or (open_low and value == low))
        above = high is not None and (value > high or (open_high and value == high))
        if below or above or value != value:
            raise argparse.ArgumentTypeError(f"must be a number in {span}, got {text}")
        return value

    return parse


FRACTION = number(0, 1, open_low=True, open_high=True)
