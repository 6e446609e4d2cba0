"""Roster spreadsheets: reading an uploaded CSV or XLSX (judged by its content, never its
name) into rows of text, and the template and exports (written by `portal.spreadsheets`).

Reading knows nothing of the database: it finds the header row, maps the Spanish
headers to fields and hands back every non-blank row with its spreadsheet row number,
so the messages people read ("fila 7") match what Excel shows them.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

from portal import spreadsheets
from portal.spreadsheets import SheetSpec, write_xlsx

HEADERS = ("DNI", "carné de extranjería", "nombres", "apellidos", "correo", "celular", "programa", "módulos declarados",
           "estado", "fecha de egreso", "departamento", "provincia", "sexo", "certificados")
FIELDS = ("dni", "ce", "first_names", "last_names", "email", "mobile", "programme", "modules",
          "status", "graduation_date", "department", "province", "sex", "certificates")
# Columns a file may leave out altogether (added after the first template: files made from it
# still read); their cells read as empty.
OPTIONAL_FIELDS = frozenset({"ce", "sex", "certificates"})
EXPORT_HEADERS = HEADERS + ("verificación", "colocado")
CERTIFICATE_SEPARATOR, CERTIFICATE_PARTS = ";", "|"  # «MÓDULO|N°|AAAA-MM-DD; …»

XLSX_MIMETYPE, CSV_MIMETYPE = spreadsheets.XLSX_MIMETYPE, spreadsheets.CSV_MIMETYPE

# A 5 MB upload may unpack to much more; a real 5,000-row sheet unpacks to ~3 MB.
MAX_UNZIPPED = 60 * 1024 * 1024
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97–2003) and other old Office files
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


class FileRefused(ValueError):
    """The whole file is refused; the message says why, in Spanish."""


@lru_cache(maxsize=8192)  # programme, module and place names repeat on every row
def fold(text: str | None) -> str:
    """Compare names the way people mean them: no accents, case or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", plain).strip().casefold()


_HEADER_FIELDS = {fold(header): field for header, field in zip(HEADERS, FIELDS, strict=True)}
_HEADER_FIELDS.update({"correo electronico": "email", "modulos": "modules", "telefono": "mobile",
                       # the first templates' name for the modules a student declares (ticks)
                       "modulos certificados": "modules",
                       "certificados modulares": "certificates",
                       "carnet de extranjeria": "ce", "ce": "ce"})


@dataclass
class Sheet:
    kind: str  # "csv" or "xlsx"
    rows: list[tuple[int, list[str]]]  # (row number in the file, values in FIELDS order)


def read_sheet(content: bytes, max_rows: int) -> Sheet:
    """The rows of an uploaded roster file, or FileRefused saying what is wrong with it."""
    if not content:
        raise FileRefused("El archivo está vacío.")
    if content.startswith(b"PK\x03\x04"):
        kind, raw_rows = "xlsx", _xlsx_rows(content)
    elif content.startswith(_OLE2):
        raise FileRefused("Es un archivo de Excel antiguo (.xls). Ábrelo en Excel y guárdalo como "
                          "«Libro de Excel (.xlsx)» o como «CSV UTF-8», y súbelo otra vez.")
    elif content.startswith(b"%PDF"):
        raise FileRefused("Es un PDF. Sube la lista como archivo CSV o XLSX (Excel), usando la plantilla.")
    else:
        kind, raw_rows = "csv", _csv_rows(content)
    header: dict[str, int] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, cells in raw_rows:
        if not any(cells):
            continue
        if header is None:
            header = _header_positions(cells)
            continue
        if len(rows) == max_rows:
            raise FileRefused(f"El archivo tiene más de {max_rows:,} filas de estudiantes, el máximo por archivo. "
                              "Divídelo en partes y súbelas una por una.")
        rows.append((number, [cells[header[f]] if f in header and header[f] < len(cells) else "" for f in FIELDS]))
    if header is None or not rows:
        raise FileRefused("El archivo no tiene filas de estudiantes: solo encabezados o nada. "
                          "Llena una fila por estudiante debajo de los encabezados.")
    return Sheet(kind=kind, rows=rows)


