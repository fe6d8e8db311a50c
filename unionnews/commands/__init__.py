"""CLI command modules; each defines ``register(cli)`` and is discovered by ``unionnews.cli``."""
