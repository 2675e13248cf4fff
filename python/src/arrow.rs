//! Arrow string arrays in and out through the Arrow C data interface (the
//! PyCapsule protocol: `__arrow_c_array__`), so that no Python object is
//! made per string.
//!
//! In: every chunk's `__arrow_c_array__()` gives two capsules, a schema and
//! an array; arrow-rs imports them ([`from_ffi`]) without copying the
//! buffers, and the import is validated in full (offsets and UTF-8), since
//! the producer could be anything. Out: the cleaned strings are written into
//! one new values buffer per chunk with new offsets; the input's validity
//! bitmap is shared as it is, so nulls stay null. The result is exported
//! the same way and handed to `pyarrow.array`.

use std::borrow::Cow;
use std::ffi::CStr;

use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi};
use arrow_array::{Array, GenericStringArray, OffsetSizeTrait, make_array};
use arrow_buffer::{Buffer, OffsetBuffer, ScalarBuffer};
use arrow_data::ArrayData;
use arrow_schema::{ArrowError, DataType};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods, PyList, PyTuple};

const SCHEMA: &CStr = c"arrow_schema";
const ARRAY: &CStr = c"arrow_array";

/// An exported array waiting for its consumer: the object
/// `pyarrow.array()` reads through `__arrow_c_array__`.
#[pyclass(module = "zhclean", frozen)]
pub(crate) struct ArrowExport {
    schema: Py<PyCapsule>,
    array: Py<PyCapsule>,
}

#[pymethods]
impl ArrowExport {
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        // The array is exported in its own type; a consumer that wants
        // another one casts it (the protocol allows ignoring the request).
        let _ = requested_schema;
        PyTuple::new(py, [self.schema.clone_ref(py), self.array.clone_ref(py)])
    }
}

/// One imported chunk, kept alive while its strings are borrowed.
enum Chunk {
    Small(GenericStringArray<i32>),
    Large(GenericStringArray<i64>),
}

impl Chunk {
    fn strings(&self) -> Vec<Option<&str>> {
        match self {
            Chunk::Small(a) => a.iter().collect(),
            Chunk::Large(a) => a.iter().collect(),
        }
    }
}

/// Imports one chunk through `__arrow_c_array__`.
fn import(chunk: &Bound<'_, PyAny>) -> PyResult<Chunk> {
    let pair = chunk.call_method0("__arrow_c_array__")?;
    let pair = pair.cast::<PyTuple>()?;
    let schema_capsule = pair.get_item(0)?.cast_into::<PyCapsule>()?;
    let array_capsule = pair.get_item(1)?.cast_into::<PyCapsule>()?;
    let schema_ptr = schema_capsule.pointer_checked(Some(SCHEMA))?;
    let array_ptr = array_capsule.pointer_checked(Some(ARRAY))?;
    // SAFETY: the capsules are named as the protocol says, so they hold an
    // ArrowSchema and an ArrowArray. `from_raw` moves the array out and
    // marks the capsule's copy released (as the protocol asks of a
    // consumer); the schema is only read while its capsule is alive.
    let data = unsafe {
        let array = FFI_ArrowArray::from_raw(array_ptr.as_ptr().cast());
        let schema = &*(schema_ptr.as_ptr() as *const FFI_ArrowSchema);
        from_ffi(array, schema)
    }
    .map_err(|e| PyValueError::new_err(format!("importing an Arrow array: {e}")))?;
    validate(&data).map_err(|e| PyValueError::new_err(format!("invalid Arrow array: {e}")))?;
    let array = make_array(data);
    match array.data_type() {
        DataType::Utf8 => Ok(Chunk::Small(GenericStringArray::<i32>::from(array.to_data()))),
        DataType::LargeUtf8 => Ok(Chunk::Large(GenericStringArray::<i64>::from(array.to_data()))),
        other => Err(PyTypeError::new_err(format!(
            "clean_arrow takes string or large_string arrays, not {other}"
        ))),
    }
}

/// Checks an imported array as `ArrayData::validate_full` does (an array
/// with no children), but for string arrays with the UTF-8 of the values
/// checked by simdutf8 in one pass over all of them: arrow-rs checks it with
/// `std::str::from_utf8`, which cost 8% of a `clean_arrow` call on Chinese
/// text. When the fast check fails, arrow-rs's own check runs, for its
/// message.
fn validate(data: &ArrayData) -> Result<(), ArrowError> {
    data.validate()?;
    data.validate_nulls()?;
    let fast = match data.data_type() {
        DataType::Utf8 => strings_valid::<i32>(data),
        DataType::LargeUtf8 => strings_valid::<i64>(data),
        _ => false,
    };
    if fast { Ok(()) } else { data.validate_values() }
}

