"""``python -m nervecentre`` runs the command line."""

from nervecentre.cli.main import main

main()
