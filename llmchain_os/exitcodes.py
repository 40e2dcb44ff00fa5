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
