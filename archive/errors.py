"""Errors a user can act on: the CLI prints their message, never a traceback."""


class UserError(Exception):
    """A bad input or state the user can fix; ``exit_code`` is what the CLI exits with."""

    exit_code = 2

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
