"""Reading a request: the words and operands (paths, numbers, pids, patterns, quoted text)
that the planner and every tool's own extractor read, and the outside world (running
processes, saved scripts) they are checked against.

It sits below both ``agent`` and ``tools``: a tool's card reads its arguments with these
helpers, so the planner names no tool and a new tool needs no planner edit.
"""
