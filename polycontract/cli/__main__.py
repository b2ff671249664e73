"""``python -m polycontract.cli``."""

from polycontract.cli import main

main()
