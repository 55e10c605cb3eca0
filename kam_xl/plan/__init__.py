"""kam_xl.plan."""
