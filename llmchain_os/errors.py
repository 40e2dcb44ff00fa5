"""Errors every layer may raise or catch; this module imports nothing of the project.

``ToolError`` lives here, not beside the tools, because the script library and the scheduler
raise it too, and the tools are built on them: an error type at the bottom keeps the
imports one way.
"""


class ToolError(Exception):
    """A tool could not do its job; the message is shown to the user as it is."""
