"""Onboarding: a newcomer's way in, in a private conversation, up to their chapter's welcome."""
