"""Calendar parsers the project did not write, beyond the Python ones: Mozilla's ical.js (as in
Thunderbird, from npm, run under Node) and libical (as in Evolution, Debian's libical3, called
through ctypes). Each returns {uid: (start, end)} as UTC instants, plus what else tests read."""

import ctypes
import ctypes.util
import json
import shutil
import subprocess
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

ICALJS_SCRIPT = Path(__file__).with_name("read_with_icaljs.mjs")


def read_with_icaljs(body: bytes) -> dict:
    """ical.js's reading: {"name", "events": [{"uid", "start", "end", "summary", "alarms"}]}."""
    node = shutil.which("node")
    assert node, "Node.js is needed to run ical.js (see README: make test)"
    finished = subprocess.run(
        [node, str(ICALJS_SCRIPT)], input=body, capture_output=True, timeout=60, check=False
    )
    assert finished.returncode == 0, finished.stderr.decode()
    return json.loads(finished.stdout)


def instants_by_icaljs(body: bytes) -> dict[str, tuple[datetime, datetime]]:
    return {
        event["uid"]: (
            datetime.fromisoformat(event["start"].replace("Z", "+00:00")),
            datetime.fromisoformat(event["end"].replace("Z", "+00:00")),
        )
        for event in read_with_icaljs(body)["events"]
    }


class IcalTime(ctypes.Structure):
    """libical 3's struct icaltimetype, passed and returned by value."""

    _fields_ = [
        ("year", ctypes.c_int),
        ("month", ctypes.c_int),
        ("day", ctypes.c_int),
        ("hour", ctypes.c_int),
        ("minute", ctypes.c_int),
        ("second", ctypes.c_int),
        ("is_date", ctypes.c_int),
        ("is_daylight", ctypes.c_int),
        ("zone", ctypes.c_void_p),
    ]


ICAL_ANY_COMPONENT, ICAL_VEVENT_COMPONENT = 1, 4  # enum icalcomponent_kind


@cache
def libical():
    """The system's libical (Debian: libical3), with the signatures used here."""
    name = ctypes.util.find_library("ical") or "libical.so.3"
    lib = ctypes.CDLL(name)
    lib.icalparser_parse_string.argtypes = [ctypes.c_char_p]
    lib.icalparser_parse_string.restype = ctypes.c_void_p
    lib.icalcomponent_get_first_component.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.icalcomponent_get_first_component.restype = ctypes.c_void_p
    lib.icalcomponent_get_next_component.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.icalcomponent_get_next_component.restype = ctypes.c_void_p
    lib.icalcomponent_get_uid.argtypes = [ctypes.c_void_p]
    lib.icalcomponent_get_uid.restype = ctypes.c_char_p
    lib.icalcomponent_get_dtstart.argtypes = [ctypes.c_void_p]
    lib.icalcomponent_get_dtstart.restype = IcalTime
    lib.icalcomponent_get_dtend.argtypes = [ctypes.c_void_p]
    lib.icalcomponent_get_dtend.restype = IcalTime
    lib.icaltimezone_get_utc_timezone.restype = ctypes.c_void_p
    lib.icaltime_convert_to_zone.argtypes = [IcalTime, ctypes.c_void_p]
    lib.icaltime_convert_to_zone.restype = IcalTime
    lib.icalcomponent_count_errors.argtypes = [ctypes.c_void_p]
    lib.icalcomponent_count_errors.restype = ctypes.c_int
    lib.icalcomponent_free.argtypes = [ctypes.c_void_p]
    return lib


def instants_by_libical(body: bytes) -> dict[str, tuple[datetime, datetime]]:
    """libical's reading of every VEVENT; fails on any parse error libical records."""
    lib = libical()
    calendar = lib.icalparser_parse_string(body)
    assert calendar, "libical could not parse the feed"
    try:
        assert lib.icalcomponent_count_errors(calendar) == 0, "libical found errors"
        utc = lib.icaltimezone_get_utc_timezone()
        read = {}
        event = lib.icalcomponent_get_first_component(calendar, ICAL_VEVENT_COMPONENT)
        while event:
            instants = []
            for getter in (lib.icalcomponent_get_dtstart, lib.icalcomponent_get_dtend):
                moment = lib.icaltime_convert_to_zone(getter(event), utc)
                instants.append(
                    datetime(
                        moment.year,
                        moment.month,
                        moment.day,
                        moment.hour,
                        moment.minute,
                        moment.second,
                        tzinfo=UTC,
                    )
                )
            read[lib.icalcomponent_get_uid(event).decode()] = tuple(instants)
            event = lib.icalcomponent_get_next_component(calendar, ICAL_VEVENT_COMPONENT)
        return read
    finally:
        lib.icalcomponent_free(calendar)
