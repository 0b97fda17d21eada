"""sheets layer (see DESIGN.md)."""
