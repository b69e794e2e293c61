"""Tests of the pure file-format parsers (a package so module names cannot clash)."""
