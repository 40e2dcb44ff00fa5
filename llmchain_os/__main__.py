"""python -m llmchain_os: the same as the llmos command."""

from llmchain_os.cli import main

raise SystemExit(main())
