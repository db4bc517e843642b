"""How a text is shown and what it costs on each network: SMS segments and SMS text,
right-to-left marks, Telegram's length limit. Low-level helpers that flows, the checker,
translations and channels all use; they import nothing of Relais but `bot.languages`, so any
layer can use them without a cycle. (Folding what residents type is `bot/text.py`.)"""
