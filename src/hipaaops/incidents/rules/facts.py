"""The Breach Notification Rule's numbers, as data: each with the paragraph that sets it.

The rules in this package read every period and threshold from here, so a compliance officer can
check each figure against 45 CFR 164.400-414 in one place. State breach laws may be stricter;
these are the federal limits.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """One number the regulation sets: a period in calendar days or a count of individuals."""

    value: int
    citation: str
    meaning: str


# 45 CFR 164.404(b): notice to individuals no later than 60 calendar days after discovery.
INDIVIDUAL_NOTICE_DAYS = Limit(
    60, "45 CFR 164.404(b)", "calendar days after discovery, at the latest, to notify individuals"
)

# 45 CFR 164.406(a): media notice when MORE than 500 residents of a State or jurisdiction.
MEDIA_NOTICE_MORE_THAN = Limit(
    500,
    "45 CFR 164.406(a)",
    "residents of one State or jurisdiction above which media are notified",
)

# 45 CFR 164.406(b): media notice on the same timing as the individual notice (164.404(b)).
MEDIA_NOTICE_DAYS = Limit(
    60, "45 CFR 164.406(b)", "calendar days after discovery, at the latest, to notify the media"
)

# 45 CFR 164.408(b): 500 OR MORE individuals: notify the Secretary with the individual notice.
SECRETARY_IMMEDIATE_AT_LEAST = Limit(
    500, "45 CFR 164.408(b)", "individuals, at least, for the Secretary to hear with individuals"
)

# 45 CFR 164.408(c): fewer than 500: log, and submit no later than 60 days after the end of each
# calendar year for breaches discovered during that year.
SECRETARY_ANNUAL_LOG_DAYS = Limit(
    60,
    "45 CFR 164.408(c)",
    "days after the end of the calendar year of discovery to submit the log",
)

# 45 CFR 164.404(d)(2)(i)-(ii): substitute notice; 10 or more unreachable individuals need the
# web or media form with a toll-free number.
SUBSTITUTE_NOTICE_WEB_AT_LEAST = Limit(
    10, "45 CFR 164.404(d)(2)(ii)", "unreachable individuals, at least, for web or media notice"
)

# 45 CFR 164.404(d)(2)(ii)(A): conspicuous posting on the home page for a period of 90 days.
SUBSTITUTE_WEB_POSTING_DAYS = Limit(
    90, "45 CFR 164.404(d)(2)(ii)(A)", "days the substitute notice stays on the home page"
)

# 45 CFR 164.404(d)(2)(ii)(B): a toll-free number that remains active for at least 90 days.
SUBSTITUTE_TOLL_FREE_DAYS = Limit(
    90, "45 CFR 164.404(d)(2)(ii)(B)", "days, at least, the toll-free number stays active"
)

# 45 CFR 164.410(b): a business associate notifies the covered entity no later than 60 calendar
# days after its discovery.
BUSINESS_ASSOCIATE_NOTICE_DAYS = Limit(
    60, "45 CFR 164.410(b)", "calendar days after discovery, at the latest, to notify the entity"
)

# 45 CFR 164.412(b): an oral law-enforcement statement delays notice no longer than 30 days from
# the statement, unless a written statement is submitted during that time.
ORAL_DELAY_DAYS = Limit(
    30, "45 CFR 164.412(b)", "days from an oral statement that notice may be delayed, at most"
)

# 45 CFR 160.103, definition of "State": the several States, the District of Columbia, Puerto
# Rico, the Virgin Islands, Guam, American Samoa and the Northern Mariana Islands. Media notice
# (164.406) is counted per State or jurisdiction; the codes are the USPS two-letter codes.
STATES_CITATION = "45 CFR 160.103 (State)"
STATES: frozenset[str] = frozenset(
    {
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA",
        "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD",
        "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
        "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC",
        "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
    }
)  # fmt: skip
OTHER_JURISDICTIONS: frozenset[str] = frozenset({"DC", "PR", "GU", "VI", "AS", "MP"})
JURISDICTIONS: frozenset[str] = STATES | OTHER_JURISDICTIONS
