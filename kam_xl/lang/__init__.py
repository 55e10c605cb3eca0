"""kam_xl.lang."""
