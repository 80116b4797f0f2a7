//! Splitting the modem's byte stream into lines.
//!
//! Modems end lines with `\r\n` (and an echoed command with `\r` alone), so
//! either byte ends a line and empty lines are skipped. A line longer than
//! the cap is cut: its first `cap` bytes are kept, the rest is counted and
//! dropped up to the next line end, and it comes out as
//! [`Piece::Overlong`] so that one runaway line (a modem printing garbage,
//! a 1 MB line) costs bounded memory and is reported, not lost silently.

/// One thing read from the modem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// A complete line, without its line end. Bytes that are not UTF-8
    /// show as U+FFFD.
    Line(String),
    /// A line longer than the cap: its start, and its full length in bytes.
    Overlong {
        /// The first `cap` bytes, lossily decoded.
        start: String,
        /// The line's full length in bytes.
        len: usize,
    },
}

/// Turns bytes into [`Piece`]s; keeps a partial line between calls.
#[derive(Debug, Clone)]
pub struct LineSplitter {
    cap: usize,
    buf: Vec<u8>,
    /// Bytes dropped from the current line once it passed the cap.
    dropped: usize,
}

impl LineSplitter {
    /// A splitter that cuts lines at `cap` bytes (at least 16).
    pub fn new(cap: usize) -> Self {
        LineSplitter {
            cap: cap.max(16),
            buf: Vec::new(),
            dropped: 0,
        }
    }

    /// The line cap in bytes.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Feeds bytes; complete pieces are appended to `out`.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<Piece>) {
        for &b in bytes {
            if b == b'\r' || b == b'\n' {
                self.finish(out);
            } else if self.buf.len() < self.cap {
                self.buf.push(b);
            } else {
                self.dropped = self.dropped.saturating_add(1);
            }
        }
    }

    /// The partial line waiting for its end (a `>` prompt has none).
    pub fn pending(&self) -> &[u8] {
        &self.buf
    }

    /// Forgets the partial line (after a prompt was consumed).
    pub fn clear_pending(&mut self) {
        self.buf.clear();
        self.dropped = 0;
    }

    fn finish(&mut self, out: &mut Vec<Piece>) {
        if self.dropped > 0 {
            let start = String::from_utf8_lossy(&self.buf).into_owned();
            let len = self.buf.len().saturating_add(self.dropped);
            out.push(Piece::Overlong { start, len });
        } else if !self.buf.is_empty() {
            let line = String::from_utf8_lossy(&self.buf);
            let line = line.trim_matches(|c: char| c == ' ' || c == '\0');
            if !line.is_empty() {
                out.push(Piece::Line(line.to_owned()));
            }
        }
        self.buf.clear();
        self.dropped = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(cap: usize, chunks: &[&[u8]]) -> Vec<Piece> {
        let mut s = LineSplitter::new(cap);
        let mut out = Vec::new();
        for c in chunks {
            s.push(c, &mut out);
        }
        out
    }

    #[test]
    fn lines_across_chunks_and_line_ends() {
        let got = split(64, &[b"AT+CSQ\r\r\n+CS", b"Q: 20,99\r\n\r\nOK\r\n"]);
        assert_eq!(
            got,
            [
                Piece::Line("AT+CSQ".into()),
                Piece::Line("+CSQ: 20,99".into()),
                Piece::Line("OK".into())
            ]
        );
    }

    #[test]
    fn a_long_line_is_cut_and_counted() {
        let long = vec![b'A'; 1 << 20];
        let mut s = LineSplitter::new(100);
        let mut out = Vec::new();
        s.push(&long, &mut out);
        s.push(b"\r\nOK\r\n", &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(
            out[0],
            Piece::Overlong {
                start: "A".repeat(100),
                len: 1 << 20
            }
        );
        assert_eq!(out[1], Piece::Line("OK".into()));
        assert!(s.pending().is_empty());
    }

    #[test]
    fn prompt_stays_pending() {
        let mut s = LineSplitter::new(64);
        let mut out = Vec::new();
        s.push(b"\r\n> ", &mut out);
        assert!(out.is_empty());
        assert_eq!(s.pending(), b"> ");
    }
}