def _header_positions(cells: Sequence[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        field = _HEADER_FIELDS.get(fold(cell))
        if field and field not in positions:
            positions[field] = index
    missing = [header for header, field in zip(HEADERS, FIELDS, strict=True)
               if field not in positions and field not in OPTIONAL_FIELDS]
    if missing:
        raise FileRefused(
            f"{'Falta la columna' if len(missing) == 1 else 'Faltan las columnas'} {', '.join(missing)}. "
            f"La primera fila debe tener los encabezados de la plantilla: {', '.join(HEADERS)}."
        )
    return positions


# --- CSV --------------------------------------------------------------------------------------


def _decode(content: bytes) -> str:
    """UTF-8 (with or without BOM) as saved by «CSV UTF-8»; else Windows-1252, Excel's older default."""
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8):]
    for encoding in ("utf-8", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            pass
    return content.decode("latin-1")  # every byte is a character: never fails


def _csv_rows(content: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(content)
    if _CONTROL.search(text):
        raise FileRefused("El archivo no es un CSV ni un XLSX. Sube la lista como archivo CSV o XLSX "
                          "(Excel), usando la plantilla.")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    # Excel writes ";" where the decimal mark is a comma, "," elsewhere: the header line says which.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, [cell.strip() for cell in cells]
    except csv.Error:
        raise FileRefused("No pudimos leer el CSV: revisa que las comillas estén cerradas, "
                          "o guárdalo otra vez desde Excel como «CSV UTF-8».") from None


# --- XLSX -------------------------------------------------------------------------------------


def _check_zip(content: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise FileRefused("El archivo está dañado: no se puede abrir como XLSX. Ábrelo en Excel y guárdalo otra vez.") from None
    if "[Content_Types].xml" not in names:
        raise FileRefused("Es un archivo comprimido (ZIP), no una hoja de cálculo. Sube la lista como CSV o XLSX.")
    if "xl/workbook.xml" not in names:
        raise FileRefused("Es un documento de Office, pero no una hoja de Excel. Sube la lista como CSV o XLSX.")
    if unzipped > MAX_UNZIPPED:
        raise FileRefused("La hoja de cálculo es demasiado grande. Deja solo la lista de estudiantes y súbela otra vez.")


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list[str]]]:
    # openpyxl costs ~125 ms to import: only the requests that read a workbook pay it.
    from openpyxl import load_workbook

    _check_zip(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a broken workbook
        raise FileRefused("No pudimos leer la hoja de Excel. Ábrela en Excel, guárdala otra vez como .xlsx y vuelve a subirla.") from None
    try:
        sheet = _roster_sheet(workbook)
        sheet.reset_dimensions()  # some programs write a wrong size; read what is really there
        header_seen = False
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            if not header_seen:
                cells = [_cell_text(value) for value in values]
                header_seen = any(cells)
                dni_column = _column(cells, "dni")
                yield number, cells
                continue
            # A carné de extranjería's cell is read as its text, never as a number (its
            # letters and leading zeros are part of it): _cell_text keeps a text cell as typed.
            yield number, [_cell_text(value, index == dni_column) for index, value in enumerate(values)]
    except FileRefused:
        raise
    except Exception:
        raise FileRefused("No pudimos leer la hoja de Excel. Ábrela en Excel, guárdala otra vez como .xlsx y vuelve a subirla.") from None
    finally:
        workbook.close()


def _roster_sheet(workbook):
    """The first sheet whose first filled row has a DNI header (the template adds help sheets)."""
    for sheet in workbook.worksheets:
        for values in sheet.iter_rows(min_row=1, max_row=20, values_only=True):
            cells = [fold(_cell_text(v)) for v in values]
            if any(cells):
                if "dni" in cells:
                    return sheet
                break
    return workbook.worksheets[0]


def _column(cells: Sequence[str], field: str) -> int | None:
    fields = [_HEADER_FIELDS.get(fold(c)) for c in cells]
    return fields.index(field) if field in fields else None


def _cell_text(value, is_dni: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "sí" if value else "no"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        # A DNI typed into a number cell loses its leading zeros (01234567 → 1234567).
        return f"{value:08d}" if is_dni and 0 <= value < 10**8 else str(value)
    return _SPACES.sub(" ", str(value)).strip()


# --- Writing (the files themselves: `portal.spreadsheets`) -------------------------------------


def write_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """A header row, then the rows; dates as dd/mm/aaaa, as the import reads them back."""
    return spreadsheets.write_csv([headers, *rows])


# --- The template and the export -----------------------------------------------------------------

INSTRUCTIONS = (
    ("DNI", "Obligatorio si no tiene carné de extranjería. 8 dígitos, sin espacios ni guiones. "
     "Si el DNI ya está en tu CETPRO, la fila actualiza a ese estudiante."),
    ("carné de extranjería", "Solo para quien no tiene DNI: de 9 a 12 letras o números, tal como figura en el carné "
     "(con sus ceros a la izquierda). Cada fila lleva el DNI o el carné de extranjería, uno solo. "
     "Si el carné ya está en tu CETPRO, la fila actualiza a ese estudiante."),
    ("nombres", "Obligatorio."),
    ("apellidos", "Obligatorio."),
    ("correo", "Obligatorio y uno por estudiante: allí le llega el enlace para elegir su contraseña."),
    ("celular", "Opcional. 9 dígitos, empieza con 9."),
    ("programa", "Obligatorio. El programa de estudios tal como aparece en la hoja «Programas y módulos»."),
    ("módulos declarados", "Opcional. Los módulos que el estudiante aprobó, según él o ella, separados por punto y coma (;), "
     "como en la hoja «Programas y módulos». Se muestran como «Declarado por el estudiante». "
     "(Las plantillas anteriores llamaban a esta columna «módulos certificados»: se sigue leyendo.)"),
    ("estado", "Obligatorio: estudiante, egresado o titulado."),
    ("fecha de egreso", "Obligatoria para egresados y titulados, como dd/mm/aaaa (15/12/2024). No puede ser futura."),
    ("departamento", "Opcional, por nombre (con o sin tildes). Si lo dejas vacío, usamos el de tu CETPRO."),
    ("provincia", "Opcional, por nombre; debe estar en el departamento."),
    ("sexo", "Opcional: femenino, masculino o prefiero no decir. Solo para las cifras del seguimiento de egresados: "
     "nunca lo ven las empresas ni cuenta para las coincidencias."),
    ("certificados", "Opcional. Los certificados modulares que tu CETPRO emitió, separados por punto y coma (;), "
     "cada uno como MÓDULO|N° de registro|fecha de emisión: «Instalaciones eléctricas domiciliarias|0123-2026|2026-07-15». "
     "El módulo es uno de su programa; el número, único en tu CETPRO; la fecha (aaaa-mm-dd o dd/mm/aaaa), "
     "no futura. Se muestran como «Certificado por» tu CETPRO y cuentan más en las coincidencias. "
     "Un certificado ya registrado igual no se duplica; para anular uno, revócalo desde la ficha del estudiante."),
)
GENERAL_NOTES = (
    "Una fila por estudiante, hasta 5,000 por archivo. Deja la primera fila con los encabezados.",
    "Al actualizar a un estudiante, las celdas opcionales vacías no borran lo que ya tiene.",
    "Guarda como Libro de Excel (.xlsx) o como CSV UTF-8.",
)
_WIDTHS = (12, 16, 22, 22, 30, 12, 32, 60, 12, 16, 16, 18, 18, 60, 26, 10)


def template_xlsx(programme_modules: Iterable[Sequence[str]]) -> bytes:
    """The import template: an empty sheet to fill, the valid programmes and modules, and how to fill it."""
    return write_xlsx([
        SheetSpec("Estudiantes", HEADERS, [], widths=_WIDTHS, text_columns=(0, 1, 5)),
        SheetSpec("Programas y módulos", ("programa", "módulo"), programme_modules, widths=(40, 60)),
        SheetSpec("Instrucciones", ("columna", "cómo llenarla"),
                  [*INSTRUCTIONS, *(("", note) for note in GENERAL_NOTES)], widths=(24, 100)),
    ])


def export_xlsx(rows: Iterable[Sequence]) -> bytes:
    return write_xlsx([SheetSpec("Estudiantes", EXPORT_HEADERS, rows, widths=_WIDTHS, text_columns=(0, 1, 5))])
