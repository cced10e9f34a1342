"""Members, their platform accounts, roles and language."""
