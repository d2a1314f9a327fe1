"""The desktop gallery manager: PySide6 views over Qt-free state, talking only to the client."""
