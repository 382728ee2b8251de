//! The fuzzer's bytes read as a sequence of small choices, so that a structured
//! harness (which key signs, how far a timestamp is off) keeps working when an
//! input runs short: a missing byte reads as zero.

/// A cursor over the fuzzer's bytes.
pub(super) struct Input<'a> {
    bytes: &'a [u8],
}

impl<'a> Input<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Input { bytes }
    }

    /// The next `N` bytes, zero-padded past the end.
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let n = N.min(self.bytes.len());
        out[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        out
    }

    pub(super) fn byte(&mut self) -> u8 {
        self.take::<1>()[0]
    }

    pub(super) fn flag(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    pub(super) fn u16(&mut self) -> u16 {
        u16::from_be_bytes(self.take())
    }

    pub(super) fn u64(&mut self) -> u64 {
        u64::from_be_bytes(self.take())
    }

    /// Whatever is left.
    pub(super) fn rest(self) -> &'a [u8] {
        self.bytes
    }
}
