"""kam_xl.metrics."""
