"""llmchain-os as a Model Context Protocol server (``llmos mcp``): a surface like the shell.

``calls`` is what a call does (through ``api``, the executor and the policy; no SDK),
``server`` maps it onto the official ``mcp`` SDK's low-level Server, and ``serve`` runs that
over stdio or streamable HTTP on 127.0.0.1. Only ``server`` and ``serve`` import the SDK,
and nothing imports them before ``llmos mcp`` runs.
"""
