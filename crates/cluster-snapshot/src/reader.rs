//! A JSON deserializer for the loader's fast path.
//!
//! kubectl writes JSON indented: two thirds of the bytes of a kubectl-style snapshot are
//! the spaces at the start of its lines, and serde_json reads whitespace a byte at a time.
//! This reader skips a run of spaces sixteen bytes at a time and scans strings eight
//! bytes at a time. For the documents it reads it makes the same visitor calls as
//! `serde_json::Deserializer::from_str`: a string without escapes is borrowed from the
//! text, an escaped one is decoded and lent; an integer is a `u64`, or an `i64` when
//! negative; any other number is read by serde_json itself, so that it comes out bit for
//! bit as serde_json makes it; serde_json's raw values (`&RawValue`) are lent by
//! serde_json's own protocol for them.
//!
//! It is never more lenient than serde_json, and it refuses what it does not handle
//! (escaped surrogates that do not pair, nesting deeper than 120 levels where serde_json
//! allows 127, enums, bytes). Its error says nothing: every caller, on [`Refused`], parses the same text
//! again with serde_json, which either reads it — the same objects — or names the error
//! precisely, with its line and column.

use std::fmt;

use serde::de::value::{BorrowedStrDeserializer, StrDeserializer};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Number;

/// The name serde_json gives the newtype through which a `RawValue` asks for its text.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// How deep arrays and mappings may nest. serde_json allows 127 levels; this reader
/// refuses a little earlier, which only sends such a document to serde_json.
const MAX_DEPTH: u32 = 120;

/// Sixteen spaces, as one word.
const SPACES: u128 = u128::from_ne_bytes([b' '; 16]);

/// The text could not be read here: parse it with serde_json.
#[derive(Debug)]
pub(crate) struct Refused;

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not read by the fast JSON reader")
    }
}

impl std::error::Error for Refused {}

impl de::Error for Refused {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Refused
    }
}

/// A JSON text being read from a position.
pub(crate) struct Reader<'de> {
    text: &'de str,
    at: usize,
    depth: u32,
    /// The decoded text of the last escaped string.
    scratch: String,
}

impl<'de> Reader<'de> {
    /// A reader of `text` from its start.
    pub(crate) fn new(text: &'de str) -> Reader<'de> {
        Reader::starting_at(text, 0)
    }

    /// A reader of `text` from byte `at`.
    pub(crate) fn starting_at(text: &'de str, at: usize) -> Reader<'de> {
        Reader {
            text,
            at,
            depth: 0,
            scratch: String::new(),
        }
    }

    /// The byte after the last value read.
    pub(crate) fn offset(&self) -> usize {
        self.at
    }

    /// Whether only whitespace is left.
    pub(crate) fn end(&mut self) -> bool {
        self.skip_whitespace();
        self.at >= self.text.len()
    }

    fn bytes(&self) -> &'de [u8] {
        self.text.as_bytes()
    }

    /// Skips JSON whitespace.
    #[inline]
    fn skip_whitespace(&mut self) {
        self.at = skip_whitespace(self.bytes(), self.at);
    }

    /// The next byte that is not whitespace, not consumed.
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        self.skip_whitespace();
        self.bytes().get(self.at).copied()
    }

