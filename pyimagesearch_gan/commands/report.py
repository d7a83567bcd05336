"""`pyimagesearch-gan report RUN_DIR`: the run's page, RUN_DIR/report.html, and each GAN's progress.gif.

Training writes both at its end and on Ctrl-C; this command writes them for any run folder:
an old one, one still training, one that was stopped.
"""

from pyimagesearch_gan.commands.options import whole


def add_parser(subparsers):
    p = subparsers.add_parser(
        "report", help="write RUN_DIR/report.html (montages, timeline, losses, settings) and progress GIFs"
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder written by 'train'")
    p.add_argument(
        "--gif-frames", type=whole(2), default=60, help="at most this many epochs per progress.gif (default 60)"
    )
    p.add_argument("--no-gifs", action="store_true", help="do not (re)write the progress GIFs")
    p.set_defaults(run=run)


def run(args):
    from pyimagesearch_gan.report import write_report

    path = write_report(args.run_dir, gifs=not args.no_gifs, max_frames=args.gif_frames)
    print(f"wrote {path}: open it in a browser (no server needed)")
