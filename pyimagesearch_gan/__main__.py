"""`python -m pyimagesearch_gan ...` is the `pyimagesearch-gan` command."""

from pyimagesearch_gan.commands import main

main()
