"""Configuration: ``iopsbot.toml`` (the process) and ``organisation.toml`` (the federation)."""

from core.config.errors import ConfigError
from core.config.organisation import BranchConfig, Level, OrganisationConfig, load_organisation
from core.config.settings import Settings, check_file, load_settings

__all__ = [
    "BranchConfig",
    "ConfigError",
    "Level",
    "OrganisationConfig",
    "Settings",
    "check_file",
    "load_organisation",
    "load_settings",
]
