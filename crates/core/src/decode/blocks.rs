//! 64-byte block classification for the framer, after simdjson's stage 1 (Langdale & Lemire,
//! "Parsing Gigabytes of JSON per Second", 2019): one bit per byte for quotes, backslashes and
//! brackets, escapes resolved with carries between blocks, and the inside of strings found
//! with a prefix XOR. Finding a record's end then costs a few instructions per 64 bytes instead
//! of a branch per byte.

/// Bit masks of one 64-byte block; bit `k` is byte `k`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Masks {
    pub quote: u64,
    pub backslash: u64,
    /// `{` or `[`.
    pub open: u64,
    /// `}` or `]`.
    pub close: u64,
}

/// Classifies a block with SSE2, which every x86_64 processor has.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn classify(block: &[u8; 64]) -> Masks {
    use core::arch::x86_64::*;
    // SAFETY: SSE2 is part of the x86_64 baseline, so these intrinsics are always available;
    // the four unaligned loads read exactly the 64 bytes of `block`.
    unsafe {
        let p = block.as_ptr() as *const __m128i;
        let v = [
            _mm_loadu_si128(p),
            _mm_loadu_si128(p.add(1)),
            _mm_loadu_si128(p.add(2)),
            _mm_loadu_si128(p.add(3)),
        ];
        let quote = _mm_set1_epi8(b'"' as i8);
        let backslash = _mm_set1_epi8(b'\\' as i8);
        // `{`/`[` and `}`/`]` differ only in bit 0x20: one comparison finds both.
        let case = _mm_set1_epi8(0x20);
        let open = _mm_set1_epi8(b'{' as i8);
        let close = _mm_set1_epi8(b'}' as i8);
        let mut m = Masks {
            quote: 0,
            backslash: 0,
            open: 0,
            close: 0,
        };
        for (k, v) in v.iter().enumerate() {
            let shift = 16 * k;
            let bits = |x: __m128i| (_mm_movemask_epi8(x) as u32 as u64) << shift;
            m.quote |= bits(_mm_cmpeq_epi8(*v, quote));
            m.backslash |= bits(_mm_cmpeq_epi8(*v, backslash));
            let folded = _mm_or_si128(*v, case);
            m.open |= bits(_mm_cmpeq_epi8(folded, open));
            m.close |= bits(_mm_cmpeq_epi8(folded, close));
        }
        m
    }
}

/// Portable classification for other targets.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
pub(crate) fn classify(block: &[u8; 64]) -> Masks {
    classify_scalar(block)
}

/// The reference classification, one byte at a time.
#[allow(dead_code)]
pub(crate) fn classify_scalar(block: &[u8; 64]) -> Masks {
    let mut m = Masks {
        quote: 0,
        backslash: 0,
        open: 0,
        close: 0,
    };
    for (k, &b) in block.iter().enumerate() {
        let bit = 1u64 << k;
        match b {
            b'"' => m.quote |= bit,
            b'\\' => m.backslash |= bit,
            b'{' | b'[' => m.open |= bit,
            b'}' | b']' => m.close |= bit,
            _ => {}
        }
    }
    m
}

/// Bits of the bytes that a backslash escapes. `carry` is 1 when the previous block ended in
/// an unfinished escape (its first byte is escaped), and is updated for the next block.
#[inline(always)]
pub(crate) fn escaped(backslash: u64, carry: &mut u64) -> u64 {
    const EVEN: u64 = 0x5555_5555_5555_5555;
    if backslash == 0 {
        let e = *carry;
        *carry = 0;
        return e;
    }
    // A backslash that is itself escaped starts nothing.
    let backslash = backslash & !*carry;
    let follows_escape = (backslash << 1) | *carry;
    // Runs of backslashes that start on an odd bit: adding them to the backslashes carries each
    // run to its end, which tells odd runs from even ones.
    let odd_starts = backslash & !EVEN & !follows_escape;
    let (sum, overflow) = odd_starts.overflowing_add(backslash);
    *carry = overflow as u64;
    let invert = sum << 1;
    (EVEN ^ invert) & follows_escape
}

/// Bit `k` is the XOR of bits `0..=k`: after marking quotes, the bytes inside strings.
#[inline(always)]
pub(crate) fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn simd_classification_matches_bytes() {
        let mut s = 0x1234_5678_9abc_def1u64;
        let alphabet = b"\"\\{}[]a:, 0";
        for _ in 0..2000 {
            let mut block = [0u8; 64];
            for b in block.iter_mut() {
                *b = alphabet[(rng(&mut s) % alphabet.len() as u64) as usize];
            }
            assert_eq!(classify(&block), classify_scalar(&block));
        }
    }

    #[test]
    fn escapes_match_a_byte_loop_across_blocks() {
        let mut s = 0xfeed_beef_cafe_f00du64;
        for _ in 0..5000 {
            // Streams of backslash-heavy data, three blocks long.
            let blocks: Vec<u64> = (0..3)
                .map(|_| {
                    rng(&mut s) & rng(&mut s) | if rng(&mut s).is_multiple_of(4) { !0 } else { 0 }
                })
                .collect();
            let mut carry = 0;
            let mut pending = false;
            for &bs in &blocks {
                let got = escaped(bs, &mut carry);
                let mut want = 0u64;
                for k in 0..64 {
                    if pending {
                        want |= 1 << k;
                        pending = false;
                    } else if bs >> k & 1 == 1 {
                        pending = true;
                    }
                }
                assert_eq!(got, want, "backslashes {bs:064b}");
                assert_eq!(carry, pending as u64);
            }
        }
    }

    #[test]
    fn prefix_xor_marks_string_interiors() {
        // Quotes at 2 and 5: bytes 2..5 are inside.
        assert_eq!(prefix_xor(0b100100), 0b011100);
    }
}
