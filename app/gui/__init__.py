"""The desktop gallery manager (PySide6 + qasync); talks to servers only through the client."""
