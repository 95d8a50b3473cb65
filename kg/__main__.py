"""``python -m kg`` runs the same CLI as the ``kg`` script."""

from kg.cli import main

main()
