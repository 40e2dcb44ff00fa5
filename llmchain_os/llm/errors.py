"""What can go wrong with a model, each with what to do about it."""

from __future__ import annotations


class ModelError(Exception):
    """No usable model: the message names the fix."""


class ModelNotFound(ModelError):
    pass


class ModelLoadError(ModelError):
    pass


class ProviderError(ModelError):
    """A provider failed mid-request (a cloud endpoint timed out, refused, or answered junk)."""
