//! A minimal JSON string writer: appends straight into the caller's buffer,
//! with no intermediate value and no allocation beyond growing that buffer.
//!
//! Escaping is the shortest that stays valid JSON: `"` and `\` get a
//! backslash, the control characters with a short form (`\b \t \n \f \r`)
//! use it, the others become `\u00XX`. Everything else, non-ASCII included,
//! goes as raw UTF-8, which is never longer than Python's `\uXXXX` escapes.
//! Because every control character is escaped, no raw CR can appear inside
//! the JSON, so the `\r\r` frame terminator cannot occur early.

const HEX: &[u8; 16] = b"0123456789abcdef";

/// What a byte becomes inside a JSON string: `0` = itself, `b'u'` =
/// `\u00XX`, anything else = a backslash followed by that byte.
const ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        table[i] = b'u';
        i += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// Appends `s` to `out` as a quoted, escaped JSON string.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc = ESCAPE[b as usize];
        if esc == 0 {
            continue;
        }
        // Every escaped byte is ASCII, so `start..i` ends on a char boundary.
        out.extend_from_slice(&bytes[start..i]);
        if esc == b'u' {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 0xf) as usize],
            ]);
        } else {
            out.extend_from_slice(&[b'\\', esc]);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Appends `s` quoted, without looking for bytes to escape: for values
/// validated to hold none (keys are printable ASCII without `"` or `\`;
/// topics are letters, digits, `-`, `_`, `/`), so they cost a copy, not a
/// scan.
pub(crate) fn write_plain(out: &mut Vec<u8>, s: &[u8]) {
    debug_assert!(
        s.iter().all(|&b| ESCAPE[b as usize] == 0),
        "{s:?} needs escaping"
    );
    out.push(b'"');
    out.extend_from_slice(s);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(s: &str) -> String {
        let mut out = Vec::new();
        write_str(&mut out, s);
        String::from_utf8(out).expect("the writer keeps UTF-8 intact")
    }

    #[test]
    fn escapes_the_minimum() {
        assert_eq!(json(""), r#""""#);
        assert_eq!(json("plain"), r#""plain""#);
        assert_eq!(json("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(
            json("\u{8}\t\n\u{c}\r\u{0}\u{1f}"),
            r#""\b\t\n\f\r\u0000\u001f""#
        );
        assert_eq!(json("é☃😀\u{7f}/"), "\"é☃😀\u{7f}/\"");
    }

    #[test]
    fn every_control_character_is_escaped() {
        for c in (0u8..0x20).map(char::from) {
            let s = json(&c.to_string());
            assert!(s.bytes().skip(1).all(|b| b >= 0x20), "{c:?} -> {s:?}");
        }
    }
}
