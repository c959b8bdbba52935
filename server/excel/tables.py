"""Reading and writing spreadsheets: XLSX (openpyxl) and CSV (UTF-8, with or without BOM, or GB18030)."""
import csv
import io
import zipfile

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

MAX_BYTES = 20 * 1024 * 1024


class BadFile(Exception):
    """The file as a whole cannot be read (type, size, encoding, no rows); the message is an id."""


def read_rows(data: bytes, filename: str) -> tuple[list[str], list[list]]:
    """Header and data rows of the first sheet of an XLSX file or of a CSV file."""
    if len(data) > MAX_BYTES:
        raise BadFile("The file is larger than 20 MB.")
    name = filename.lower()
    if name.endswith(".xlsx") or data[:2] == b"PK":
        try:
            ws = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError):
            raise BadFile("This is not an XLSX or CSV file.") from None
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
    elif name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise BadFile("This is not an XLSX or CSV file.")
        rows = list(csv.reader(io.StringIO(text)))
    else:
        raise BadFile("This is not an XLSX or CSV file.")
    rows = [r for r in rows if any(c not in (None, "") for c in r)]
    if len(rows) < 2:
        raise BadFile("The file has no data rows.")
    header = [str(c).strip() if c is not None else "" for c in rows[0]]
    return header, rows[1:]


class Columns:
    """Where an import's known columns are in its header row, which required ones are missing (as
    row errors), and each cell as trimmed text."""

    def __init__(self, header: list[str], columns, required):
        self.missing = [{"row": 1, "column": c, "message": "This column is missing."} for c in required
                        if c not in header]
        self.index = {c: header.index(c) for c in columns if c in header}

    def cell(self, raw: list, column: str) -> str:
        i = self.index.get(column)
        if i is None or i >= len(raw) or raw[i] is None:
            return ""
        value = raw[i]
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # Excel stores 户号 101 or a phone number as 101.0
        return str(value).strip()


def _safe(value):
    """Text that a spreadsheet would run as a formula (=, +, -, @) is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def write_xlsx(header: list[str], rows, title: str) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    ws.append(header)
    for row in rows:
        ws.append([_safe(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def write_csv(header: list[str], rows) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    for row in rows:
        w.writerow(["" if v is None else _safe(v) for v in row])
    return out.getvalue().encode("utf-8-sig")  # the BOM makes Excel read it as UTF-8
