"""Content translation: what people write, in every reader's language.

:mod:`.content` is the API capabilities use (save, request, read, label, "show original");
:mod:`.worker` makes machine drafts and asks the translators; :mod:`.handlers` is the
translators' conversation; :mod:`.providers` speaks to LibreTranslate and DeepL.
"""
