"""The examples in ``quality/``'s docstrings are run, so a wrong one fails the suite.

``quality/`` is pure and documents its functions by example; an example that no longer holds
(as ``expected_calibration_error``'s did) misleads the reader more than none.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import quality

MODULES = sorted(info.name for info in pkgutil.walk_packages(quality.__path__, prefix="quality."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} fail"
