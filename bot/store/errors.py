"""What the store raises when the database cannot be used."""


class DatabaseError(RuntimeError):
    """The database cannot be used; the message names the file and the fix."""