    /// Consumes `byte`, after whitespace.
    #[inline]
    fn expect(&mut self, byte: u8) -> Result<(), Refused> {
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(Refused)
        }
    }

    /// Consumes the keyword `word` (`true`, `false`, `null`) at the current byte.
    fn keyword(&mut self, word: &str) -> Result<(), Refused> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(())
        } else {
            Err(Refused)
        }
    }

    /// Refuses unless the next value starts with one of `accepted`.
    fn starts(&mut self, accepted: &[u8]) -> Result<(), Refused> {
        match self.peek() {
            Some(byte) if accepted.contains(&byte) => Ok(()),
            _ => Err(Refused),
        }
    }

    /// Before the next entry or element of a mapping or array that `close` ends:
    /// `false` at `close` (not consumed), `true` when one follows (the comma before it
    /// consumed). A comma before `close`, or a missing comma, is refused.
    fn next_in(&mut self, close: u8, first: &mut bool) -> Result<bool, Refused> {
        match self.peek() {
            Some(byte) if byte == close => Ok(false),
            Some(b',') if !*first => {
                self.at += 1;
                if self.peek() == Some(close) {
                    return Err(Refused);
                }
                Ok(true)
            }
            Some(_) if *first => {
                *first = false;
                Ok(true)
            }
            _ => Err(Refused),
        }
    }

    fn enter(&mut self) -> Result<(), Refused> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Refused);
        }
        Ok(())
    }

    /// The string whose opening quote is at the current byte. `Ok(Some(text))` borrows it
    /// from the document; `Ok(None)` means it had escapes and is decoded in `scratch`.
    fn string(&mut self) -> Result<Option<&'de str>, Refused> {
        let bytes = self.bytes();
        self.at += 1;
        let start = self.at;
        let end = self.plain_run(start);
        match bytes.get(end) {
            Some(b'"') => {
                self.at = end + 1;
                Ok(Some(&self.text[start..end]))
            }
            Some(b'\\') => {
                self.scratch.clear();
                self.scratch.push_str(&self.text[start..end]);
                self.at = end;
                self.escaped()?;
                Ok(None)
            }
            _ => Err(Refused),
        }
    }

    /// Decodes the rest of a string from the backslash at the current byte into
    /// `scratch`, through its closing quote.
    fn escaped(&mut self) -> Result<(), Refused> {
        let bytes = self.bytes();
        loop {
            match bytes.get(self.at) {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    let decoded = match bytes.get(self.at + 1) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.at += 2;
                            let first = self.hex4()?;
                            let point = match first {
                                0xD800..=0xDBFF => {
                                    if bytes.get(self.at..self.at + 2) != Some(b"\\u") {
                                        return Err(Refused);
                                    }
                                    self.at += 2;
                                    let second = self.hex4()?;
                                    if !(0xDC00..=0xDFFF).contains(&second) {
                                        return Err(Refused);
                                    }
                                    0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                                }
                                _ => first,
                            };
                            self.scratch.push(char::from_u32(point).ok_or(Refused)?);
                            continue;
                        }
                        _ => return Err(Refused),
                    };
                    self.scratch.push(decoded);
                    self.at += 2;
                }
                Some(_) => {
                    let end = self.plain_run(self.at);
                    if end == self.at {
                        // A control character.
                        return Err(Refused);
                    }
                    self.scratch.push_str(&self.text[self.at..end]);
                    self.at = end;
                }
                None => return Err(Refused),
            }
        }
    }

    /// Four hex digits at the current byte, as a number.
    fn hex4(&mut self) -> Result<u32, Refused> {
        let digits = self.bytes().get(self.at..self.at + 4).ok_or(Refused)?;
        let mut value = 0;
        for digit in digits {
            let digit = (*digit as char).to_digit(16).ok_or(Refused)?;
            value = value * 16 + digit;
        }
        self.at += 4;
        Ok(value)
    }

    /// See [`plain_run`].
    #[inline]
    fn plain_run(&self, from: usize) -> usize {
        plain_run(self.bytes(), from)
    }

    /// Skips a string whose opening quote is at the current byte, checking its escapes
    /// as serde_json does for a value it ignores (hex digits, not surrogate pairs).
    fn skip_string(&mut self) -> Result<(), Refused> {
        let bytes = self.bytes();
        self.at += 1;
        loop {
            self.at = self.plain_run(self.at);
            match bytes.get(self.at) {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(());
                }
                Some(b'\\') => match bytes.get(self.at + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.at += 2,
                    Some(b'u') => {
                        self.at += 2;
                        self.hex4()?;
                    }
                    _ => return Err(Refused),
                },
                _ => return Err(Refused),
            }
        }
    }

    /// The extent of the number at the current byte, by JSON's grammar, and whether it is
    /// a plain integer (no fraction, no exponent).
    fn number_text(&mut self) -> Result<(&'de str, bool), Refused> {
        let bytes = self.bytes();
        let start = self.at;
        let mut at = start;
        if bytes.get(at) == Some(&b'-') {
            at += 1;
        }
        let digits = |at: usize| {
            bytes.get(at..).map_or(0, |rest| {
                rest.iter().take_while(|b| b.is_ascii_digit()).count()
            })
        };
        match bytes.get(at) {
            Some(b'0') => at += 1,
            Some(b'1'..=b'9') => at += digits(at),
            _ => return Err(Refused),
        }
        let mut integer = true;
        if bytes.get(at) == Some(&b'.') {
            integer = false;
            let count = digits(at + 1);
            if count == 0 {
                return Err(Refused);
            }
            at += 1 + count;
        }
        if matches!(bytes.get(at), Some(b'e' | b'E')) {
            integer = false;
            at += 1;
            if matches!(bytes.get(at), Some(b'+' | b'-')) {
                at += 1;
            }
            let count = digits(at);
            if count == 0 {
                return Err(Refused);
            }
            at += count;
        }
        self.at = at;
        Ok((&self.text[start..at], integer))
    }

    /// Reads the number at the current byte and gives it to `visitor` as serde_json does.
    fn number<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Refused> {
        let (text, integer) = self.number_text()?;
        if integer {
            match text.strip_prefix('-') {
                None => {
                    if let Ok(value) = text.parse::<u64>() {
                        return visitor.visit_u64(value);
                    }
                }
                // serde_json makes `-0` a float.
                Some(magnitude) if magnitude != "0" => {
                    if let Ok(value) = text.parse::<i64>() {
                        return visitor.visit_i64(value);
                    }
                }
                Some(_) => {}
            }
        }
        // Fractions, exponents, `-0` and integers out of range: serde_json decides.
        let number: Number = serde_json::from_str(text).map_err(|_| Refused)?;
        if let Some(value) = number.as_u64() {
            visitor.visit_u64(value)
        } else if let Some(value) = number.as_i64() {
            visitor.visit_i64(value)
        } else {
            visitor.visit_f64(number.as_f64().ok_or(Refused)?)
        }
    }

    /// Skips one value, checking it as serde_json checks a value it ignores.
    fn skip_value(&mut self) -> Result<(), Refused> {
        match self.peek() {
            Some(b'{') => {
                self.enter()?;
                self.at += 1;
                let mut first = true;
                while self.next_in(b'}', &mut first)? {
                    if self.peek() != Some(b'"') {
                        return Err(Refused);
                    }
                    self.skip_string()?;
                    self.expect(b':')?;
                    self.skip_value()?;
                }
                self.at += 1;
                self.depth -= 1;
            }
            Some(b'[') => {
                self.enter()?;
                self.at += 1;
                let mut first = true;
                while self.next_in(b']', &mut first)? {
                    self.skip_value()?;
                }
                self.at += 1;
                self.depth -= 1;
            }
            Some(b'"') => self.skip_string()?,
            Some(b't') => self.keyword("true")?,
            Some(b'f') => self.keyword("false")?,
            Some(b'n') => self.keyword("null")?,
            Some(b'-' | b'0'..=b'9') => {
                self.number_text()?;
            }
            _ => return Err(Refused),
        }
        Ok(())
    }
}

