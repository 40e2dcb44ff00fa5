"""Schedules in words to cron expressions and back, checked field by field.

Only a few plain phrasings are understood ("every night", "daily at 3am", "every 15 minutes",
"every monday at 9", "at reboot" ...) plus raw cron lines; anything else is a ScheduleError
with examples, because a job at the wrong time is worse than a question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from llmchain_os.errors import ToolError

EXAMPLES = (
    "say e.g. 'every night', 'daily at 3am', 'every day at 14:30', 'hourly', "
    "'every 15 minutes', 'every monday at 9', 'weekly', 'monthly', 'at reboot' "
    "or a cron line like '0 2 * * *'"
)
ALIASES = {
    "@reboot": "@reboot",
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
# (name, lowest, highest, names allowed in place of numbers)
FIELDS = [
    ("minute", 0, 59, []),
    ("hour", 0, 23, []),
    ("day of month", 1, 31, []),
    ("month", 1, 12, MONTHS),
    ("day of week", 0, 7, [d[:3] for d in DAYS]),
]
ITEM = re.compile(r"^(\*|\d+|[a-z]{3})(?:-(\d+|[a-z]{3}))?(?:/(\d+))?$")
CRON_LIKE = re.compile(r"^[\d*][\d*/,\-]*\s+[\d*][\d*/,\-]*(\s+\S+){3}$")
REBOOT = re.compile(r"\b(?:at|on|after|every)\s+(?:re)?(?:boot|start\s*up|startup)\b|^@?reboot$")
MINUTES = re.compile(r"\bevery\s+(?:(\d{1,2}|a|one)\s+)?min(?:ute)?s?\b")
HOURS = re.compile(r"\bhourly\b|\bevery\s+(?:(\d{1,2}|an|one)\s+)?h(?:ou)?rs?\b")
HALF = r"\s*(?:(?P<half>[ap])\.?m\.?)?(?=\s|$)"  # am / pm / a.m.
CLOCKS = [  # "at 3", "at 2:30 pm", "14:30", "3am", most explicit first
    re.compile(r"\bat\s+(?P<h>\d{1,2})(?::(?P<m>\d{2}))?" + HALF),
    re.compile(r"\b(?P<h>\d{1,2}):(?P<m>\d{2})" + HALF),
    re.compile(r"\b(?P<h>\d{1,2})\s*(?P<half>[ap])\.?m\.?(?=\s|$)"),
]
NIGHT = re.compile(r"\b(?:nightly|every\s+night|each\s+night|at\s+night)\b")
EVENING = re.compile(r"\b(?:every|each)\s+evening\b")
MORNING = re.compile(r"\b(?:every|each)\s+morning\b")
DAILY = re.compile(r"\b(?:daily|every\s*day|each\s+day|a\s+day)\b")
WEEKDAYS = re.compile(r"\b(?:week\s*days?|work\s*days?|monday\s+to\s+friday|mon-fri)\b")
WEEKENDS = re.compile(r"\bweekends?\b")
WEEKLY = re.compile(r"\b(?:weekly|every\s+week|once\s+a\s+week)\b")
MONTHLY = re.compile(r"\b(?:monthly|every\s+month|once\s+a\s+month)\b")
DAY_OF_MONTH = re.compile(r"\bon\s+the\s+(\d{1,2})(?:st|nd|rd|th)\b")


class ScheduleError(ToolError):
    """A schedule that cannot be read; the message gives examples that can."""


@dataclass(frozen=True)
class Schedule:
    cron: str  # five fields, or @reboot
    words: str  # the same in words, for summaries ("every day at 02:00")


def parse_schedule(text: str) -> Schedule:
    """A schedule from words or a cron line; raises ScheduleError with examples."""
    low = " ".join(text.lower().replace("`", " ").split())
    if not low:
        raise ScheduleError(f"No schedule given - {EXAMPLES}")
    if low in ALIASES:
        cron = ALIASES[low]
    elif CRON_LIKE.match(low):
        cron = validate_cron(low)
    else:
        cron = _from_words(low)
    return Schedule(cron=cron, words=describe(cron))


def validate_cron(expr: str) -> str:
    """A five-field cron expression, normalised; raises ScheduleError naming the bad field."""
    parts = expr.split()
    if len(parts) != 5:
        raise ScheduleError(f"A cron line has 5 fields, {expr!r} has {len(parts)} - {EXAMPLES}")
    for value, (name, low, high, names) in zip(parts, FIELDS, strict=True):
        for item in value.split(","):
            _check_item(item, name, low, high, names)
    return " ".join(parts)


def _check_item(item: str, name: str, low: int, high: int, names: list[str]) -> None:
    m = ITEM.match(item)
    if m is None:
        raise ScheduleError(
            f"The cron {name} field has {item!r}, which is not a value - {EXAMPLES}"
        )
    start, end, step = m.groups()
    if step is not None and int(step) < 1:
        raise ScheduleError(f"The cron {name} field has a step of 0 in {item!r}")
    if start == "*":
        if end is not None:
            raise ScheduleError(f"The cron {name} field has {item!r}: '*' cannot start a range")
        return
    first = _value(start, name, low, high, names)
    if end is not None and _value(end, name, low, high, names) < first:
        raise ScheduleError(f"The cron {name} field has the backwards range {item!r}")


def _value(token: str, name: str, low: int, high: int, names: list[str]) -> int:
    if token.isdigit():
        number = int(token)
    elif token in names:
        number = names.index(token) + (1 if name == "month" else 0)
    else:
        raise ScheduleError(f"The cron {name} field has {token!r}, which is not a {name}")
    if not low <= number <= high:
        raise ScheduleError(f"The cron {name} field has {number}, outside {low}-{high}")
    return number


def _from_words(low: str) -> str:
    if REBOOT.search(low):
        return "@reboot"
    if m := MINUTES.search(low):
        return _every_n(m.group(1), 59, "minutes", "* * * *")
    if m := HOURS.search(low):
        return "0 " + _every_n(m.group(1), 23, "hours", "* * *")
    clock = _clock(low)
    days = _days_of_week(low)
    if m := DAY_OF_MONTH.search(low):
        day = int(m.group(1))
        if not 1 <= day <= 31:
            raise ScheduleError(f"There is no day {day} in a month - {EXAMPLES}")
        return _at(clock, (0, 0)) + f" {day} * *"
    if MONTHLY.search(low):
        return _at(clock, (0, 0)) + " 1 * *"
    if days is not None:
        return _at(clock, (0, 0)) + f" * * {days}"
    if WEEKLY.search(low):
        return _at(clock, (0, 0)) + " * * 0"
    if NIGHT.search(low):
        return _at(_evening(clock), (0, 2)) + " * * *"
    if EVENING.search(low):
        return _at(_evening(clock, low=1), (0, 20)) + " * * *"
    if MORNING.search(low):
        return _at(clock, (0, 8)) + " * * *"
    if DAILY.search(low) or clock is not None:
        return _at(clock, (0, 0)) + " * * *"
    raise ScheduleError(f"Cannot read the schedule {low!r} - {EXAMPLES}")


def _every_n(count: str | None, most: int, unit: str, rest: str) -> str:
    n = 1 if count in (None, "a", "an", "one") else int(str(count))
    if not 1 <= n <= most:
        raise ScheduleError(f"Every {n} {unit} cannot be said in cron: use 1-{most} {unit}")
    return f"{'*' if n == 1 else f'*/{n}'} {rest}"


def _clock(low: str) -> tuple[int, int] | None:
    """(minute, hour) of "at 3", "3am", "14:30", "at 2:30 pm", "noon", "midnight"."""
    if re.search(r"\bnoon\b|\bmidday\b", low):
        return (0, 12)
    if re.search(r"\bmidnight\b", low):
        return (0, 0)
    m = next((m for clock in CLOCKS if (m := clock.search(low))), None)
    if m is None:
        return None
    found = m.groupdict()
    hour, minute, half = found["h"], found.get("m"), found.get("half")
    h, mins = int(hour), int(minute or 0)
    if half:
        if not 1 <= h <= 12:
            raise ScheduleError(f"{h}{half}m is not a time - {EXAMPLES}")
        h = h % 12 + (12 if half == "p" else 0)
    if h > 23 or mins > 59:
        raise ScheduleError(f"{h}:{mins:02d} is not a time of day - {EXAMPLES}")
    return (mins, h)


def _evening(clock: tuple[int, int] | None, low: int = 7) -> tuple[int, int] | None:
    """At night, 7-11 means the evening ("every night at 11" is 23:00; "at 2" stays 02:00)."""
    if clock is not None and low <= clock[1] <= 11:
        return (clock[0], clock[1] + 12)
    return clock


def _at(clock: tuple[int, int] | None, default: tuple[int, int]) -> str:
    minute, hour = clock if clock is not None else default
    return f"{minute} {hour}"


def _days_of_week(low: str) -> str | None:
    if WEEKDAYS.search(low):
        return "1-5"
    if WEEKENDS.search(low):
        return "0,6"
    found = sorted(
        {i for i, day in enumerate(DAYS) if re.search(rf"\b(?:{day}s?|{day[:3]})\b", low)}
    )
    return ",".join(str(i) for i in found) if found else None


def describe(cron: str) -> str:
    """The cron expression in words where it has a common shape, else quoted as it is."""
    if cron == "@reboot":
        return "at every boot"
    cron = ALIASES.get(cron, cron)
    parts = cron.split()
    if len(parts) != 5:
        return f"on the cron schedule `{cron}`"
    minute, hour, dom, month, dow = parts
    if month == "*" and minute.isdigit() and hour.isdigit():
        at = f"at {int(hour):02d}:{int(minute):02d}"
        if dom == "*":
            return (
                f"{_day_words(dow)} {at}" if _day_words(dow) else f"on the cron schedule `{cron}`"
            )
        if dom.isdigit() and dow == "*":
            return f"on day {dom} of every month {at}"
    if (dom, month, dow) == ("*", "*", "*"):
        if hour == "*" and minute == "*":
            return "every minute"
        if hour == "*" and minute.startswith("*/"):
            return f"every {minute[2:]} minutes"
        if hour == "*" and minute.isdigit():
            return "every hour" + (f" at minute {minute}" if minute != "0" else "")
        if minute == "0" and hour.startswith("*/"):
            return f"every {hour[2:]} hours"
    return f"on the cron schedule `{cron}`"


def _day_words(dow: str) -> str | None:
    if dow == "*":
        return "every day"
    if dow == "1-5":
        return "every weekday"
    if dow in ("0,6", "6,0"):
        return "every Saturday and Sunday"
    if all(d.isdigit() and int(d) <= 7 for d in dow.split(",")):
        names = [DAYS[int(d) % 7].title() for d in dow.split(",")]
        return "every " + " and ".join(names)
    return None


SCHEDULE_START = re.compile(
    r"(?<![\w-])(?:every|each|nightly|daily|hourly|weekly|monthly|at\s+(?:re)?boot|on\s+boot|"
    r"at\s+start\s*up|at\s+\d|at\s+noon|at\s+midnight|on\s+(?:the\s+\d|week|"
    + "|".join(DAYS)
    + r"))(?!-)",
    re.I,
)


POLITE = {"please", "pls", "plz", "for", "me", "thanks", "thank", "you"}


def find_schedule(text: str) -> str | None:
    """The part of a request that is a schedule ("... every night at 2"), if one reads."""
    cron = re.search(r"`([^`]+)`", text)
    if cron and CRON_LIKE.match(cron.group(1).strip()):
        return cron.group(1).strip()
    m = SCHEDULE_START.search(text)
    if m is None:
        return None
    words = text[m.start() :].rstrip(" .!?").split()
    while words and words[-1].lower().strip(",.!?") in POLITE:
        words.pop()
    while words:  # drop trailing words ("... for me please") until it reads
        phrase = " ".join(words)
        try:
            parse_schedule(phrase)
        except ScheduleError:
            words.pop()
            continue
        return phrase
    return None
