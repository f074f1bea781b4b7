"""What every store has in common."""


class StoreError(RuntimeError):
    """A store could not be opened, read or written; the message names the store and why."""
