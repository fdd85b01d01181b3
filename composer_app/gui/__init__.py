"""Qt widgets: main window, piano roll, panels. The only package that imports QtWidgets."""
