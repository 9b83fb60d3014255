//! The parser: Go's `text/template/parse`, with its look-ahead and its error messages.

use crate::lex::{Item, ItemType, Lexer};
use std::collections::BTreeMap;
use std::fmt;

/// Deepest nesting of parentheses and control structures the parser accepts; Go has no
/// such limit, but a Rust stack is finite and hostile input must not overflow it.
pub(crate) const MAX_PARSE_DEPTH: usize = 200;

#[derive(Debug, Clone)]
pub(crate) struct ListNode {
    pub(crate) nodes: Vec<Node>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BranchKind {
    If,
    Range,
    With,
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Text(String),
    Action {
        pos: usize,
        pipe: Pipe,
    },
    Branch {
        kind: BranchKind,
        pos: usize,
        pipe: Pipe,
        list: ListNode,
        else_list: Option<ListNode>,
    },
    Template {
        pos: usize,
        name: String,
        pipe: Option<Pipe>,
    },
    Break {
        pos: usize,
    },
    Continue {
        pos: usize,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Pipe {
    pub(crate) pos: usize,
    pub(crate) is_assign: bool,
    pub(crate) decl: Vec<String>,
    pub(crate) cmds: Vec<Command>,
}

#[derive(Debug, Clone)]
pub(crate) struct Command {
    pub(crate) pos: usize,
    pub(crate) args: Vec<Arg>,
}

#[derive(Debug, Clone)]
pub(crate) struct Number {
    pub(crate) text: String,
    pub(crate) is_int: bool,
    pub(crate) int: i64,
    pub(crate) is_uint: bool,
    pub(crate) is_float: bool,
    pub(crate) float: f64,
    pub(crate) is_complex: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Field {
        pos: usize,
        idents: Vec<String>,
    },
    Variable {
        pos: usize,
        idents: Vec<String>,
    },
    Chain {
        pos: usize,
        node: Box<Arg>,
        fields: Vec<String>,
    },
    Identifier {
        pos: usize,
        name: String,
        /// Index of the function in the function table, resolved at parse time.
        func: usize,
    },
    Dot {
        pos: usize,
    },
    Nil {
        pos: usize,
    },
    Bool {
        pos: usize,
        value: bool,
    },
    Number {
        pos: usize,
        number: Box<Number>,
    },
    String {
        pos: usize,
        quoted: String,
        text: String,
    },
    Pipe(Box<Pipe>),
}

impl Arg {
    pub(crate) fn pos(&self) -> usize {
        match self {
            Arg::Field { pos, .. }
            | Arg::Variable { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Identifier { pos, .. }
            | Arg::Dot { pos }
            | Arg::Nil { pos }
            | Arg::Bool { pos, .. }
            | Arg::Number { pos, .. }
            | Arg::String { pos, .. } => *pos,
            Arg::Pipe(pipe) => pipe.pos,
        }
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            f.write_str(&self.decl.join(", "))?;
            f.write_str(" := ")?;
        }
        for (index, cmd) in self.cmds.iter().enumerate() {
            if index > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{cmd}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, arg) in self.args.iter().enumerate() {
            if index > 0 {
                f.write_str(" ")?;
            }
            if let Arg::Pipe(pipe) = arg {
                write!(f, "({pipe})")?;
            } else {
                write!(f, "{arg}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Field { idents, .. } => {
                for ident in idents {
                    write!(f, ".{ident}")?;
                }
                Ok(())
            }
            Arg::Variable { idents, .. } => f.write_str(&idents.join(".")),
            Arg::Chain { node, fields, .. } => {
                if let Arg::Pipe(pipe) = node.as_ref() {
                    write!(f, "({pipe})")?;
                } else {
                    write!(f, "{node}")?;
                }
                for field in fields {
                    write!(f, ".{field}")?;
                }
                Ok(())
            }
            Arg::Identifier { name, .. } => f.write_str(name),
            Arg::Dot { .. } => f.write_str("."),
            Arg::Nil { .. } => f.write_str("nil"),
            Arg::Bool { value, .. } => f.write_str(if *value { "true" } else { "false" }),
            Arg::Number { number, .. } => f.write_str(&number.text),
            Arg::String { quoted, .. } => f.write_str(quoted),
            Arg::Pipe(pipe) => write!(f, "{pipe}"),
        }
    }
}

impl fmt::Display for ListNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for node in &self.nodes {
            write!(f, "{node}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Text(text) => f.write_str(text),
            Node::Action { pipe, .. } => write!(f, "{{{{{pipe}}}}}"),
            Node::Branch {
                kind,
                pipe,
                list,
                else_list,
                ..
            } => {
                let name = match kind {
                    BranchKind::If => "if",
                    BranchKind::Range => "range",
                    BranchKind::With => "with",
                };
                write!(f, "{{{{{name} {pipe}}}}}{list}")?;
                if let Some(else_list) = else_list {
                    write!(f, "{{{{else}}}}{else_list}")?;
                }
                f.write_str("{{end}}")
            }
            Node::Template { name, pipe, .. } => match pipe {
                Some(pipe) => write!(f, "{{{{template {} {pipe}}}}}", crate::gofmt::quote(name)),
                None => write!(f, "{{{{template {}}}}}", crate::gofmt::quote(name)),
            },
            Node::Break { .. } => f.write_str("{{break}}"),
            Node::Continue { .. } => f.write_str("{{continue}}"),
        }
    }
}

/// A parse error: Go's message without the `template: name:line: ` prefix is not kept;
/// the message is complete.
#[derive(Debug)]
pub(crate) struct ParseError(pub(crate) String);

/// What `textOrAction` can return besides a node.
enum Parsed {
    Node(Node),
    End,
    Else,
}

/// How an item list ended.
enum Ending {
    End,
    Else,
}

pub(crate) struct Trees {
    /// Every template by name, the main one included.
    pub(crate) trees: BTreeMap<String, ListNode>,
}

type PResult<T> = Result<T, ParseError>;

struct Parser<'a, 'f> {
    lex: Lexer<'a>,
    parse_name: &'a str,
    token: [Item<'a>; 3],
    peek_count: usize,
    vars: Vec<String>,
    action_line: usize,
    range_depth: usize,
    depth: usize,
    resolve: &'f dyn Fn(&str) -> Option<usize>,
    trees: BTreeMap<String, ListNode>,
}

fn empty_item<'a>() -> Item<'a> {
    Item {
        typ: ItemType::Eof,
        pos: 0,
        val: std::borrow::Cow::Borrowed(""),
        line: 0,
    }
}

/// Go's `parse.IsEmptyTree`: only whitespace text.
fn is_empty_list(list: &ListNode) -> bool {
    list.nodes.iter().all(|node| match node {
        Node::Text(text) => text.trim().is_empty(),
        _ => false,
    })
}

pub(crate) fn parse(
    name: &str,
    text: &str,
    resolve: &dyn Fn(&str) -> Option<usize>,
) -> Result<Trees, ParseError> {
    let mut parser = Parser {
        lex: Lexer::new(text),
        parse_name: name,
        token: [empty_item(), empty_item(), empty_item()],
        peek_count: 0,
        vars: vec!["$".to_string()],
        action_line: 0,
        range_depth: 0,
        depth: 0,
        resolve,
        trees: BTreeMap::new(),
    };
    let root = parser.parse_top()?;
    parser.add(name.to_string(), root)?;
    Ok(Trees {
        trees: parser.trees,
    })
}

fn unquote(text: &str) -> Result<String, String> {
    let bad = || "invalid syntax".to_string();
    let bytes = text.as_bytes();
    if bytes.len() < 2 || bytes[0] != bytes[bytes.len() - 1] {
        return Err(bad());
    }
    let inner = &text[1..text.len() - 1];
    match bytes[0] {
        b'`' => {
            if inner.contains('`') {
                return Err(bad());
            }
            Ok(inner.replace('\r', ""))
        }
        b'"' if !inner.contains(['\\', '"', '\n']) => Ok(inner.to_string()),
        b'"' => {
            let mut out: Vec<u8> = Vec::with_capacity(inner.len());
            let mut chars = inner.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '"' || c == '\n' {
                    return Err(bad());
                }
                if c != '\\' {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    continue;
                }
                match unquote_escape(&mut chars, '"')? {
                    Escaped::Char(c) => {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                    Escaped::Byte(b) => out.push(b),
                }
            }
            // Go strings may hold any bytes; a Rust string holds UTF-8 only.
            Ok(crate::value::lossy_utf8(&out))
        }
        _ => Err(bad()),
    }
}

/// The rune of a character constant such as `'a'` or `'\n'`.
fn unquote_char_constant(text: &str) -> Result<char, String> {
    let bad = || "invalid syntax".to_string();
    if text.len() < 2 || !text.starts_with('\'') || !text.ends_with('\'') {
        return Err(bad());
    }
    let inner = &text[1..text.len() - 1];
    let mut chars = inner.chars().peekable();
    let first = chars.next().ok_or_else(bad)?;
    let c = match first {
        '\'' | '\n' => return Err(bad()),
        '\\' => match unquote_escape(&mut chars, '\'')? {
            Escaped::Char(c) => c,
            Escaped::Byte(b) => b as char,
        },
        c => c,
    };
    if chars.next().is_some() {
        return Err(format!("malformed character constant: {text}"));
    }
    Ok(c)
}

enum Escaped {
    Char(char),
    Byte(u8),
}

fn unquote_escape(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    quote: char,
) -> Result<Escaped, String> {
    let bad = || "invalid syntax".to_string();
    let c = chars.next().ok_or_else(bad)?;
    let hex =
        |chars: &mut std::iter::Peekable<std::str::Chars<'_>>, n: usize| -> Result<u32, String> {
            let mut value = 0u32;
            for _ in 0..n {
                let d = chars.next().and_then(|c| c.to_digit(16)).ok_or_else(bad)?;
                value = value * 16 + d;
            }
            Ok(value)
        };
    Ok(match c {
        'a' => Escaped::Char('\u{7}'),
        'b' => Escaped::Char('\u{8}'),
        'f' => Escaped::Char('\u{c}'),
        'n' => Escaped::Char('\n'),
        'r' => Escaped::Char('\r'),
        't' => Escaped::Char('\t'),
        'v' => Escaped::Char('\u{b}'),
        '\\' => Escaped::Char('\\'),
        'x' => Escaped::Byte(hex(chars, 2)? as u8),
        'u' => Escaped::Char(char::from_u32(hex(chars, 4)?).ok_or_else(bad)?),
        'U' => Escaped::Char(char::from_u32(hex(chars, 8)?).ok_or_else(bad)?),
        '0'..='7' => {
            let mut value = c.to_digit(8).unwrap_or(0);
            for _ in 0..2 {
                let d = chars.next().and_then(|c| c.to_digit(8)).ok_or_else(bad)?;
                value = value * 8 + d;
            }
            if value > 255 {
                return Err(bad());
            }
            Escaped::Byte(value as u8)
        }
        c if c == quote => Escaped::Char(c),
        _ => return Err(bad()),
    })
}

/// Go's `strconv.ParseUint(text, 0, 64)`-style integer parse; `None` when invalid,
/// `Some(Err)` on overflow.
pub(crate) fn parse_go_int(text: &str) -> Option<Result<i128, ()>> {
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits, prefixed) =
        if let Some(rest) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, rest, true)
        } else if let Some(rest) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
            (8, rest, true)
        } else if let Some(rest) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
            (2, rest, true)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..], true)
        } else {
            (10, body, false)
        };
    if digits.is_empty() {
        return None;
    }
    // Underscores only between digits, and only with a base prefix (Go's rule).
    if digits.contains('_')
        && (digits.starts_with('_') && !prefixed || digits.ends_with('_') || digits.contains("__"))
    {
        return None;
    }
    let mut value: i128 = 0;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(radix)? as i128;
        value = value * radix as i128 + d;
        if value > u64::MAX as i128 {
            return Some(Err(()));
        }
    }
    Some(Ok(if negative { -value } else { value }))
}

