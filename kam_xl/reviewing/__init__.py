"""kam_xl.reviewing."""
