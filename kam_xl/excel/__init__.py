"""kam_xl.excel."""
