//! Model outputs in buffers the engine owns, wiped before they are freed.
//!
//! Left to itself, ONNX Runtime allocates every output tensor (liveness logits, detector maps
//! and, above all, face embeddings, which are biometric templates) and frees it unwiped when the
//! value is dropped. [`run_wiped`] instead pre-allocates each output as a zeroed Rust buffer of the
//! exact shape the model writes (ORT's `OutputSelector::preallocate`), so the run writes into
//! memory the engine owns; after the caller has read them, every buffer is zeroized (volatile
//! writes, not optimised away) and only then freed, on success and on every error path.
//!
//! ONNX Runtime's own memory (intermediate activations, the run's memory-pattern block) comes
//! from the wiping allocator (`wiping_allocator.rs`) and is wiped when ORT frees it.

use ort::session::{OutputSelector, RunOptions, Session, SessionInputs};
use ort::value::Tensor;
use zeroize::Zeroize;

use crate::error::{Error, Result};

/// One output to pre-allocate: its name and the exact shape the model writes.
pub type OutputSpec<'a> = (&'a str, &'a [usize]);

/// Zeroizes a buffer handed to ONNX Runtime when dropped, so every path out of [`run_wiped`]
/// (a run error, a failed check, a panic in `read`) wipes it.
struct WipeOnDrop {
    data: *mut f32,
    len: usize,
}

impl Drop for WipeOnDrop {
    fn drop(&mut self) {
        // SAFETY: `data` points to `len` f32s owned by a tensor in the `RunOptions` that
        // `run_wiped` declares before every `WipeOnDrop`, so it is dropped after them: the
        // buffer is alive here. No other reference to it exists once the run has returned.
        unsafe { std::slice::from_raw_parts_mut(self.data, self.len) }.zeroize();
    }
}

/// Runs `session` on `inputs` with every output in `outputs` written into a zeroed buffer the
/// engine owns, and returns `read` of their data (in `outputs` order). The buffers are wiped
/// before this returns, whatever happens; `read` must copy out what it keeps.
///
/// An output whose shape the model does not produce fails the run with ORT's error, turned into
/// [`Error::Model`] naming `model` (the shapes are the caller's contract with the model file).
pub fn run_wiped<'i, 'v: 'i, const N: usize, T>(
    session: &mut Session,
    model: &str,
    inputs: impl Into<SessionInputs<'i, 'v, N>>,
    outputs: &[OutputSpec<'_>],
    read: impl FnOnce(&[&[f32]]) -> Result<T>,
) -> Result<T> {
    let mut selector = OutputSelector::no_default();
    let mut buffers = Vec::with_capacity(outputs.len());
    for &(name, shape) in outputs {
        let len = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).filter(|&n| n > 0).ok_or_else(|| {
            Error::Internal(format!("{model}: output `{name}` has an empty or overflowing shape {shape:?}"))
        })?;
        let mut tensor = Tensor::from_array((shape.to_vec(), vec![0f32; len].into_boxed_slice()))?;
        buffers.push((tensor.data_ptr_mut().cast::<f32>(), len));
        selector = selector.with(name).preallocate(name, tensor);
    }
    // The options own the buffers from here on. Locals drop in reverse order, so `wipes`,
    // declared after `options`, wipes every buffer before `options` frees it, on every path.
    let options = RunOptions::new()?.with_outputs(selector);
    let wipes: Vec<WipeOnDrop> = buffers.into_iter().map(|(data, len)| WipeOnDrop { data, len }).collect();
    let mut outs = session.run_with_options(inputs, &options).map_err(|e| Error::Model(format!("{model}: {e}")))?;
    for (&(name, shape), wipe) in outputs.iter().zip(&wipes) {
        let Some(value) = outs.get_mut(name) else {
            return Err(Error::Model(format!("{model}: output `{name}` missing")));
        };
        let (got, data) = value.try_extract_tensor_mut::<f32>()?;
        let dims: Vec<usize> = got.iter().map(|&d| d.max(0) as usize).collect();
        if dims != shape || data.as_ptr() != wipe.data.cast_const() {
            // Not our buffer: wipe ORT's before it frees it, and refuse.
            data.zeroize();
            return Err(Error::Model(format!(
                "{model}: output `{name}` came back as {dims:?}, not in the pre-allocated {shape:?} buffer"
            )));
        }
    }
    // SAFETY: each buffer is alive (owned by `options`) and, after the checks above, the one the
    // run wrote; the run has returned, so nothing writes to it while these shared views live.
    let views: Vec<&[f32]> =
        wipes.iter().map(|w| unsafe { std::slice::from_raw_parts(w.data.cast_const(), w.len) }).collect();
    let result = read(&views);
    drop(views);
    drop(outs);
    drop(wipes);
    drop(options);
    result
}
