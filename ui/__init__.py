"""The desktop window (PySide6). TODO(#3): the main window, workers and dialogs."""
