"""The shell's memory: what it did (history), what it was told (notes) and the documents it
was given, in a chromadb store under the XDG data dir, found again by meaning.

Nothing here is imported at start-up, and ``chromadb`` is imported only when the store is
opened (``memory.store``): finished requests go to a plain journal first (``memory.journal``),
which the store takes in the next time it opens.
"""
