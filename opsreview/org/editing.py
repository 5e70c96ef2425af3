"""What every editor of shared text has in common: no save silently replaces another's."""


class StaleVersion(Exception):
    """A save based on a version someone else has since replaced; carries what is saved now."""

    def __init__(self, current):
        self.current = current
        super().__init__("This was changed by someone else since you opened it.")
