# The same shapes as in Indonesian (config/formats/id): "4 Dec 2026", and days before months when typed, since the
# offices are in Indonesia ("04/12/2026" is the 4th of December, never April).
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "M Y"

DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # '25/10/2026'
    "%d-%m-%Y",  # '25-10-2026'
    "%d/%m/%y",  # '25/10/26'
    "%d %b %Y",  # '25 Oct 2026'
]
TIME_INPUT_FORMATS = [
    "%H:%M:%S",  # '14:30:59'
    "%H:%M",
]
DATETIME_INPUT_FORMATS = [f"{date} {time}" for date in DATE_INPUT_FORMATS for time in ("%H:%M:%S", "%H:%M")]
