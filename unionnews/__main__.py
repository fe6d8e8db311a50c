"""``python -m unionnews`` runs the CLI."""
from unionnews.cli import main

main()
