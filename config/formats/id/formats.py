# "4 Des 2026": the month's short name (MONTHS_3, title-cased by "M"), never a number a reader could swap.
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H.i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H.i"
YEAR_MONTH_FORMAT = "M Y"

# Typed dates: day first as Indonesians write them; ISO (Y-m-d) is always accepted too (Django adds it). The first
# of each list is what forms and the admin's calendar write into the box.
DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # '25/10/2026'
    "%d-%m-%Y",  # '25-10-2026'
    "%d/%m/%y",  # '25/10/26'
    "%d-%m-%y",  # '25-10-26'
]
TIME_INPUT_FORMATS = [
    "%H:%M:%S",  # '14:30:59', what the admin's "Now" writes
    "%H:%M",
    "%H.%M.%S",  # '14.30.59', as times are written in Indonesian
    "%H.%M",
]
DATETIME_INPUT_FORMATS = [
    f"{date} {time}" for date in DATE_INPUT_FORMATS for time in ("%H:%M:%S", "%H:%M", "%H.%M.%S", "%H.%M")
]
