"""`python -m pyimagesearch_gan ...` is the `pyimagesearch-gan` command."""
from .cli import main

main()