/// Go's rule for `_` in number literals: only between digits (or after a base prefix).
fn underscores_ok(text: &str) -> bool {
    let body = text.trim_start_matches(['+', '-']);
    let bytes = body.as_bytes();
    let prefixed = bytes.len() >= 2
        && bytes[0] == b'0'
        && matches!(bytes[1].to_ascii_lowercase(), b'x' | b'o' | b'b');
    for (index, byte) in bytes.iter().enumerate() {
        if *byte != b'_' {
            continue;
        }
        let prev_ok = index > 0 && (bytes[index - 1].is_ascii_hexdigit() || prefixed && index == 2);
        let next_ok = bytes.get(index + 1).is_some_and(u8::is_ascii_hexdigit);
        if !prev_ok || !next_ok {
            return false;
        }
    }
    true
}

/// A hexadecimal floating-point literal such as `0x1.8p1`.
fn parse_hex_float(text: &str) -> Option<f64> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let body = body
        .strip_prefix("0x")
        .or_else(|| body.strip_prefix("0X"))?;
    let (mantissa, exponent) = body.split_once(['p', 'P'])?;
    let exponent: i32 = exponent.parse().ok()?;
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut value = 0f64;
    for c in int_part.chars().chain(frac_part.chars()) {
        value = value * 16.0 + f64::from(c.to_digit(16)?);
    }
    let scale = exponent - 4 * frac_part.len() as i32;
    let value = value * 2f64.powi(scale);
    value
        .is_finite()
        .then_some(if negative { -value } else { value })
}

