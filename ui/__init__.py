"""The desktop window (PySide6), started with ``allocator gui [PROJECT.gpkg]``.

Modules: ``app`` (start-up), ``main_window``, ``map_view``, ``tables`` and
``models`` (tables with validated, undoable edits), ``results`` and
``charts`` (KPIs, explanations, charts), ``progress_view``, ``import_wizard``
with ``import_mapping``, ``rules_editor``, ``export_dialog``, ``workers``
(worker threads), ``errors`` (the one error channel), ``language`` (languages
and the bundled font) and ``screen``. Only this package imports Qt.
"""
