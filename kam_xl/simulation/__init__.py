"""kam_xl.simulation."""
