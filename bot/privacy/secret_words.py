"""The words around a secret, in the 8 languages: what announces one, what joins it to its
value ("est", ":", "это"), and what says the person is talking about it, not giving it
("oublié", "perdu", "забыл"). Kept apart from the masking logic so that translators and
reviewers can read and extend them. Words are compared folded (bot.text.normalize)."""

from __future__ import annotations

SECRET_WORDS = (
    # fr
    r"mots? de passe|mots?-de-passe|motdepasse|mdp|code secret|code pin|code confidentiel"
    r"|identifiant et mot de passe"
    # en
    r"|password|passwd|passcode|pin code|pin|otp|security code|verification code"
    # ar
    r"|كلمة السر|كلمة المرور|كلمة سر|الرقم السري|الرمز السري|رمز التحقق|الباسورد|باسورد"
    # prs
    r"|رمز عبور|پسورد|پاسورد|رمز دوم"
    # ps
    r"|پاسورډ|پټ نوم|پټنوم"
    # uk, ru (every grammatical case: пароль, пароля, паролем...)
    r"|парол\w*|пін-код\w*|пин-код\w*|пін|пин"
    # ti (ፓስዎርድ, ፓስዎርደይ "my password"...)
    r"|ፓስዎር\w*|መሕለፊ ቃል|ምስጢራዊ ቁጽሪ"
)
"""What announces a secret: the next word is one unless it says it is lost or forgotten."""

CODE_WORDS = r"codes?|код\w*|کود|کد|کوډ|رمز|کوڈ|ኮድ|ኮድ\w*|الكود|كود|الرمز"
""""Code" announces a secret only when what follows holds a digit: "le code ne marche pas"
and "code postal" stay readable."""

MARKERS = """
est c'est cest c ce sera etait : = - -> => — – is it's its was are
هي هو هى : است ده دی دئ это – это: це є እዩ ኢዩ እዩ። ኢዩ።
"""
"""What joins a secret word to its value: after one, the next word is the secret."""

FILLERS = """
mon ma mes le la les l' de du d' des pour sur a au aux actuel actuelle nouveau nouvelle
my the for of on to at account new current
تبعي الخاص الخاصة بي حقي ديالي لي في على الجديد
من مه مرا خود زما د مې
мой моя мое мои мой: от для на в новый мій моя моє від для на в новий
ናተይ ናይ ናትና
"""
"""Words that may stand between a secret word and its value, and say nothing of it."""

ORDINARY = """
oublie oubliee oublies oubliees oublier oubli perdu perdue perdus perdues perte perdre
bloque bloquee bloques faux fausse incorrect incorrecte invalide errone erronee expire expiree
refuse refusee marche fonctionne ne n' n'est nest n'a n'ai pas plus jamais quoi lequel laquelle
change changer modifie modifier reinitialiser reinitialise renouveler recuperer recevoir
envoye envoyer demande demander aide aidez help ? svp postal allocataire route
forgot forgotten forget lost lose wrong incorrect invalid expired blocked locked not doesn't
doesnt don't dont isn't isnt won't wont reset change changed what which recover
نسيت نسيته ضاعت ضاع ضائعة ضايعة خاطئة خاطئ خطأ غلط لا لم ما مش مو مقفل مقفلة منتهية تغيير
استرجاع وين ماذا
فراموش فراموشم گم غلط نادرست نمی نمیشه نه کار بند تغییر چی چیست
هېر هیر ورک غلط نه بند بدل څه
забыл забыла забыли потерял потеряла потеряли не неправильный неверный неверно
заблокирован заблокирована сменить восстановить какой что
забув забула забули загубив загубила втратив втратила не неправильний невірний невірно
заблокований змінити відновити який що
ረሲዐዮ ረሲዐ ረሲዐዮ። ጠፊኡኒ ጠፊኡ ኣይሰርሕን ኣይሰርሕን። ጌጋ የለን ኣይፈልጦን ረሲዐዮ፣
"""
"""Words that say the person is talking about a secret, not giving it ("mot de passe
oublié", "мой пароль не подходит"): nothing is hidden, nothing is said about hiding."""
