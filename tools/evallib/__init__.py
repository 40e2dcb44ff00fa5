"""The evaluation harness's parts: task files, the throwaway sandbox, checks, drivers, report.

``tools/eval.py`` is the command; these modules are split so that a new tool family needs only
new task files and, at most, a new check kind in ``checks.CHECKS``.
"""
