"""The installed package carries every file semcheck reads at run time.

CI installs with ``pip install '.[test]'`` (not editable), so a file that is not declared as
package data is missing there although every test passes in a developer's editable checkout.
The native backend reads its C runtime from the package (``checker/native.py``).
"""

from importlib import resources


def test_the_native_backends_c_runtime_is_installed_with_the_package():
    runtime = resources.files("semcheck.checker").joinpath("native_bfs.c")
    assert runtime.is_file()
    assert "search_run" in runtime.read_text(encoding="utf-8")
