"""Built-in tools, one module per domain; ``base`` defines what a tool is."""
