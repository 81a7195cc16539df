"""Moved to :mod:`palettes_stack.template`, the stack model the local stack shares with the tests and
``make invoke``. This name stays only while scripts/layer_size.py, tests/functions/test_template.py
and tests/e2e/test_runtime.py still import it from here; new code imports palettes_stack.template.
"""

from palettes_stack.template import FunctionSpec, load_template

__all__ = ["FunctionSpec", "load_template"]
