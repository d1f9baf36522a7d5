//! Small deterministic helpers: a PRNG, a JSON byte writer, UTC time formatting.

/// splitmix64: tiny, fast, good enough for synthetic data, and fully deterministic.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// A generator for a sub-stream identified by `parts` (independent of call order elsewhere).
    pub fn derive(seed: u64, parts: &[u64]) -> Self {
        let mut h = seed ^ 0x6a09_e667_f3bc_c909;
        for p in parts {
            h = mix(h ^ p.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        }
        Rng(h)
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    /// Uniform in `0..n` (n > 0); Lemire's multiply-shift, bias negligible for our sizes.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    #[inline]
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p`.
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in `[0, 1)`.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    #[inline]
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Index into cumulative `weights`.
    pub fn weighted(&mut self, cumulative: &[u32]) -> usize {
        let total = *cumulative.last().unwrap();
        let x = self.below(total as u64) as u32;
        cumulative.iter().position(|&c| x < c).unwrap()
    }
}

#[inline]
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const HEX: &[u8; 16] = b"0123456789abcdef";
const HEX_UP: &[u8; 16] = b"0123456789ABCDEF";
const ALNUM: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPNUM: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Append-only JSON text. Every string written through it is known not to need escaping.
pub struct W {
    pub buf: Vec<u8>,
}

impl W {
    pub fn with_capacity(n: usize) -> Self {
        W {
            buf: Vec::with_capacity(n),
        }
    }

    #[inline]
    pub fn s(&mut self, raw: &str) -> &mut Self {
        self.buf.extend_from_slice(raw.as_bytes());
        self
    }

    /// A quoted string value.
    #[inline]
    pub fn q(&mut self, v: &str) -> &mut Self {
        self.buf.push(b'"');
        self.buf.extend_from_slice(v.as_bytes());
        self.buf.push(b'"');
        self
    }

    #[inline]
    pub fn n(&mut self, v: u64) -> &mut Self {
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        let mut v = v;
        loop {
            i -= 1;
            tmp[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.buf.extend_from_slice(&tmp[i..]);
        self
    }

    #[inline]
    pub fn hex(&mut self, rng: &mut Rng, len: usize) -> &mut Self {
        self.chars_of(rng, len, HEX)
    }

    #[inline]
    pub fn hex_up(&mut self, rng: &mut Rng, len: usize) -> &mut Self {
        self.chars_of(rng, len, HEX_UP)
    }

    #[inline]
    pub fn alnum(&mut self, rng: &mut Rng, len: usize) -> &mut Self {
        self.chars_of(rng, len, ALNUM)
    }

    #[inline]
    pub fn upnum(&mut self, rng: &mut Rng, len: usize) -> &mut Self {
        self.chars_of(rng, len, UPNUM)
    }

    #[inline]
    pub fn b64(&mut self, rng: &mut Rng, len: usize) -> &mut Self {
        // 10 six-bit symbols per u64 draw.
        let mut left = len;
        while left > 0 {
            let mut x = rng.next_u64();
            for _ in 0..left.min(10) {
                self.buf.push(B64[(x & 63) as usize]);
                x >>= 6;
            }
            left -= left.min(10);
        }
        self
    }

    fn chars_of(&mut self, rng: &mut Rng, len: usize, set: &[u8]) -> &mut Self {
        let mut left = len;
        while left > 0 {
            let mut x = rng.next_u64();
            // 8 symbols per draw (8 bits each, reduced by multiply-shift).
            for _ in 0..left.min(8) {
                self.buf
                    .push(set[(((x & 0xff) * set.len() as u64) >> 8) as usize]);
                x >>= 8;
            }
            left -= left.min(8);
        }
        self
    }

    /// A random UUID v4, unquoted.
    #[inline]
    pub fn uuid(&mut self, rng: &mut Rng) -> &mut Self {
        let a = rng.next_u64();
        let b = rng.next_u64();
        let a = (a & !0xf000) | 0x4000; // version nibble (bits 12..16 of the low word half)
        let b = (b & !(0xc << 60)) | (0x8 << 60); // variant 10xx
        let bytes: [u8; 16] = {
            let mut x = [0u8; 16];
            x[..8].copy_from_slice(&a.to_be_bytes());
            x[8..].copy_from_slice(&b.to_be_bytes());
            x
        };
        for (i, byte) in bytes.iter().enumerate() {
            if i == 4 || i == 6 || i == 8 || i == 10 {
                self.buf.push(b'-');
            }
            self.buf.push(HEX[(byte >> 4) as usize]);
            self.buf.push(HEX[(byte & 15) as usize]);
        }
        self
    }

    /// `"2026-11-01T00:00:00Z"` (quoted).
    #[inline]
    pub fn time(&mut self, epoch: i64) -> &mut Self {
        self.buf.push(b'"');
        push_time(&mut self.buf, epoch);
        self.buf.push(b'"');
        self
    }

    /// An IPv4 address, unquoted.
    #[inline]
    pub fn ip(&mut self, a: u32) -> &mut Self {
        self.n((a >> 24) as u64)
            .s(".")
            .n(((a >> 16) & 255) as u64)
            .s(".");
        self.n(((a >> 8) & 255) as u64).s(".").n((a & 255) as u64)
    }
}

/// Days since 1970-01-01 → (year, month, day). Howard Hinnant's `civil_from_days`.
pub fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) → days since 1970-01-01.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn two(buf: &mut Vec<u8>, v: u32) {
    buf.push(b'0' + (v / 10) as u8);
    buf.push(b'0' + (v % 10) as u8);
}

/// `YYYY-MM-DDTHH:MM:SSZ`
pub fn push_time(buf: &mut Vec<u8>, epoch: i64) {
    let (y, mo, d) = civil(epoch.div_euclid(86_400));
    let s = epoch.rem_euclid(86_400) as u32;
    buf.extend_from_slice(format!("{y:04}").as_bytes());
    buf.push(b'-');
    two(buf, mo);
    buf.push(b'-');
    two(buf, d);
    buf.push(b'T');
    two(buf, s / 3600);
    buf.push(b':');
    two(buf, s / 60 % 60);
    buf.push(b':');
    two(buf, s % 60);
    buf.push(b'Z');
}

pub fn time_string(epoch: i64) -> String {
    let mut b = Vec::with_capacity(20);
    push_time(&mut b, epoch);
    String::from_utf8(b).unwrap()
}

/// `YYYYMMDDTHHmmZ` or, with seconds, `YYYYMMDDTHHmmssZ`.
pub fn compact_time(epoch: i64, seconds: bool) -> String {
    let (y, mo, d) = civil(epoch.div_euclid(86_400));
    let s = epoch.rem_euclid(86_400);
    if seconds {
        format!(
            "{y:04}{mo:02}{d:02}T{:02}{:02}{:02}Z",
            s / 3600,
            s / 60 % 60,
            s % 60
        )
    } else {
        format!("{y:04}{mo:02}{d:02}T{:02}{:02}Z", s / 3600, s / 60 % 60)
    }
}

/// `YYYY/MM/DD`
pub fn date_dirs(epoch: i64) -> String {
    let (y, mo, d) = civil(epoch.div_euclid(86_400));
    format!("{y:04}/{mo:02}/{d:02}")
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` (also without seconds or without `Z`).
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim().trim_end_matches('Z');
    let (date, time) = s.split_once('T').unwrap_or((s, "00:00:00"));
    let mut dp = date.split('-').map(|p| p.parse::<i64>());
    let (y, m, d) = (dp.next()?.ok()?, dp.next()?.ok()?, dp.next()?.ok()?);
    let mut tp = time.split(':').map(|p| p.parse::<i64>());
    let h = tp.next().and_then(|r| r.ok()).unwrap_or(0);
    let mi = tp.next().and_then(|r| r.ok()).unwrap_or(0);
    let se = tp.next().and_then(|r| r.ok()).unwrap_or(0);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(days_from_civil(y, m as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + se)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_roundtrip() {
        let t = parse_time("2026-11-01T00:00:00Z").unwrap();
        assert_eq!(time_string(t), "2026-11-01T00:00:00Z");
        assert_eq!(
            time_string(t + 86_399 + 31 * 86_400),
            "2026-12-02T23:59:59Z"
        );
        assert_eq!(compact_time(t + 310, false), "20261101T0005Z");
        assert_eq!(compact_time(t + 310, true), "20261101T000510Z");
        assert_eq!(date_dirs(t - 1), "2026/10/31");
        assert_eq!(
            parse_time("2024-02-29T12:34:56Z").map(time_string).unwrap(),
            "2024-02-29T12:34:56Z"
        );
    }

    #[test]
    fn uuid_is_v4() {
        let mut w = W::with_capacity(64);
        let mut r = Rng::new(7);
        for _ in 0..100 {
            w.buf.clear();
            w.uuid(&mut r);
            let s = std::str::from_utf8(&w.buf).unwrap();
            assert_eq!(s.len(), 36);
            assert_eq!(&s[14..15], "4");
            assert!("89ab".contains(&s[19..20]), "{s}");
        }
    }
}
