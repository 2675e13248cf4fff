"""Type stubs of the zhclean package (the native module and the Python helpers)."""

from os import PathLike
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, TypeVar, Union

_Path = Union[str, "PathLike[str]"]
_Names = Union[str, Iterable[str]]
_Paths = Union[_Path, Iterable[_Path]]
_A = TypeVar("_A")

__version__: str
RULES: Tuple[str, ...]
"""Every rule name, in pipeline order (the names ``no_rules`` takes)."""

def clean(
    text: str,
    *,
    convert: Optional[_Path] = None,
    no_rules: _Names = (),
    html: str = "auto",
    quotes: str = "keep",
    dicts: _Paths = (),
    include_tofu_risk: bool = False,
) -> str:
    """Cleans one text: what ``zhclean --jsonl`` writes for a record holding it."""

def decode(data: Union[bytes, bytearray, memoryview], *, encoding: Optional[str] = None) -> Tuple[str, str, float]:
    """Decodes bytes as the command does: (text, encoding name, confidence 0..1).

    ``encoding`` forces a WHATWG label (``gbk``, ``big5``...). Binary data
    (PNG, PDF, NUL bytes...) raises ValueError.
    """

class Cleaner:
    """The pipeline of the ``zhclean`` command, built once; thread-safe and picklable.

    ``threads``: worker threads for ``clean_batch`` and ``clean_arrow``
    (0, the default: one per core; 1: the calling thread only).
    """

    def __init__(
        self,
        *,
        convert: Optional[_Path] = None,
        no_rules: Optional[_Names] = None,
        html: str = "auto",
        quotes: str = "keep",
        dicts: Optional[_Paths] = None,
        include_tofu_risk: bool = False,
        threads: int = 0,
    ) -> None: ...
    def clean(self, text: str) -> str:
        """Cleans one text (the GIL is released while it runs)."""
    def clean_counted(self, text: str) -> Tuple[str, Dict[str, int]]:
        """Cleans one text; also returns how many changes each rule made (rules that made none are absent)."""
    def clean_batch(self, texts: Sequence[Optional[str]]) -> List[Optional[str]]:
        """Cleans many texts in order, on the cleaner's threads, the GIL released. None stays None."""
    def clean_arrow(self, array: _A) -> _A:
        """Cleans a pyarrow string/large_string Array (-> Array) or ChunkedArray (-> ChunkedArray).

        Through the Arrow C data interface, the GIL released, on the cleaner's
        threads; same type, length and chunks; nulls stay null.
        """
    @property
    def options(self) -> Dict[str, Any]:
        """The keyword arguments that build the same cleaner."""
    @property
    def threads(self) -> int: ...
    def __reduce__(self) -> Tuple[Any, ...]: ...

class Converter:
    """OpenCC-exact conversion alone (no cleaning); thread-safe and picklable."""

    def __init__(self, config: _Path, *, dicts: Optional[_Paths] = None, include_tofu_risk: bool = False) -> None: ...
    def convert(self, text: str) -> str:
        """Converts one text, byte for byte as OpenCC 1.4.2 does."""
    @property
    def name(self) -> str:
        """The config's name."""
    def __reduce__(self) -> Tuple[Any, ...]: ...

def _rebuild(cls: type, kwargs: Dict[str, Any], *args: Any) -> Any: ...
