"""kam_xl: key retail account management in Excel (plan, store tabs, SR files, review, e-mail)."""

__version__ = "0.1.0"
