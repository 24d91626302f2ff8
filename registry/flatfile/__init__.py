"""The flat CSV interchange format v1 (shared/validation/FORMAT.md): read, validate, load, export."""
