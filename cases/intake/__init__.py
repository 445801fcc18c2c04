"""Intake (pendataan): registering people and their cases, one at a time or an NGO's whole sheet at once.

    sheet.py        an uploaded or posted sheet: rows read, checked for shape, a result per row, errors as a file
    input.py        the shape of one intake as the API and a sheet's row take it
    references.py   regions and target groups known to the process: checking a code is no query
    services.py     `case_register` and `case_register_many`, the two services (imported from here)
    planner.py      each row checked in Python, the database asked once per question, rows saved together
    numbers.py      case numbers, consecutive per owning region and year
    look_alikes.py  new persons flagged when they look like someone already registered

Rows are written by the set-based row writer (`agencies.fastpath.rows`); a single intake and a sheet take the same path.
"""

from .services import Intake, RowResult, case_register, case_register_many

__all__ = ["Intake", "RowResult", "case_register", "case_register_many"]