fn parse_number(text: &str, typ: ItemType) -> Result<Number, String> {
    let mut number = Number {
        text: text.to_string(),
        is_int: false,
        int: 0,
        is_uint: false,
        is_float: false,
        float: 0.0,
        is_complex: false,
    };
    if typ == ItemType::CharConstant {
        let c = unquote_char_constant(text)?;
        number.int = c as i64;
        number.is_int = true;
        number.is_uint = true;
        number.float = c as u32 as f64;
        number.is_float = true;
        return Ok(number);
    }
    if typ == ItemType::Complex || text.ends_with('i') {
        number.is_complex = true;
        return Ok(number);
    }
    match parse_go_int(text) {
        Some(Ok(value)) => {
            if value >= 0 && value <= u64::MAX as i128 {
                number.is_uint = true;
            }
            if value >= i64::MIN as i128 && value <= i64::MAX as i128 {
                number.is_int = true;
                number.int = value as i64;
            }
            if number.is_int {
                number.is_float = true;
                number.float = number.int as f64;
            } else if number.is_uint {
                number.is_float = true;
                number.float = value as f64;
            }
        }
        Some(Err(())) | None => {
            let parsed = if underscores_ok(text) {
                let cleaned = text.replace('_', "");
                if cleaned.contains(['x', 'X']) {
                    parse_hex_float(&cleaned)
                } else {
                    cleaned.parse::<f64>().ok().filter(|f| f.is_finite())
                }
            } else {
                None
            };
            if let Some(f) = parsed {
                if !text.contains(['.', 'e', 'E', 'p', 'P']) {
                    return Err(format!("integer overflow: {}", crate::gofmt::quote(text)));
                }
                number.is_float = true;
                number.float = f;
                if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 {
                    number.is_int = true;
                    number.int = f as i64;
                }
                if f.fract() == 0.0 && f >= 0.0 && f < u64::MAX as f64 {
                    number.is_uint = true;
                }
            }
        }
    }
    if !number.is_int && !number.is_uint && !number.is_float {
        return Err(format!(
            "illegal number syntax: {}",
            crate::gofmt::quote(text)
        ));
    }
    Ok(number)
}

