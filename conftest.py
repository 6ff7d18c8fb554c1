"""Collection at the repository root: a module of an optional extra is not collected (for its
doctests) where the extra is not installed (``mdmtheory.torch_oracle`` needs ``[torch]``)."""

import importlib.util


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


collect_ignore = [] if _installed("torch") else ["mdmtheory/torch_oracle.py", "mdmtheory/tiny_mdm.py"]
