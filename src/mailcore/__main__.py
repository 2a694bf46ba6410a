"""``python -m mailcore`` is the ``mailcore`` command."""

from mailcore._cli import main

main(prog_name="mailcore")
