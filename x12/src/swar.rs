//! Eight-bytes-at-a-time (SWAR) byte searches for the hot scans, in safe code.
//!
//! X12 segments are short (20–30 bytes) with a separator every few bytes, so a
//! `memchr` call per segment or per element spends more time in setup than in
//! searching; testing a `u64` word for the separator and the terminator at once
//! and walking the matching bits is faster.

const LO: u64 = 0x0101_0101_0101_0101;
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// High bit set in every byte of `x` that is zero (exact: no false positives, so it is
/// correct for bytes ≥ 0x80 and for several matches in one word).
#[inline(always)]
fn zero_bytes(x: u64) -> u64 {
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

#[inline(always)]
fn word(chunk: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(chunk);
    u64::from_le_bytes(w)
}

/// Position of the first `b` in `hay`: SWAR over the first 64 bytes, `memchr` after.
#[inline]
pub(crate) fn find_byte(hay: &[u8], b: u8) -> Option<usize> {
    let m = LO * u64::from(b);
    let head = hay.get(..64).unwrap_or(hay);
    let mut chunks = head.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let z = zero_bytes(word(chunk) ^ m);
        if z != 0 {
            return Some(base + (z.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    for (j, &c) in chunks.remainder().iter().enumerate() {
        if c == b {
            return Some(base + j);
        }
    }
    let from = head.len();
    memchr::memchr(b, hay.get(from..).unwrap_or(&[])).map(|i| from + i)
}

/// Scans one segment from `start`: pushes the start of every element after an element
/// separator `sep` and returns the position of the terminator `term` (or the input
/// length).
#[inline]
pub(crate) fn scan_segment(
    input: &[u8],
    start: usize,
    sep: u8,
    term: u8,
    elems: &mut Vec<u32>,
) -> usize {
    let sm = LO * u64::from(sep);
    let tm = LO * u64::from(term);
    let rest = input.get(start..).unwrap_or(&[]);
    let mut chunks = rest.chunks_exact(8);
    let mut base = start;
    for chunk in &mut chunks {
        let w = word(chunk);
        let ms = zero_bytes(w ^ sm);
        let mt = zero_bytes(w ^ tm);
        let mut m = ms;
        if mt != 0 {
            let tbit = mt.trailing_zeros();
            m &= (1u64 << tbit) - 1;
            while m != 0 {
                elems.push((base + (m.trailing_zeros() / 8) as usize + 1) as u32);
                m &= m - 1;
            }
            return base + (tbit / 8) as usize;
        }
        while m != 0 {
            elems.push((base + (m.trailing_zeros() / 8) as usize + 1) as u32);
            m &= m - 1;
        }
        base += 8;
    }
    for (j, &b) in chunks.remainder().iter().enumerate() {
        if b == term {
            return base + j;
        }
        if b == sep {
            elems.push((base + j + 1) as u32);
        }
    }
    input.len()
}

/// Pushes `i + 1` for every position `i` of `b` in `hay` (the element starts of a
/// segment's content).
#[inline]
pub(crate) fn push_after_each(hay: &[u8], b: u8, out: &mut Vec<u32>) {
    let m = LO * u64::from(b);
    let mut chunks = hay.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let mut z = zero_bytes(word(chunk) ^ m);
        while z != 0 {
            out.push((base + (z.trailing_zeros() / 8) as usize + 1) as u32);
            z &= z - 1;
        }
        base += 8;
    }
    for (j, &c) in chunks.remainder().iter().enumerate() {
        if c == b {
            out.push((base + j + 1) as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The naive oracle: one byte at a time.
    fn naive(input: &[u8], start: usize, sep: u8, term: u8, elems: &mut Vec<u32>) -> usize {
        for (i, &b) in input.iter().enumerate().skip(start) {
            if b == term {
                return i;
            }
            if b == sep {
                elems.push(i as u32 + 1);
            }
        }
        input.len()
    }

    fn inputs() -> Vec<Vec<u8>> {
        // Delimiters next to each other, next to high bytes (0x7F/0x80/0xFF/0xFE are
        // the borrow-carry traps of SWAR), at word boundaries and in the memchr tail.
        let alphabet = [
            b'*', b'~', b'a', 0x00, 0x7F, 0x80, 0xFE, 0xFF, 0x29, 0x2B, 0x7D, b'\n', b'^',
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut out = Vec::new();
        for len in 0..150 {
            for _ in 0..30 {
                out.push(
                    (0..len)
                        .map(|_| {
                            state = state
                                .wrapping_mul(6_364_136_223_846_793_005)
                                .wrapping_add(1);
                            alphabet[(state >> 33) as usize % alphabet.len()]
                        })
                        .collect(),
                );
            }
        }
        for k in 0..80 {
            let mut v = vec![0xFFu8; 100];
            v[k] = b'~';
            out.push(v.clone());
            v[k] = b'*';
            out.push(v);
        }
        out
    }

    #[test]
    fn scan_segment_matches_naive_oracle() {
        for (sep, term) in [(b'*', b'~'), (0x80, 0xFF), (0x7F, 0x00), (b'^', b'\n')] {
            for input in inputs() {
                for start in [0, 1, 3, 5, 8, 9].into_iter().filter(|&s| s <= input.len()) {
                    let (mut a, mut b) = (Vec::new(), Vec::new());
                    let ea = scan_segment(&input, start, sep, term, &mut a);
                    let eb = naive(&input, start, sep, term, &mut b);
                    assert_eq!((ea, &a), (eb, &b), "{input:?} start {start}");
                }
            }
        }
    }

    #[test]
    fn push_after_each_matches_naive_oracle() {
        for b in [b'*', 0x80, 0xFF, 0x00, 0x7F] {
            for input in inputs() {
                let mut got = Vec::new();
                push_after_each(&input, b, &mut got);
                let want: Vec<u32> = (0..input.len())
                    .filter(|&i| input[i] == b)
                    .map(|i| i as u32 + 1)
                    .collect();
                assert_eq!(got, want, "{input:?} {b}");
            }
        }
    }

    #[test]
    fn find_byte_matches_naive_oracle() {
        for b in [b'~', b'*', 0x80, 0xFF, 0x00, 0x7F] {
            for input in inputs() {
                for start in [0, 1, 7].into_iter().filter(|&s| s <= input.len()) {
                    let hay = &input[start..];
                    assert_eq!(
                        find_byte(hay, b),
                        hay.iter().position(|&c| c == b),
                        "{hay:?} {b}"
                    );
                }
            }
        }
    }
}
