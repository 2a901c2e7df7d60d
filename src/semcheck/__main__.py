"""``python -m semcheck verify ...``: the same command line as the ``semcheck`` script."""

from .cli import main

main()
