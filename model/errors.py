"""The error bad user input raises everywhere in the model (config, bounds, versions)."""


class ConfigError(ValueError):
    """Bad user input. str(err) is ONE line naming the problem (the CLI prints it and exits 2)."""
