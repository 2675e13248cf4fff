"""Clean messy Chinese text, and convert it exactly as OpenCC 1.4.2 does.

The pipeline of the ``zhclean`` command (repair, normalise, optional OpenCC
conversion), in-process::

    >>> import zhclean
    >>> zhclean.clean("斯科特?丹恩（Scott Dunn）说", convert="s2t")
    '斯科特·丹恩（Scott Dunn）說'

Options (keyword-only, the command line's flags):

- ``convert``: an OpenCC config, a built-in name (``s2t``, ``t2s``, ``s2twp``,
  ...) or the path of an OpenCC JSON config (``--convert``);
- ``no_rules``: rule names to switch off, a sequence or one comma-separated
  string (``--no-rule``; the names are in ``zhclean.RULES``);
- ``html``: ``"auto"``, ``"strip"`` or ``"keep"`` (``--html``);
- ``quotes``: ``"keep"``, ``"curly"`` or ``"corner"`` (``--quotes``);
- ``dicts``: user dictionaries in OpenCC text format, whose entries win
  (``--dict``; needs ``convert``);
- ``include_tofu_risk``: include dictionaries marked ``may_output_tofu``.

A text gives exactly the text ``zhclean --jsonl`` writes for a record holding
it. Bad options raise ``ValueError`` with the command line's message; a
dictionary that cannot be read raises ``OSError``.

For many texts build a :class:`Cleaner` once: ``clean_batch`` (lists) and
``clean_arrow`` (pyarrow arrays) release the GIL and use several cores, and a
cleaner pickles (it is rebuilt from its options), so it can be shipped to
Spark executors and Ray workers.
"""

from __future__ import annotations

import functools
from typing import Any, Iterable, Optional, Tuple, Union

from ._zhclean import RULES, ArrowExport, Cleaner, Converter, __version__, decode

__all__ = ["Cleaner", "Converter", "RULES", "clean", "decode", "__version__"]

del ArrowExport  # an implementation detail of Cleaner.clean_arrow


def _rebuild(cls: type, kwargs: dict, *args: Any) -> Any:
    """Unpickles a Cleaner or Converter: builds it again from its options."""
    return cls(*args, **kwargs)


@functools.lru_cache(maxsize=16)
def _cached(convert, no_rules, html, quotes, include_tofu_risk) -> Cleaner:
    return Cleaner(
        convert=convert,
        no_rules=no_rules,
        html=html,
        quotes=quotes,
        include_tofu_risk=include_tofu_risk,
        threads=1,
    )


def clean(
    text: str,
    *,
    convert: Optional[str] = None,
    no_rules: Union[str, Iterable[str]] = (),
    html: str = "auto",
    quotes: str = "keep",
    dicts: Union[str, Iterable[str]] = (),
    include_tofu_risk: bool = False,
) -> str:
    """Cleans one text with the command line's pipeline and options.

    Cleaners for recent option sets are kept, so calling this in a loop does
    not rebuild the pipeline each time (except with ``dicts``, whose files
    are read again on every call).
    """
    if isinstance(no_rules, str):
        no_rules = (no_rules,)
    rules: Tuple[str, ...] = tuple(no_rules)
    if isinstance(dicts, str) or hasattr(dicts, "__fspath__"):
        dicts = (dicts,)  # type: ignore[assignment]
    dict_list = list(dicts)  # type: ignore[arg-type]
    if dict_list:
        cleaner = Cleaner(
            convert=convert,
            no_rules=rules,
            html=html,
            quotes=quotes,
            dicts=dict_list,
            include_tofu_risk=include_tofu_risk,
            threads=1,
        )
    else:
        cleaner = _cached(convert, rules, html, quotes, include_tofu_risk)
    return cleaner.clean(text)
