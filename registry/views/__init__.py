"""The browser pages of the registry: thin views (parse → scoped lookup → service → render)."""
