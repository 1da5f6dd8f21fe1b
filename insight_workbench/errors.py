"""The workbench's own error type: input that cannot be used.

Messages name the file, table, row and column, never a cell value or a raw line:
the data is personal.
"""


class InputError(Exception):
    """The input (snapshot, option, policy file) cannot be used. Views exit with code 2."""
