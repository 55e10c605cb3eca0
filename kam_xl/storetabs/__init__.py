"""kam_xl.storetabs."""
