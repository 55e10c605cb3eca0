"""The version of kam_xl (one place; the package, the workbooks' _meta and the e-mails read it)."""

__version__ = "0.1.0"
