"""What the bot itself says, outside the flows. French source, translated when shown."""

from bot.i18n import N_

WELCOME = N_("Bonjour, je suis Relais. Je vous aide pour vos démarches en ligne, pas à pas.")
WELCOME_BACK = N_("Bon retour ! On reprend au début.")
NOT_UNDERSTOOD = N_("Je n'ai pas compris. Répondez avec un des choix.")
OFFER_PERSON = N_("Parler à une personne")
TYPE_HELP = N_("Pour parler à une personne, écrivez AIDE.")
STALE_BUTTON = N_("Ce bouton vient d'un ancien message. Voici la question en cours.")
NOT_TEXT = N_("Je ne peux lire que les messages écrits. Écrivez votre réponse.")
NO_LOCATION_HERE = N_("Merci. Ici, j'ai besoin d'une réponse écrite.")
EMPTY_MESSAGE = N_("Votre message est vide.")
CONTINUE = N_("Pour continuer, écrivez MENU.")
NOTHING_BEFORE = N_("Il n'y a pas de question avant. Voici le menu.")

FAILURE = "Désolé, un problème technique est arrivé. Réessayez plus tard, ou écrivez AIDE."
"""Said when the engine itself fails; not translated, as the catalogs may be the cause."""

STOPPED = N_("D'accord. Relais ne vous écrira plus. Pour revenir, écrivez MENU.")
RESTARTED = N_("Content de vous revoir.")

ERASE_ASK = N_("Voulez-vous effacer toutes vos données chez Relais ?")
ERASE_YES = N_("Oui, tout effacer")
ERASE_NO = N_("Non, garder")
ERASE_DONE = N_("C'est fait. Vos données sont effacées.")
ERASE_KEPT = N_("D'accord, rien n'est effacé.")

LANGUAGE_ASK = N_("Choisissez votre langue.")
FIRST_LANGUAGE_ASK = "Relais. Langue / Language:"
"""Shown before any language is known, so it is not translated."""
LANGUAGE_SET = N_("C'est noté : je vous écris en français.")

RETRY_POSTAL_CODE = N_("Le code postal a 5 chiffres. Exemple : 93200")
RETRY_YES_NO = N_("Répondez oui ou non.")
RETRY_NUMBER = N_("Écrivez seulement un nombre. Exemple : 3")
RETRY_TEXT = N_("Écrivez votre réponse en quelques mots.")

PLACE_NOT_FOUND = N_(
    "Je ne trouve pas ce lieu. Écrivez un code postal ou une ville. Exemple : 93200"
)
PLACES_NEAR = N_("Voici des lieux d'aide près de {place} :")

YES_WORDS = N_("oui|o|ouais|yes|ok|d'accord|1")
NO_WORDS = N_("non|n|no|2")
