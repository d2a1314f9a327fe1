"""Galleries, faces, typed meta and exact similarity search: embedded SQLite plus scale-out."""
