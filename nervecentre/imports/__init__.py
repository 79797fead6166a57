"""Spreadsheet import: XLSX and CSV registers through declarative YAML mappings."""

from nervecentre.imports.mapping import Mapping, load_mapping
from nervecentre.imports.run import ImportReport, Reject, import_register

__all__ = ["ImportReport", "Mapping", "Reject", "import_register", "load_mapping"]
