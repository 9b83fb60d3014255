//! Untrusted text — names, label values and messages from manifests and snapshots — is
//! shown as what it is. Every format passes it through [`visible`]; Markdown escapes
//! it further where it enters (`markdown/user_text.rs`).

use std::borrow::Cow;

/// The text with every character that could make it read as something else shown as a
/// visible `\u{…}` escape: the bidirectional embedding, override and isolate controls
/// (U+202A–U+202E, U+2066–U+2069, the "Trojan Source" characters rustc also refuses in
/// literals), which reorder what a reviewer sees, and control characters other than
/// newline and tab (a terminal acts on escape sequences and carriage returns).
pub(crate) fn visible(value: &str) -> Cow<'_, str> {
    if !value.chars().any(must_be_escaped) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 16);
    for character in value.chars() {
        if must_be_escaped(character) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(character)));
        } else {
            out.push(character);
        }
    }
    Cow::Owned(out)
}

/// True for the characters [`visible`] escapes.
pub(crate) fn must_be_escaped(character: char) -> bool {
    is_bidi_control(character) || (character.is_control() && !matches!(character, '\n' | '\t'))
}

/// The explicit bidirectional formatting characters that change the display order of
/// the text around them: LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI.
pub(crate) fn is_bidi_control(character: char) -> bool {
    matches!(character, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_and_control_characters_become_visible() {
        assert_eq!(visible("kube-log"), "kube-log");
        assert!(matches!(visible("kube-log"), Cow::Borrowed(_)));
        assert_eq!(visible("a\u{202e}gol"), "a\\u{202e}gol");
        assert_eq!(
            visible("\u{202a}\u{202b}\u{202c}\u{202d}\u{2066}\u{2067}\u{2068}\u{2069}"),
            "\\u{202a}\\u{202b}\\u{202c}\\u{202d}\\u{2066}\\u{2067}\\u{2068}\\u{2069}"
        );
        assert_eq!(visible("x\u{1b}[2Jy\rz"), "x\\u{1b}[2Jy\\u{d}z");
        assert_eq!(visible("line\n\tnext"), "line\n\tnext");
        // Letters of right-to-left scripts are text, not controls.
        assert_eq!(visible("שלום"), "שלום");
    }
}
