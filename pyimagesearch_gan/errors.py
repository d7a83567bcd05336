"""User-facing errors: bad input ends with one clear line and exit code 2, never a traceback."""

import sys


class UserError(Exception):
    """A problem the user can fix; the message names the file or flag and the fix."""


def exit_on_user_error(func, *args, **kwargs):
    """Run `func`; turn a UserError into 'error: ...' on stderr and exit code 2."""
    try:
        return func(*args, **kwargs)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
