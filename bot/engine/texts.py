"""What the bot itself says, outside the flows. French source, translated when shown."""

from bot.i18n import N_, Nn_

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

FAILURES = {
    "fr": "Désolé, un problème technique est arrivé. Réessayez plus tard, ou écrivez AIDE.",
    "en": "Sorry, a technical problem happened. Try again later, or write AIDE to reach a person.",
    "ar": "عذرا، حدثت مشكلة تقنية. حاول مرة أخرى لاحقا، أو اكتب AIDE للتحدث مع شخص.",
    "prs": (
        "ببخشید، یک مشکل تخنیکی پیش آمد. "
        "بعداً دوباره کوشش کنید، یا برای گپ زدن با یک شخص AIDE بنویسید."
    ),
    "ps": (
        "بښنه غواړو، یوه تخنیکي ستونزه پیدا شوه. "
        "وروسته بیا هڅه وکړئ، یا د یو کس سره د خبرو لپاره AIDE ولیکئ."
    ),
    "uk": (
        "Вибачте, сталася технічна проблема. "
        "Спробуйте пізніше або напишіть AIDE, щоб поговорити з людиною."
    ),
    "ru": (
        "Извините, произошла техническая проблема. "
        "Попробуйте позже или напишите AIDE, чтобы поговорить с человеком."
    ),
    "ti": "ይቕረታ፣ ቴክኒካዊ ጸገም ኣጋጢሙ። ደሓር ደጊምኩም ፈትኑ፣ ወይ ምስ ሰብ ንምዝራብ AIDE ጽሓፉ።",
}
"""Said when the engine itself fails: in plain code, not in the catalogs, as the catalogs may
be the cause. AIDE, the French word, works whatever the catalogs say. Translations are drafts
written with machine assistance, like the catalogs; reviewers: see locales/<lang>/REVIEW.md."""
FAILURE = FAILURES["fr"]


def failure(lang: str | None) -> str:
    """The "technical problem" message in the person's language (French if unknown)."""
    return FAILURES.get(lang or "fr", FAILURE)


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
LANGUAGE_SWITCHED = N_("Je vous écris en français. Autre langue : écrivez LANGUE.")
"""Said in the language just recognised from the first words, with the way back."""
LANGUAGE_SHORT_ASK = N_("Langue ?")
"""Joined with the same question in the other likely languages: "اللغة؟ / زبان؟ / ژبه؟"."""
LANGUAGE_FALLBACK = N_("Je continue en français. Pour changer de langue, écrivez LANGUE.")
"""Said in the language the person seems to write when their answer named no language."""

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

# Hand-off to a person.
PLACE_PICK = N_("Quel lieu choisissez-vous ?")
PLACE_NONE = N_("Aucun de ces lieux")
CONSENT_ASK = N_("Puis-je envoyer un résumé de votre demande à {place} ?")
CONSENT_YES = N_("Oui, envoyer")
NO = N_("Non")
YES = N_("Oui")
NOTHING_SENT = N_("D'accord, je n'envoie rien. Vous pouvez aller à ce lieu ou l'appeler.")
NOT_RECEIVING = N_("Ce lieu ne reçoit pas encore de demandes par Relais. Allez-y ou appelez-le.")
NOTE_ASK = N_("Vous pouvez ajouter un message pour le médiateur. Écrivez-le maintenant.")
NEVER_SEND = N_("N'envoyez jamais de mot de passe, de code ou de numéro de carte bancaire.")
NOTE_SKIP = N_("Envoyer sans message")
TICKET_OPENED = N_("C'est envoyé. Votre code : {code}. Montrez ce code à l'accueil du lieu.")
RELAY_INFO = N_("Un médiateur va vous répondre ici. Pour revenir au menu, écrivez MENU.")
RELAYED = N_("Message transmis au médiateur.")
RELAY_REMINDER = N_("Vous parlez avec un médiateur. Écrivez votre message.")
FROM_MEDIATOR = N_("Réponse de {name} :")
LEAVE_ASK = N_("Revenir au menu ? La conversation avec le médiateur sera finie.")
LEAVE_YES = N_("Oui, revenir au menu")
LEAVE_NO = N_("Non, rester")
STAY = N_("D'accord, vous restez avec le médiateur.")
TICKET_CLOSED = N_("Le médiateur a fermé votre demande {code}.")
FEEDBACK_ASK = N_("Est-ce que cela vous a aidé ?")
THANKS = N_("Merci pour votre réponse.")

# Privacy and abuse limits.
MASKED = N_("J'ai caché un numéro ou un code de votre message. Ne les envoyez jamais.")
RATE_LIMITED = N_("Vous envoyez beaucoup de messages. Attendez une minute, puis réessayez.")
TOO_LONG = N_("Votre message est très long. J'ai gardé seulement le début.")
KEPT_SESSIONS = Nn_(
    "Sans message de vous pendant {days} jour, j'efface tout.",
    "Sans message de vous pendant {days} jours, j'efface tout.",
)
KEPT_TICKETS = Nn_(
    "Une demande fermée est effacée après {days} jour.",
    "Une demande fermée est effacée après {days} jours.",
)
PRIVACY_NOTICE = (
    N_("Vos données : je garde vos réponses pour vous aider."),
    KEPT_SESSIONS,
    N_("Un médiateur voit votre demande seulement si vous dites oui."),
    N_("Tout effacer : écrivez OUBLI."),
)
"""One idea a line, short enough for 3 SMS in every language; the details are one step on."""
PRIVACY_DETAILS = (
    N_("Je ne demande jamais de mot de passe ni de code."),
    N_("Si vous dites oui pour un médiateur, le lieu choisi voit un résumé et vos messages."),
    KEPT_TICKETS,
    N_("Pour ne plus recevoir de messages, écrivez STOP."),
)
PRIVACY_MORE = N_("Plus de détails")
PRIVACY_CONTINUE = N_("Continuer")
