"""What `llmos` exits with. No imports: the shell needs these before anything heavy loads."""

from __future__ import annotations


class ExitCode:
    """What ``llmos run`` exits with; the same numbers as ``ChainResult.exit_code``."""

    DONE = 0
    STEP_FAILED = 1
    USAGE = 2
    DECLINED = 3
    NO_MODEL = 4
    UNSURE = 5
    UNVERIFIED = 6  # llmos audit verify: the audit log was changed, cut or torn
    INTERRUPTED = 130  # 128 + SIGINT, as shells report it


# From best to worst, for `llmos batch`: a line that changed nothing (unsure, declined) is
# better than one that broke (bad input, a failed step), and a missing model or Ctrl-C,
# which stop every line, are worst.
SEVERITY = (
    ExitCode.DONE,
    ExitCode.UNSURE,
    ExitCode.DECLINED,
    ExitCode.USAGE,
    ExitCode.STEP_FAILED,
    ExitCode.UNVERIFIED,
    ExitCode.NO_MODEL,
    ExitCode.INTERRUPTED,
)


def worst(codes: list[int]) -> int:
    """The worst of ``codes`` by ``SEVERITY`` (a code it does not know counts as worst)."""
    return max(codes, key=lambda c: SEVERITY.index(c) if c in SEVERITY else len(SEVERITY))
