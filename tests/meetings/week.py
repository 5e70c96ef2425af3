"""The frozen week the meeting tests run in: Monday 23 November 2026, 09:00 in London, week
2026-W48. Its meeting starts on Tuesday 24 November at 10:00 (MEETING_WEEKDAY, MEETING_TIME);
last week's (2026-W47) started on Tuesday 17 November at 10:00."""

from datetime import UTC, date, datetime

from opsreview.meetings.services import meeting_prepare

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # London is on UTC in November
TODAY = date(2026, 11, 23)
WEEK = "2026-W48"
LAST_WEEK = "2026-W47"
NEXT_WEEK = "2026-W49"
STARTS = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
LAST_STARTS = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)


def prepared(facilitator, week=WEEK, attendees=()):
    meeting, _ = meeting_prepare(actor=facilitator, week=week)
    meeting.attendees.add(*attendees)
    return meeting
