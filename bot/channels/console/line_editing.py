"""Line editing and history for `relais chat`: arrow keys, Ctrl-R, the lines of earlier runs.

Privacy: what is typed may be what a resident would type, secrets included. So a line is
masked (bot/privacy/masking.py) before it enters the history, in memory and on disk: the up
arrow gives back "mot de passe [masqué]", never the password. The file is the user's own
(`$XDG_DATA_HOME/relais/chat_history`, else `~/.local/share/relais/chat_history`, mode 600),
never beside the database (which a server's other users may read), at most HISTORY_LINES
lines, and only for lines typed at a terminal (not piped in). `relais chat --no-history`
keeps the history in memory only, for that run.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bot.privacy.masking import mask

log = logging.getLogger(__name__)

HISTORY_LINES = 500


class LineEditor:
    """GNU readline (or libedit) on the terminal's input, when Python has it."""

    def __init__(self, path: Path | None) -> None:
        try:
            import readline
        except ImportError:  # (Windows without pyreadline): plain input, still works
            self.readline = None
            return
        self.readline = readline
        self.path = path
        readline.set_auto_history(False)
        readline.set_history_length(HISTORY_LINES)
        if path is not None and path.exists():
            try:
                readline.read_history_file(path)
            except OSError as exc:
                log.warning("the chat history %s could not be read: %s", path, exc)

    def remember(self, line: str) -> None:
        """Add a typed line to the history, secrets masked; saved at once (a crash keeps it)."""
        if self.readline is None or not line.strip():
            return
        self.readline.add_history(mask(line)[0])
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.touch(mode=0o600, exist_ok=True)
            self.path.chmod(0o600)
            self.readline.write_history_file(self.path)
        except OSError as exc:
            log.warning("the chat history %s could not be saved: %s", self.path, exc)
            self.path = None
