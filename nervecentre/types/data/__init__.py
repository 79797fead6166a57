"""Declarative data for the value types (YAML files loaded by `nervecentre.types._data`)."""