/// Whether the offsets of a string array (whose buffers `validate` found
/// big enough) never decrease, stay in its values, and cut them into valid
/// UTF-8: the span from the first offset to the last is valid UTF-8 and
/// every offset falls on a character boundary of it.
fn strings_valid<O: OffsetSizeTrait>(data: &ArrayData) -> bool {
    if data.is_empty() {
        return true;
    }
    let (Some(offsets), Some(values)) = (data.buffers().first(), data.buffers().get(1)) else {
        return false;
    };
    let offsets: &[O] = offsets.typed_data();
    let Some(offsets) = offsets.get(data.offset()..data.offset() + data.len() + 1) else {
        return false;
    };
    let values = values.as_slice();
    let Some(first) = offsets[0].to_usize() else { return false };
    let mut prev = first;
    for o in &offsets[1..] {
        match o.to_usize() {
            Some(o) if o >= prev && o <= values.len() => prev = o,
            _ => return false,
        }
    }
    let span = &values[first..prev];
    if simdutf8::basic::from_utf8(span).is_err() {
        return false;
    }
    // A byte of the form 0b10xx_xxxx continues a character: no string may
    // start there. (The span's end is a boundary, the span being valid.)
    offsets.iter().all(|o| span.get(o.as_usize() - first).is_none_or(|&b| (b as i8) >= -0x40))
}

/// A string array of the input's type holding `texts`, with the input's
/// validity (null slots have empty values).
fn build<O: OffsetSizeTrait>(
    input: &GenericStringArray<O>,
    texts: &[Option<Cow<'_, str>>],
) -> PyResult<GenericStringArray<O>> {
    let total: usize = texts.iter().map(|t| t.as_ref().map_or(0, |t| t.len())).sum();
    if O::from_usize(total).is_none() {
        return Err(PyValueError::new_err(format!(
            "cleaned chunk holds {total} bytes, too many for a string array: use large_string"
        )));
    }
    let mut values = Vec::with_capacity(total);
    let mut offsets = Vec::with_capacity(texts.len() + 1);
    offsets.push(O::usize_as(0));
    for t in texts {
        if let Some(t) = t {
            values.extend_from_slice(t.as_bytes());
        }
        offsets.push(O::usize_as(values.len()));
    }
    let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
    // SAFETY: the offsets start at 0, never decrease and end at the length
    // of `values`, which is the concatenation of whole `str`s.
    Ok(unsafe {
        GenericStringArray::<O>::new_unchecked(
            offsets,
            Buffer::from_vec(values),
            input.nulls().cloned(),
        )
    })
}

fn export<'py>(py: Python<'py>, array: &dyn Array) -> PyResult<Bound<'py, PyAny>> {
    let data = array.to_data();
    let schema = FFI_ArrowSchema::try_from(data.data_type())
        .map_err(|e| PyValueError::new_err(format!("exporting an Arrow array: {e}")))?;
    let ffi_array = FFI_ArrowArray::new(&data);
    // The capsules own the structs; dropping them releases whatever the
    // consumer did not take.
    let schema = PyCapsule::new_with_value(py, schema, SCHEMA)?.unbind();
    let array = PyCapsule::new_with_value(py, ffi_array, ARRAY)?.unbind();
    let holder = Bound::new(py, ArrowExport { schema, array })?;
    py.import("pyarrow")?.getattr("array")?.call1((holder,))
}

/// Cleans a pyarrow `Array` or `ChunkedArray` of strings with `clean`,
/// which maps the strings of all the chunks at once (the GIL released).
pub(crate) fn clean<'py>(
    input: &Bound<'py, PyAny>,
    clean: impl for<'a> Fn(&[Option<&'a str>]) -> Vec<Option<Cow<'a, str>>> + Sync,
) -> PyResult<Bound<'py, PyAny>> {
    let py = input.py();
    let chunked = !input.hasattr("__arrow_c_array__")? && input.hasattr("chunks")?;
    let pieces: Vec<Bound<'py, PyAny>> = if chunked {
        input.getattr("chunks")?.try_iter()?.collect::<PyResult<_>>()?
    } else if input.hasattr("__arrow_c_array__")? {
        vec![input.clone()]
    } else {
        return Err(PyTypeError::new_err(
            "clean_arrow takes a pyarrow Array or ChunkedArray (or any object with \
             __arrow_c_array__) of strings",
        ));
    };
    let chunks = pieces.iter().map(import).collect::<PyResult<Vec<_>>>()?;
    // All chunks go to the pool together, so many small chunks still keep
    // every thread busy.
    let strings: Vec<Vec<Option<&str>>> = chunks.iter().map(Chunk::strings).collect();
    let flat: Vec<Option<&str>> = strings.iter().flatten().copied().collect();
    let built = py.detach(|| {
        let cleaned = clean(&flat);
        let mut rest = cleaned.as_slice();
        let mut out = Vec::with_capacity(chunks.len());
        for (chunk, s) in chunks.iter().zip(&strings) {
            let (mine, tail) = rest.split_at(s.len());
            rest = tail;
            out.push(match chunk {
                Chunk::Small(a) => build(a, mine).map(|b| Box::new(b) as Box<dyn Array + Send>),
                Chunk::Large(a) => build(a, mine).map(|b| Box::new(b) as Box<dyn Array + Send>),
            });
        }
        out
    });
    let mut arrays = Vec::with_capacity(built.len());
    for b in built {
        arrays.push(export(py, b?.as_ref())?);
    }
    if chunked {
        let list = PyList::new(py, arrays)?;
        let pa = py.import("pyarrow")?;
        return pa.getattr("chunked_array")?.call1((list, input.getattr("type")?));
    }
    Ok(arrays.pop().expect("one chunk"))
}
