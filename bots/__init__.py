"""Platform adapters: each translates its platform to and from the core's model."""
