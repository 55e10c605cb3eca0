"""kam_xl.model."""
