"""The one exception type for bad input to the model."""


class ConfigError(ValueError):
    """A scenario, parameter or file that cannot be used.

    The message names the file (when there is one), the key and the problem, so
    the command line can print it as one line and exit with status 2.
    """
