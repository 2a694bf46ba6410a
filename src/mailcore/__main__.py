"""``python -m mailcore`` is the ``mailcore`` command."""

from mailcore.cli import main

main(prog_name="mailcore")
