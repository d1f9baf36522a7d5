//! Making attacker-controlled text safe to show.
//!
//! Everything in a report that came from a CloudTrail record (node names, subnet ids, API names,
//! error messages, table cells, even the title) was written by whoever could make an API call.
//! Two things can go wrong when such text is shown: it can become markup (`<script>`, an
//! attribute that breaks out of its quotes), or it can look like something it is not (a
//! right-to-left override that reverses `gpj.exe` into `exe.jpg`, an escape sequence, a NUL that
//! truncates the text in some viewer). [`html`] defends against both; [`visible`] defends only
//! against the second, for text that another layer (plotters' SVG backend) escapes itself.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether a character must not reach the page as itself, because it is invisible or changes
/// how the text around it is displayed.
fn is_deceptive(c: char, keep_line_breaks: bool) -> bool {
    match c {
        '\n' | '\t' => !keep_line_breaks,
        // C0 controls, DEL and C1 controls (the C1 block includes the 8-bit CSI, U+009B).
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        // Bidirectional embeddings, overrides and isolates, which reorder the text that follows.
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        // Invisible direction marks and the line/paragraph separators, which can also displace
        // text; rare in honest CloudTrail content, so showing them costs nothing.
        '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{2028}' | '\u{2029}' => true,
        // Zero-width characters, which make two different names look identical.
        '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' => true,
        _ => false,
    }
}

/// Writes a visible stand-in for a deceptive character, spelled the way Rust and JSON
/// programmers read it (`\x1b`, `\u{202e}`), so that an analyst sees what was really there
/// rather than a generic replacement mark.
fn push_stand_in(out: &mut String, c: char) {
    let code = u32::from(c);
    // Writing to a String cannot fail.
    let _ = if code < 0x100 {
        write!(out, "\\x{code:02x}")
    } else {
        write!(out, "\\u{{{code:x}}}")
    };
}

/// Replaces deceptive characters (controls, bidi overrides) with visible stand-ins such as
/// `\x1b` or `\u{202e}`. Line breaks and tabs are replaced too: every place this is used
/// (chart labels) is a single line.
///
/// The result is *not* HTML-escaped: use it only for text handed to plotters, whose SVG backend
/// escapes `& < > " '` itself (the tests check that it still does).
pub fn visible(text: &str) -> Cow<'_, str> {
    replace_deceptive(text, false)
}

/// Like [`visible`], but line breaks and tabs stay: for CSV cells, which may hold them
/// (quoted), and where a line break cannot disguise anything.
pub fn visible_lines(text: &str) -> Cow<'_, str> {
    replace_deceptive(text, true)
}

/// Makes JSON text safe to show while keeping it valid JSON with the same meaning: every
/// deceptive character that is still itself (JSON writers escape only C0 controls, so C1
/// controls, bidi overrides and zero-width characters pass through) becomes a `\uXXXX`
/// escape. For JSON text only: outside its strings JSON holds only spaces, tabs and line
/// breaks, which stay.
pub fn json(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| is_deceptive(c, true)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_deceptive(c, true) {
            // Every deceptive character is in the Basic Multilingual Plane: one escape.
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn replace_deceptive(text: &str, keep_line_breaks: bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_deceptive(c, keep_line_breaks)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_deceptive(c, keep_line_breaks) {
            push_stand_in(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Makes any text safe to place in HTML text *or* inside a quoted attribute value: deceptive
/// characters become visible stand-ins (line breaks and tabs are kept, so that multi-line error
/// messages stay readable in a `white-space: pre-wrap` cell), then `& < > " '` become character
/// references.
pub fn html(text: &str) -> String {
    let shown = replace_deceptive(text, true);
    let mut out = String::with_capacity(shown.len() + 16);
    for c in shown.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_become_references() {
        assert_eq!(
            html(r#"</td><script>alert('x')</script>" onload="y" &amp;"#),
            "&lt;/td&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot; onload=&quot;y&quot; &amp;amp;"
        );
    }

    #[test]
    fn controls_and_bidi_overrides_become_visible() {
        assert_eq!(html("a\u{1b}[31mb"), "a\\x1b[31mb");
        assert_eq!(html("\u{0}\u{7f}\u{9b}"), "\\x00\\x7f\\x9b");
        assert_eq!(html("evil\u{202e}gpj.exe"), "evil\\u{202e}gpj.exe");
        assert_eq!(html("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        assert_eq!(html("ip-10-0-1-1\u{200b}"), "ip-10-0-1-1\\u{200b}");
    }

    #[test]
    fn html_keeps_line_breaks_but_chart_labels_do_not() {
        assert_eq!(html("one\ntwo\tthree"), "one\ntwo\tthree");
        assert_eq!(visible("one\ntwo\tthree"), "one\\x0atwo\\x09three");
    }

    #[test]
    fn visible_leaves_markup_to_the_svg_backend_and_borrows_clean_text() {
        assert_eq!(visible("<b>\u{202e}"), "<b>\\u{202e}");
        assert!(matches!(
            visible("ip-10-0-1-7.ec2.internal"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn json_escapes_what_json_writers_leave_and_stays_json() {
        let text = serde_json::to_string(&serde_json::json!({"f": "a\u{202e}b\u{9b}c\u{1b}d\ne"}))
            .expect("serialises");
        let safe = json(&text);
        assert!(!safe.chars().any(|c| is_deceptive(c, true)), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back["f"], "a\u{202e}b\u{9b}c\u{1b}d\ne");
        assert!(matches!(json(r#"{"a":"10.0.3.17"}"#), Cow::Borrowed(_)));
    }

    #[test]
    fn ordinary_unicode_is_untouched() {
        assert_eq!(html("nœud-é 日本 🚀"), "nœud-é 日本 🚀");
    }
}
