//! Byte counting for the total-size and ratio limits of streamed archives.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

use crate::{Limit, Limits, RATIO_GRACE_BYTES};

/// Counts the bytes read through it into a shared cell.
pub(crate) struct Counting<R> {
    pub(crate) inner: R,
    pub(crate) count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get().saturating_add(n as u64));
        Ok(n)
    }
}

/// Counts decompressed bytes and fails the read once a limit is reached,
/// recording which one in `tripped`.
pub(crate) struct Metered<R> {
    pub(crate) inner: R,
    /// Compressed bytes consumed so far, when the stream is compressed.
    pub(crate) compressed: Option<Rc<Cell<u64>>>,
    pub(crate) out: u64,
    pub(crate) limits: Limits,
    pub(crate) tripped: Rc<Cell<Option<Limit>>>,
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.tripped.get().is_some() {
            return Err(io::Error::other("archive limit reached"));
        }
        let n = self.inner.read(buf)?;
        self.out = self.out.saturating_add(n as u64);
        let mut hit = None;
        if self.out > self.limits.max_total_bytes {
            hit = Some(Limit::TotalBytes);
        } else if let Some(compressed) = &self.compressed {
            let ratio = self.limits.max_ratio;
            if ratio > 0
                && self.out > RATIO_GRACE_BYTES
                && self.out > compressed.get().max(1).saturating_mul(ratio)
            {
                hit = Some(Limit::Ratio);
            }
        }
        if let Some(limit) = hit {
            self.tripped.set(Some(limit));
            return Err(io::Error::other("archive limit reached"));
        }
        Ok(n)
    }
}
