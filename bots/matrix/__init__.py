"""The Matrix adapter (matrix-nio): rooms and direct rooms on any homeserver."""
