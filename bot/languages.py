"""The languages Relais can speak, each named in its own script."""

SOURCE_LANGUAGE = "fr"

LANGUAGES: dict[str, str] = {
    "fr": "Français",
    "en": "English",
    "ar": "العربية",
    "prs": "دری",
    "ps": "پښتو",
    "uk": "Українська",
    "ru": "Русский",
    "ti": "ትግርኛ",
}

RIGHT_TO_LEFT = frozenset({"ar", "prs", "ps"})


def direction(lang: str) -> str:
    return "rtl" if lang in RIGHT_TO_LEFT else "ltr"