/// The first byte from `at` that is not JSON whitespace. A byte that is not whitespace
/// is seen at once; after one that is, the spaces that follow (the indentation after a
/// newline) are counted a word at a time.
#[inline]
pub(crate) fn skip_whitespace(bytes: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = bytes.get(at) {
        at += 1;
        while let Some(word) = bytes.get(at..).and_then(|rest| rest.first_chunk::<16>()) {
            // Little-endian: the first byte of the text is the lowest of the word.
            let spaces = (u128::from_le_bytes(*word) ^ SPACES).trailing_zeros() / 8;
            at += spaces as usize;
            if spaces < 16 {
                break;
            }
        }
    }
    at
}

/// The end of the run of string bytes from `from` that need no attention: the first
/// quote, backslash or control character, or the end of the text. A word at a time.
#[inline]
pub(crate) fn plain_run(bytes: &[u8], from: usize) -> usize {
    let mut at = from;
    while let Some(word) = bytes.get(at..).and_then(|rest| rest.first_chunk::<8>()) {
        // Little-endian: the lowest flagged byte is the first in the text.
        let flagged = needs_attention(u64::from_le_bytes(*word));
        if flagged != 0 {
            return at + (flagged.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while let Some(&byte) = bytes.get(at) {
        if byte == b'"' || byte == b'\\' || byte < 0x20 {
            break;
        }
        at += 1;
    }
    at
}

/// The high bit of each byte of `word` that is a quote, a backslash or a control
/// character, and maybe of bytes after the first such byte (a borrow runs upwards), but
/// never before it: the lowest bit set marks the first byte that needs attention.
#[inline]
fn needs_attention(word: u64) -> u64 {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // High bit of the bytes that are zero (where `x` equals the byte it was made with).
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let quote = zero(word ^ u64::from_ne_bytes([b'"'; 8]));
    let backslash = zero(word ^ u64::from_ne_bytes([b'\\'; 8]));
    // A byte below 0x20: subtracting 0x20 borrows into its high bit, which was clear.
    let control = word.wrapping_sub(u64::from_ne_bytes([0x20; 8])) & !word & HIGHS;
    quote | backslash | control
}

/// The bytes a number starts with.
const NUMBER: &[u8] = b"-0123456789";

/// Deserializer methods that expect one type of value: the value must start with one of
/// the given bytes (serde_json refuses another type before any visitor sees it), and is
/// then read as `deserialize_any` reads it.
macro_rules! typed {
    ($($starts:expr => $($method:ident)+;)+) => {
        $($(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
                self.starts($starts)?;
                self.deserialize_any(visitor)
            }
        )+)+
    };
}

impl<'de> de::Deserializer<'de> for &mut Reader<'de> {
    type Error = Refused;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        match self.peek() {
            Some(b'{') => {
                self.enter()?;
                self.at += 1;
                let value = visitor.visit_map(Entries {
                    reader: &mut *self,
                    first: true,
                })?;
                self.expect(b'}')?;
                self.depth -= 1;
                Ok(value)
            }
            Some(b'[') => {
                self.enter()?;
                self.at += 1;
                let value = visitor.visit_seq(Elements {
                    reader: &mut *self,
                    first: true,
                })?;
                self.expect(b']')?;
                self.depth -= 1;
                Ok(value)
            }
            Some(b'"') => match self.string()? {
                Some(text) => visitor.visit_borrowed_str(text),
                None => visitor.visit_str(&self.scratch),
            },
            Some(b't') => {
                self.keyword("true")?;
                visitor.visit_bool(true)
            }
            Some(b'f') => {
                self.keyword("false")?;
                visitor.visit_bool(false)
            }
            Some(b'n') => {
                self.keyword("null")?;
                visitor.visit_unit()
            }
            Some(b'-' | b'0'..=b'9') => self.number(visitor),
            _ => Err(Refused),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        if self.peek() == Some(b'n') {
            self.keyword("null")?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Refused> {
        if name != RAW_VALUE_TOKEN {
            return visitor.visit_newtype_struct(self);
        }
        self.skip_whitespace();
        let start = self.at;
        self.skip_value()?;
        visitor.visit_map(RawValue {
            text: Some(&self.text[start..self.at]),
            key_given: false,
        })
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.skip_value()?;
        visitor.visit_unit()
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Refused> {
        Err(Refused)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Refused> {
        Err(Refused)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Refused> {
        Err(Refused)
    }

    typed! {
        b"tf" => deserialize_bool;
        NUMBER => deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
            deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
            deserialize_u128 deserialize_f32 deserialize_f64;
        b"\"" => deserialize_char deserialize_str deserialize_string deserialize_identifier;
        b"n" => deserialize_unit;
        b"[" => deserialize_seq;
        b"{" => deserialize_map;
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Refused> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Refused> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Refused> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Refused> {
        self.starts(b"{[")?;
        self.deserialize_any(visitor)
    }
}

/// The entries of a mapping whose `{` is read.
struct Entries<'a, 'de> {
    reader: &'a mut Reader<'de>,
    first: bool,
}

impl<'de> MapAccess<'de> for Entries<'_, 'de> {
    type Error = Refused;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Refused> {
        let reader = &mut *self.reader;
        if !reader.next_in(b'}', &mut self.first)? {
            return Ok(None);
        }
        if reader.peek() != Some(b'"') {
            return Err(Refused);
        }
        match reader.string()? {
            Some(key) => seed
                .deserialize(BorrowedStrDeserializer::<Refused>::new(key))
                .map(Some),
            None => seed
                .deserialize(StrDeserializer::<Refused>::new(&reader.scratch))
                .map(Some),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Refused> {
        self.reader.expect(b':')?;
        seed.deserialize(&mut *self.reader)
    }
}

/// The elements of an array whose `[` is read.
struct Elements<'a, 'de> {
    reader: &'a mut Reader<'de>,
    first: bool,
}

impl<'de> SeqAccess<'de> for Elements<'_, 'de> {
    type Error = Refused;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Refused> {
        let reader = &mut *self.reader;
        if !reader.next_in(b']', &mut self.first)? {
            return Ok(None);
        }
        seed.deserialize(&mut *reader).map(Some)
    }
}

/// serde_json's protocol for a raw value: a mapping of one entry whose key is the token
/// and whose value is the value's text.
struct RawValue<'de> {
    text: Option<&'de str>,
    key_given: bool,
}

impl<'de> MapAccess<'de> for RawValue<'de> {
    type Error = Refused;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Refused> {
        if self.key_given || self.text.is_none() {
            return Ok(None);
        }
        self.key_given = true;
        seed.deserialize(BorrowedStrDeserializer::new(RAW_VALUE_TOKEN))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Refused> {
        let text = self.text.take().ok_or(Refused)?;
        seed.deserialize(BorrowedStrDeserializer::new(text))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::value::RawValue as JsonRaw;
    use serde_json::Value;

    use super::*;

    /// What the reader makes of `text` as one document, or `None` when it refuses it.
    fn read<'t, T: Deserialize<'t>>(text: &'t str) -> Option<T> {
        let mut reader = Reader::new(text);
        let value = T::deserialize(&mut reader).ok()?;
        reader.end().then_some(value)
    }

    /// The reader reads `text` and gives what serde_json gives.
    #[track_caller]
    fn same(text: &str) {
        let expected: Value = serde_json::from_str(text).expect("serde_json reads it");
        let got: Value = read(text).expect("the reader reads it");
        assert_eq!(got, expected, "{text}");
        // Floats bit for bit (`Value` equality says -0.0 == 0.0).
        assert_eq!(
            serde_json::to_string(&got).unwrap(),
            serde_json::to_string(&expected).unwrap()
        );
    }

    #[test]
    fn reads_what_serde_json_reads_as_serde_json_does() {
        for text in [
            "{}",
            "[]",
            " \n\t\r {\"a\" : [1, -2, 3.5, -0, 0, 1e3, 1E-2, 2.5e+4, true, false, null]} ",
            "{\"a\":{\"b\":{\"c\":[[],{}]}}}",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "0.1",
            "123456789012345678901234567890",
            "\"plain\"",
            "\"tab\\t quote\\\" slash\\/ back\\\\ \\b\\f\\n\\r\"",
            "\"\\u00e9\\u0000 \\ud83d\\ude00 é😀\"",
            "{\"\\u006bey\": 1, \"key\": 2}",
            "[\"                  long run of spaces inside a string         \"]",
            "{\n                                \"deep\": \"indent\"\n}",
        ] {
            same(text);
        }
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        for text in [
            "",
            "{",
            "{\"a\":1,}",
            "[1,]",
            "[,1]",
            "{,\"a\":1}",
            "{\"a\" 1}",
            "{\"a\":1 \"b\":2}",
            "[1 2]",
            "01",
            "1.",
            ".5",
            "1e",
            "-",
            "+1",
            "1e400",
            "\"unterminated",
            "\"control \u{1} character\"",
            "\"bad escape \\x\"",
            "\"short \\u12\"",
            "tru",
            "nul",
            "{\"a\":tru}",
            "{1:2}",
            "[1]]",
        ] {
            assert!(serde_json::from_str::<Value>(text).is_err(), "{text}");
            assert!(read::<Value>(text).is_none(), "{text}");
            // Ignored, a number is checked by its grammar only (`1e400` passes), as
            // serde_json checks it.
            if read::<serde::de::IgnoredAny>(text).is_some() {
                assert!(serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok());
                assert_eq!(text, "1e400");
            }
        }
    }

    #[test]
    fn refuses_surrogates_that_do_not_pair() {
        for text in [
            "\"\\ud83d\"",
            "\"\\ud83d\\u0041\"",
            "\"\\ude00\"",
            "\"\\ud83dx\"",
        ] {
            assert!(read::<Value>(text).is_none(), "{text}");
        }
        // Ignored, only the hex digits are checked, as serde_json checks them.
        assert!(read::<serde::de::IgnoredAny>("\"\\ud83d\"").is_some());
        assert!(serde_json::from_str::<serde::de::IgnoredAny>("\"\\ud83d\"").is_ok());
    }

    #[test]
    fn refuses_nesting_deeper_than_serde_json_allows() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(serde_json::from_str::<Value>(&deep).is_err());
        assert!(read::<Value>(&deep).is_none());
        assert!(read::<serde::de::IgnoredAny>(&deep).is_none());
        let fine = format!("{}{}", "[".repeat(100), "]".repeat(100));
        same(&fine);
        // serde_json's own limit, which the docs above quote: 127 levels, not 128.
        let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(serde_json::from_str::<Value>(&nested(127)).is_ok());
        assert!(serde_json::from_str::<Value>(&nested(128)).is_err());
        assert!(read::<Value>(&nested(MAX_DEPTH as usize)).is_some());
        assert!(read::<Value>(&nested(MAX_DEPTH as usize + 1)).is_none());
    }

    /// A visitor that takes any value, asked for one type: serde_json refuses the other
    /// types before the visitor sees them, and so does the reader.
    #[test]
    fn typed_requests_refuse_other_types() {
        struct Anything;
        impl<'de> Visitor<'de> for Anything {
            type Value = ();
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("anything")
            }
            fn visit_u64<E>(self, _: u64) -> Result<(), E> {
                Ok(())
            }
            fn visit_str<E>(self, _: &str) -> Result<(), E> {
                Ok(())
            }
            fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
                Ok(())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
                Ok(())
            }
        }
        use serde::Deserializer as _;
        type Request = fn(&mut Reader<'_>) -> Result<(), Refused>;
        let cases: [(&str, Request); 4] = [
            ("5", |reader| reader.deserialize_str(Anything)),
            ("\"5\"", |reader| reader.deserialize_u64(Anything)),
            ("[]", |reader| reader.deserialize_map(Anything)),
            ("{}", |reader| reader.deserialize_seq(Anything)),
        ];
        for (text, request) in cases {
            assert!(request(&mut Reader::new(text)).is_err(), "{text}");
        }
        let mut json = serde_json::Deserializer::from_str("5");
        assert!(json.deserialize_str(Anything).is_err());
        let mut json = serde_json::Deserializer::from_str("[]");
        assert!(json.deserialize_map(Anything).is_err());
        // The type asked for is read.
        assert!(Reader::new("5").deserialize_u64(Anything).is_ok());
        assert!(Reader::new("\"5\"").deserialize_str(Anything).is_ok());
    }

    #[test]
    fn strings_are_borrowed_where_serde_json_borrows_them() {
        #[derive(Deserialize)]
        struct Borrowed<'a> {
            #[serde(borrow)]
            plain: &'a str,
        }
        let text = "{\"plain\": \"no escape\"}";
        assert_eq!(read::<Borrowed<'_>>(text).unwrap().plain, "no escape");
        // An escaped string cannot be borrowed, by serde_json either.
        let escaped = "{\"plain\": \"an \\\"escape\\\"\"}";
        assert!(serde_json::from_str::<Borrowed<'_>>(escaped).is_err());
        assert!(read::<Borrowed<'_>>(escaped).is_none());
    }

    #[test]
    fn raw_values_are_the_text_serde_json_gives() {
        let text = "{\"a\":  {\"b\": [1, \"x\\\"y\"]}  , \"c\": -1.5e3 }";
        let ours: std::collections::BTreeMap<String, &JsonRaw> = read(text).unwrap();
        let theirs: std::collections::BTreeMap<String, &JsonRaw> =
            serde_json::from_str(text).unwrap();
        assert_eq!(ours.len(), 2);
        for (key, raw) in &ours {
            assert_eq!(raw.get(), theirs[key].get(), "{key}");
        }
        assert_eq!(ours["a"].get(), "{\"b\": [1, \"x\\\"y\"]}");
    }

    #[test]
    fn ignored_values_are_checked() {
        assert!(
            read::<serde::de::IgnoredAny>("{\"a\": [1, {\"b\": null}], \"c\": \"\\u0041\"}")
                .is_some()
        );
        assert!(read::<serde::de::IgnoredAny>("{\"a\": [1, {\"b\": nul}]}").is_none());
    }

    /// Generated documents with every kind of value, whitespace and escape, and every
    /// one-byte corruption of them: whatever the reader accepts, serde_json accepts and
    /// reads the same.
    #[test]
    fn never_accepts_more_than_serde_json_nor_reads_differently() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        const PIECES: &[&str] = &[
            "0",
            "-1",
            "12.5e-3",
            "1E2",
            "-0",
            "18446744073709551616",
            "true",
            "false",
            "null",
            "\"s\"",
            "\"é\\n\\u00e9\"",
            "\"\\ud83d\\ude00\"",
            "\"a\\\\b\"",
            "[]",
            "{}",
        ];
        fn value(next: &mut impl FnMut() -> u64, depth: u32, out: &mut String) {
            let ws = |next: &mut dyn FnMut() -> u64, out: &mut String| {
                for _ in 0..next() % 3 {
                    out.push_str(
                        ["", " ", "\n", "         ", "\t", "\r\n  "][(next() % 6) as usize],
                    );
                }
            };
            ws(next, out);
            match next() % 4 {
                0 if depth < 4 => {
                    out.push('[');
                    for i in 0..next() % 4 {
                        if i > 0 {
                            out.push(',');
                        }
                        value(next, depth + 1, out);
                    }
                    out.push(']');
                }
                1 if depth < 4 => {
                    out.push('{');
                    for i in 0..next() % 4 {
                        if i > 0 {
                            out.push(',');
                        }
                        ws(next, out);
                        out.push_str(
                            ["\"k\"", "\"k\\u0031\"", "\"long key name\""][(next() % 3) as usize],
                        );
                        ws(next, out);
                        out.push(':');
                        value(next, depth + 1, out);
                    }
                    out.push('}');
                }
                _ => out.push_str(PIECES[(next() % PIECES.len() as u64) as usize]),
            }
            ws(next, out);
        }
        const BYTES: &[u8] = b" \n,:[]{}\"\\0-.eu1a";
        let mut accepted_corrupt = 0;
        for _ in 0..400 {
            let mut text = String::new();
            value(&mut next, 0, &mut text);
            same(&text);
            for _ in 0..10 {
                let mut bytes = text.clone().into_bytes();
                let at = (next() % bytes.len() as u64) as usize;
                bytes[at] = BYTES[(next() % BYTES.len() as u64) as usize];
                let Ok(corrupt) = String::from_utf8(bytes) else {
                    continue;
                };
                if let Some(ours) = read::<Value>(&corrupt) {
                    accepted_corrupt += 1;
                    let theirs: Value = serde_json::from_str(&corrupt)
                        .unwrap_or_else(|error| panic!("{corrupt:?}: {error}"));
                    assert_eq!(
                        serde_json::to_string(&ours).unwrap(),
                        serde_json::to_string(&theirs).unwrap()
                    );
                }
                if read::<serde::de::IgnoredAny>(&corrupt).is_some() {
                    assert!(
                        serde_json::from_str::<serde::de::IgnoredAny>(&corrupt).is_ok(),
                        "{corrupt:?}"
                    );
                }
            }
        }
        // Some corruptions are still JSON (a digit for a digit): the comparison ran.
        assert!(accepted_corrupt > 0);
    }
}
