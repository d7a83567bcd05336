"""`pyimagesearch-gan evaluate RUN_DIR`: FID, KID and CAS of every saved epoch of a run; the best
epoch per class by FID, and the epoch per class that `generate --epoch best` uses (`--choose-by`)."""

from pyimagesearch_gan.commands.neighbors import real_data_flags
from pyimagesearch_gan.commands.options import whole
from pyimagesearch_gan.evidence.inputs import check_evaluation
from pyimagesearch_gan.utils import import_tensorflow, parse_list


def add_parser(subparsers):
    p = subparsers.add_parser("evaluate", help="FID, KID and CAS of every saved epoch of a run; best epoch per class")
    p.add_argument(
        "run_dir", metavar="RUN_DIR", help="a run folder written by 'train'; results go to RUN_DIR/evaluation/"
    )
    p.add_argument("--count", type=whole(2), default=500, help="images generated per class and epoch (default 500)")
    p.add_argument("--epochs", help="comma list of epochs to evaluate (default: every saved one)")
    p.add_argument("--cas-epochs", type=whole(1), default=5, help="training epochs of the CAS classifier (default 5)")
    p.add_argument("--no-cas", action="store_true", help="skip CAS (FID/KID only, faster)")
    p.add_argument(
        "--choose-by",
        choices=("cas", "fid"),
        default="cas",
        help="what chooses each class's epoch for 'generate --epoch best': cas, the highest recall of its held-out "
        "real images by the CAS classifier (later epoch on a tie), or fid, the lowest FID; FID where CAS is not "
        "computed (--no-cas, a single class) (default cas)",
    )
    real_data_flags(p)
    p.set_defaults(run=run)


def run(args):
    epochs = parse_list(args.epochs, int, "--epochs") if args.epochs is not None else None
    check_evaluation(args.run_dir, count=args.count, epochs=epochs, data_dir=args.data_dir)
    import_tensorflow()
    from pyimagesearch_gan.evidence.evaluate import evaluate

    evaluate(
        args.run_dir,
        count=args.count,
        epochs=epochs,
        data_dir=args.data_dir,
        holdout=args.holdout,
        seed=args.seed,
        feature_epochs=args.feature_epochs,
        cas=not args.no_cas,
        cas_epochs=args.cas_epochs,
        choose_by=args.choose_by,
    )
