"""The first conversation: /start and /help."""