impl<'a, 'f> Parser<'a, 'f> {
    fn errorf(&self, message: String) -> ParseError {
        ParseError(format!(
            "template: {}:{}: {}",
            self.parse_name, self.token[0].line, message
        ))
    }

    fn next(&mut self) -> Item<'a> {
        if self.peek_count > 0 {
            self.peek_count -= 1;
        } else {
            self.token[0] = self.lex.next_item();
        }
        self.token[self.peek_count].clone()
    }

    fn backup(&mut self) {
        self.peek_count += 1;
    }

    fn backup2(&mut self, t1: Item<'a>) {
        self.token[1] = t1;
        self.peek_count = 2;
    }

    fn backup3(&mut self, t2: Item<'a>, t1: Item<'a>) {
        self.token[1] = t1;
        self.token[2] = t2;
        self.peek_count = 3;
    }

    fn peek(&mut self) -> Item<'a> {
        if self.peek_count > 0 {
            return self.token[self.peek_count - 1].clone();
        }
        self.peek_count = 1;
        self.token[0] = self.lex.next_item();
        self.token[0].clone()
    }

    fn next_non_space(&mut self) -> Item<'a> {
        loop {
            let token = self.next();
            if token.typ != ItemType::Space {
                return token;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item<'a> {
        let token = self.next_non_space();
        self.backup();
        token
    }

    fn unexpected(&self, token: &Item<'_>, context: &str) -> ParseError {
        if token.typ == ItemType::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != token.line {
                extra = format!(
                    " in action started at {}:{}",
                    self.parse_name, self.action_line
                );
                if token.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(format!("{}{}", token.describe(), extra));
        }
        self.errorf(format!("unexpected {} in {}", token.describe(), context))
    }

    fn expect(&mut self, expected: ItemType, context: &str) -> PResult<Item<'a>> {
        let token = self.next_non_space();
        if token.typ != expected {
            return Err(self.unexpected(&token, context));
        }
        Ok(token)
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_PARSE_DEPTH {
            return Err(self.errorf(format!(
                "nesting deeper than {MAX_PARSE_DEPTH} levels is not supported"
            )));
        }
        Ok(())
    }

    fn add(&mut self, name: String, root: ListNode) -> PResult<()> {
        match self.trees.get(&name) {
            Some(existing) if !is_empty_list(existing) => {
                if !is_empty_list(&root) {
                    return Err(self.errorf(format!(
                        "template: multiple definition of template {}",
                        crate::gofmt::quote(&name)
                    )));
                }
            }
            _ => {
                self.trees.insert(name, root);
            }
        }
        Ok(())
    }

    fn parse_top(&mut self) -> PResult<ListNode> {
        let mut root = ListNode { nodes: Vec::new() };
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let delim = self.next();
                if self.next_non_space().typ == ItemType::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.backup2(delim);
            }
            match self.text_or_action()? {
                Parsed::End => return Err(self.errorf("unexpected {{end}}".to_string())),
                Parsed::Else => return Err(self.errorf("unexpected {{else}}".to_string())),
                Parsed::Node(node) => root.nodes.push(node),
            }
        }
        Ok(root)
    }

    fn parse_definition(&mut self) -> PResult<()> {
        let context = "define clause";
        let token = self.next_non_space();
        if token.typ != ItemType::String && token.typ != ItemType::RawString {
            return Err(self.unexpected(&token, context));
        }
        let name = unquote(&token.val).map_err(|e| self.errorf(e))?;
        self.expect(ItemType::RightDelim, context)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".to_string()]);
        let saved_range = std::mem::replace(&mut self.range_depth, 0);
        let (list, end) = self.item_list()?;
        self.vars = saved_vars;
        self.range_depth = saved_range;
        if let Ending::Else = end {
            return Err(self.errorf(format!("unexpected {{{{else}}}} in {context}")));
        }
        self.add(name, list)
    }

    fn item_list(&mut self) -> PResult<(ListNode, Ending)> {
        let mut list = ListNode { nodes: Vec::new() };
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action()? {
                Parsed::Node(node) => list.nodes.push(node),
                Parsed::End => return Ok((list, Ending::End)),
                Parsed::Else => return Ok((list, Ending::Else)),
            }
        }
        Err(self.errorf("unexpected EOF".to_string()))
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Text => Ok(Parsed::Node(Node::Text(token.val.into_owned()))),
            ItemType::LeftDelim => {
                self.action_line = token.line;
                let result = self.action();
                self.action_line = 0;
                result
            }
            _ => Err(self.unexpected(&token, "input")),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Block => return self.block_control().map(Parsed::Node),
            ItemType::Break | ItemType::Continue => {
                let name = if token.typ == ItemType::Break {
                    "{{break}}"
                } else {
                    "{{continue}}"
                };
                let next = self.next_non_space();
                if next.typ != ItemType::RightDelim {
                    return Err(self.unexpected(&next, name));
                }
                if self.range_depth == 0 {
                    return Err(self.errorf(format!("{name} outside {{{{range}}}}")));
                }
                return Ok(Parsed::Node(if token.typ == ItemType::Break {
                    Node::Break { pos: token.pos }
                } else {
                    Node::Continue { pos: token.pos }
                }));
            }
            ItemType::Else => {
                let peek = self.peek_non_space();
                if peek.typ != ItemType::If {
                    self.expect(ItemType::RightDelim, "else")?;
                }
                return Ok(Parsed::Else);
            }
            ItemType::End => {
                self.expect(ItemType::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemType::If => return self.control(BranchKind::If).map(Parsed::Node),
            ItemType::Range => return self.control(BranchKind::Range).map(Parsed::Node),
            ItemType::With => return self.control(BranchKind::With).map(Parsed::Node),
            ItemType::Template => return self.template_control().map(Parsed::Node),
            _ => {}
        }
        self.backup();
        let token = self.peek();
        let pipe = self.pipeline("command", ItemType::RightDelim)?;
        Ok(Parsed::Node(Node::Action {
            pos: token.pos,
            pipe,
        }))
    }

    fn control(&mut self, kind: BranchKind) -> PResult<Node> {
        self.enter()?;
        let context = match kind {
            BranchKind::If => "if",
            BranchKind::Range => "range",
            BranchKind::With => "with",
        };
        let vars_mark = self.vars.len();
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        if kind == BranchKind::Range {
            self.range_depth += 1;
        }
        let (list, next) = self.item_list()?;
        if kind == BranchKind::Range {
            self.range_depth -= 1;
        }
        let mut else_list = None;
        match next {
            Ending::End => {}
            Ending::Else => {
                if kind == BranchKind::If && self.peek().typ == ItemType::If {
                    self.next();
                    let nested = self.control(BranchKind::If)?;
                    else_list = Some(ListNode {
                        nodes: vec![nested],
                    });
                } else {
                    let (list, next) = self.item_list()?;
                    if let Ending::Else = next {
                        return Err(self.errorf("expected end; found {{else}}".to_string()));
                    }
                    else_list = Some(list);
                }
            }
        }
        self.vars.truncate(vars_mark);
        self.depth -= 1;
        Ok(Node::Branch {
            kind,
            pos: pipe.pos,
            pipe,
            list,
            else_list,
        })
    }

    fn template_name(&mut self, token: &Item<'_>, context: &str) -> PResult<String> {
        match token.typ {
            ItemType::String | ItemType::RawString => {
                unquote(&token.val).map_err(|e| self.errorf(e))
            }
            _ => Err(self.unexpected(token, context)),
        }
    }

    fn template_control(&mut self) -> PResult<Node> {
        let context = "template clause";
        let token = self.next_non_space();
        let name = self.template_name(&token, context)?;
        let mut pipe = None;
        if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(context, ItemType::RightDelim)?);
        }
        Ok(Node::Template {
            pos: token.pos,
            name,
            pipe,
        })
    }

    fn block_control(&mut self) -> PResult<Node> {
        let context = "block clause";
        let token = self.next_non_space();
        let name = self.template_name(&token, context)?;
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        self.enter()?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".to_string()]);
        let saved_range = std::mem::replace(&mut self.range_depth, 0);
        let (list, end) = self.item_list()?;
        self.vars = saved_vars;
        self.range_depth = saved_range;
        self.depth -= 1;
        if let Ending::Else = end {
            return Err(self.errorf(format!("unexpected {{{{else}}}} in {context}")));
        }
        self.add(name.clone(), list)?;
        Ok(Node::Template {
            pos: token.pos,
            name,
            pipe: Some(pipe),
        })
    }

    fn pipeline(&mut self, context: &str, end: ItemType) -> PResult<Pipe> {
        let token = self.peek_non_space();
        let mut pipe = Pipe {
            pos: token.pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        'decls: loop {
            let v = self.peek_non_space();
            if v.typ == ItemType::Variable {
                self.next();
                let token_after_variable = self.peek();
                let next = self.peek_non_space();
                if next.typ == ItemType::Assign || next.typ == ItemType::Declare {
                    pipe.is_assign = next.typ == ItemType::Assign;
                    self.next_non_space();
                    pipe.decl.push(v.val.to_string());
                    self.vars.push(v.val.to_string());
                } else if next.typ == ItemType::Char && next.val == "," {
                    self.next_non_space();
                    pipe.decl.push(v.val.to_string());
                    self.vars.push(v.val.to_string());
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().typ {
                            ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => {
                                continue 'decls;
                            }
                            _ => {
                                return Err(
                                    self.errorf("range can only initialize variables".to_string())
                                );
                            }
                        }
                    }
                    return Err(self.errorf(format!("too many declarations in {context}")));
                } else if token_after_variable.typ == ItemType::Space {
                    self.backup3(v, token_after_variable);
                } else {
                    self.backup2(v);
                }
            }
            break;
        }
        loop {
            let token = self.next_non_space();
            match token.typ {
                t if t == end => {
                    self.check_pipeline(&pipe, context)?;
                    return Ok(pipe);
                }
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let command = self.command()?;
                    pipe.cmds.push(command);
                }
                _ => return Err(self.unexpected(&token, context)),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return Err(self.errorf(format!("missing value for {context}")));
        }
        for (index, cmd) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                cmd.args[0],
                Arg::Bool { .. }
                    | Arg::Dot { .. }
                    | Arg::Nil { .. }
                    | Arg::Number { .. }
                    | Arg::String { .. }
            ) {
                return Err(self.errorf(format!(
                    "non executable command in pipeline stage {}",
                    index + 1
                )));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> PResult<Command> {
        let pos = self.peek_non_space().pos;
        let mut cmd = Command {
            pos,
            args: Vec::new(),
        };
        loop {
            self.peek_non_space();
            if let Some(operand) = self.operand()? {
                cmd.args.push(operand);
            }
            let token = self.next();
            match token.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return Err(self.unexpected(&token, "operand")),
            }
            break;
        }
        if cmd.args.is_empty() {
            return Err(self.errorf("empty command".to_string()));
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().typ != ItemType::Field {
            return Ok(Some(node));
        }
        let chain_pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek().typ == ItemType::Field {
            let field = self.next().val;
            fields.push(field[1..].to_string());
        }
        Ok(Some(match node {
            Arg::Field { mut idents, .. } => {
                idents.extend(fields);
                Arg::Field {
                    pos: chain_pos,
                    idents,
                }
            }
            Arg::Variable { mut idents, .. } => {
                idents.extend(fields);
                Arg::Variable {
                    pos: chain_pos,
                    idents,
                }
            }
            Arg::Bool { .. }
            | Arg::String { .. }
            | Arg::Number { .. }
            | Arg::Nil { .. }
            | Arg::Dot { .. } => {
                return Err(self.errorf(format!(
                    "unexpected . after term {}",
                    crate::gofmt::quote(&node.to_string())
                )));
            }
            other => Arg::Chain {
                pos: chain_pos,
                node: Box::new(other),
                fields,
            },
        }))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let token = self.next_non_space();
        Ok(Some(match token.typ {
            ItemType::Identifier => {
                let Some(func) = (self.resolve)(&token.val) else {
                    return Err(self.errorf(format!(
                        "function {} not defined",
                        crate::gofmt::quote(&token.val)
                    )));
                };
                Arg::Identifier {
                    pos: token.pos,
                    name: token.val.into_owned(),
                    func,
                }
            }
            ItemType::Dot => Arg::Dot { pos: token.pos },
            ItemType::Nil => Arg::Nil { pos: token.pos },
            ItemType::Variable => {
                let idents: Vec<String> = token.val.split('.').map(str::to_string).collect();
                if !self.vars.iter().any(|v| *v == idents[0]) {
                    return Err(self.errorf(format!(
                        "undefined variable {}",
                        crate::gofmt::quote(&idents[0])
                    )));
                }
                Arg::Variable {
                    pos: token.pos,
                    idents,
                }
            }
            ItemType::Field => Arg::Field {
                pos: token.pos,
                idents: token.val[1..].split('.').map(str::to_string).collect(),
            },
            ItemType::Bool => Arg::Bool {
                pos: token.pos,
                value: token.val == "true",
            },
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => {
                let number = parse_number(&token.val, token.typ).map_err(|e| self.errorf(e))?;
                Arg::Number {
                    pos: token.pos,
                    number: Box::new(number),
                }
            }
            ItemType::LeftParen => {
                self.enter()?;
                let pipe = self.pipeline("parenthesized pipeline", ItemType::RightParen)?;
                self.depth -= 1;
                Arg::Pipe(Box::new(pipe))
            }
            ItemType::String | ItemType::RawString => {
                let text = unquote(&token.val).map_err(|e| self.errorf(e))?;
                Arg::String {
                    pos: token.pos,
                    quoted: token.val.into_owned(),
                    text,
                }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}
