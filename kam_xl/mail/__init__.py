"""kam_xl.mail."""
