"""Finds the ONNX Runtime shared library shipped by the ``onnxruntime`` wheel.

The package is located with :func:`importlib.util.find_spec`, which does **not** import it: the
onnxruntime Python module is never loaded, only its ``capi/libonnxruntime.so*`` file is handed to
the engine as ``ort_library_path``.
"""

from __future__ import annotations

import glob
import importlib.util
import os
from typing import Optional

# Most specific name first; versioned names (libonnxruntime.so.1.31.1) sort last-wins.
_PATTERNS = ("libonnxruntime.so", "libonnxruntime.so.*", "libonnxruntime*.dylib", "onnxruntime.dll")


def find_onnxruntime_library() -> Optional[str]:
    """Absolute path of ``libonnxruntime`` inside the installed ``onnxruntime`` package, or None."""
    try:
        spec = importlib.util.find_spec("onnxruntime")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        capi = os.path.join(root, "capi")
        for pattern in _PATTERNS:
            hits = sorted(p for p in glob.glob(os.path.join(capi, pattern)) if os.path.isfile(p))
            if hits:
                return os.path.abspath(hits[-1])
    return None
