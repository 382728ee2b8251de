//! The lines of a saved log, sliced out of the reader's buffer a whole buffer
//! at a time, for `--from-file`.
//!
//! A day of journals from a hundred nodes is millions of lines. Work done once
//! per buffer instead of once per line is what keeps reading them near
//! `grep`'s cost: no copy of each line, the buffer checked as UTF-8 once (by
//! SIMD: `std`'s check was a twentieth of the work of a summary), and
//! its ASCII letters lower-cased once (the classifier reads lower-cased text).
//! Only a line cut by the buffer's end, or one in a buffer that is not UTF-8,
//! is put together and looked at on its own.

use std::io::{self, BufRead};

/// One line of the input.
pub(crate) struct Line<'a> {
    /// The line without its `\n`; bytes that were not UTF-8 replaced.
    pub(crate) text: &'a str,
    /// `text` with its ASCII letters lower-cased: same length, same char
    /// boundaries.
    pub(crate) lower: &'a str,
}

impl<'a> Line<'a> {
    /// The lower-cased twin of `part`, when `part` is a slice of `text` (not
    /// text decoded or stripped from it).
    pub(crate) fn lower_of(&self, part: &str) -> Option<&'a str> {
        let start = (part.as_ptr() as usize).checked_sub(self.text.as_ptr() as usize)?;
        let end = start.checked_add(part.len())?;
        (end <= self.text.len()).then(|| &self.lower[start..end])
    }
}

/// Calls `each` with every line of `input`, until the input ends or
/// `closed()` says to stop; gives the number of lines.
///
/// # Errors
/// Reading `input`, or an error of `each`.
pub(crate) fn each_line(
    mut input: impl BufRead,
    closed: impl Fn() -> bool,
    mut each: impl FnMut(Line<'_>) -> io::Result<()>,
) -> io::Result<u64> {
    let mut partial = Vec::new();
    let mut lower = String::new();
    let mut count = 0;
    while !closed() {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            if !partial.is_empty() {
                count += 1;
                alone(&partial, &mut each)?;
            }
            break;
        }
        let used = chunk.len();
        let Some(last) = memchr::memrchr(b'\n', chunk) else {
            partial.extend_from_slice(chunk);
            input.consume(used);
            continue;
        };
        let mut start = 0;
        if !partial.is_empty() {
            let first = memchr::memchr(b'\n', chunk).unwrap_or(last);
            partial.extend_from_slice(&chunk[..first]);
            count += 1;
            alone(&partial, &mut each)?;
            partial.clear();
            start = first + 1;
        }
        // The lines after the one completed, up to the buffer's last `\n`.
        if let Some(whole) = chunk.get(start..last) {
            count += match simdutf8::basic::from_utf8(whole) {
                Ok(text) => buffer(text, &mut lower, &closed, &mut each)?,
                Err(_) => whole
                    .split(|c| *c == b'\n')
                    .try_fold(0, |n, line| alone(line, &mut each).map(|()| n + 1))?,
            };
        }
        partial.extend_from_slice(&chunk[last + 1..]);
        input.consume(used);
    }
    Ok(count)
}

/// The lines of `text` (whole lines, the last without its `\n`), lower-cased
/// into `lower` at once; gives how many were read before `closed()`.
fn buffer(
    text: &str,
    lower: &mut String,
    closed: &impl Fn() -> bool,
    each: &mut impl FnMut(Line<'_>) -> io::Result<()>,
) -> io::Result<u64> {
    lower.clear();
    lower.push_str(text);
    lower.make_ascii_lowercase();
    let mut count = 0;
    let mut start = 0;
    loop {
        let end =
            memchr::memchr(b'\n', &text.as_bytes()[start..]).map_or(text.len(), |i| start + i);
        each(Line {
            text: &text[start..end],
            lower: &lower[start..end],
        })?;
        count += 1;
        if end == text.len() || closed() {
            return Ok(count);
        }
        start = end + 1;
    }
}

/// One line on its own: checked as UTF-8 (replacing what is not) and
/// lower-cased by itself.
fn alone(raw: &[u8], each: &mut impl FnMut(Line<'_>) -> io::Result<()>) -> io::Result<()> {
    let text = String::from_utf8_lossy(raw);
    let lower = text.to_ascii_lowercase();
    each(Line {
        text: &text,
        lower: &lower,
    })
}

#[cfg(test)]
mod tests {
    use std::io::BufReader;

    use super::*;

    /// Every line `each_line` gives, with its lower-cased twin, reading
    /// through a buffer of `capacity` bytes.
    fn read(input: &[u8], capacity: usize) -> Vec<(String, String)> {
        let mut lines = Vec::new();
        let n = each_line(
            BufReader::with_capacity(capacity, input),
            || false,
            |line| {
                lines.push((line.text.to_owned(), line.lower.to_owned()));
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(n, lines.len() as u64);
        lines
    }

    #[test]
    fn lines_are_those_of_the_input_at_any_buffer_size() {
        let mut input = b"Ping timeout from 10.0.0.2:24100\r\n\nSent PING to x\n".to_vec();
        input.extend_from_slice(b"bad \xff byte: Connection reset\n");
        input.extend_from_slice(
            "\u{26a0}\u{fe0f} Skipping block production\nlast without newline".as_bytes(),
        );
        let want: Vec<String> = String::from_utf8_lossy(&input)
            .split('\n')
            .map(str::to_owned)
            .collect();
        for input in [&input[..], &input[..input.len() - 20], b"\n\n", b"", b"x"] {
            let want: Vec<String> = if input.is_empty() {
                Vec::new()
            } else {
                String::from_utf8_lossy(input.strip_suffix(b"\n").unwrap_or(input))
                    .split('\n')
                    .map(str::to_owned)
                    .collect()
            };
            for capacity in [1, 2, 3, 7, 16, 64, 1 << 20] {
                let lines = read(input, capacity);
                let texts: Vec<&String> = lines.iter().map(|(t, _)| t).collect();
                assert_eq!(
                    texts,
                    want.iter().collect::<Vec<_>>(),
                    "capacity {capacity}"
                );
                for (text, lower) in &lines {
                    assert_eq!(*lower, text.to_ascii_lowercase());
                }
            }
        }
        assert_eq!(want.len(), 6);
    }

    #[test]
    fn a_closed_reader_stops_the_lines() {
        let seen = std::cell::Cell::new(0);
        let n = each_line(
            "a\nb\nc\n".as_bytes(),
            || seen.get() >= 1,
            |_| {
                seen.set(seen.get() + 1);
                Ok(())
            },
        );
        assert_eq!(n.unwrap(), 1);
    }

    #[test]
    fn a_part_of_the_line_has_its_lower_twin() {
        let mut checked = false;
        each_line(
            "Dec 17 HOST: Reset By Peer\n".as_bytes(),
            || false,
            |line| {
                assert_eq!(line.lower_of(&line.text[13..]), Some("reset by peer"));
                assert_eq!(line.lower_of("elsewhere"), None);
                checked = true;
                Ok(())
            },
        )
        .unwrap();
        assert!(checked);
    }
}
