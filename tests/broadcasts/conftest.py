from tests.translation.conftest import providers

__all__ = ["providers"]
