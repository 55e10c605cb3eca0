"""kam_xl.execution."""
