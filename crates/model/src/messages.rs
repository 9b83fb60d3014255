//! The messages of the YAML parser every crate uses, in the project's words.

/// A YAML parser's message in the project's words, for the few messages that name the
/// parser's own configuration or types (`set DuplicateKeyPolicy in Options`, `budget
/// breached: RecordedAnchorEvents { … }`); every other message is returned as it is.
/// The text around the message (file, document, line, column) is kept.
pub fn plain_parser_message(text: &str) -> String {
    const DUPLICATE: &str = "duplicate mapping key";
    const DUPLICATE_HINT: &str = ", set DuplicateKeyPolicy in Options if acceptable";
    const BUDGET: &str = "budget breached: ";
    const RECURSIVE: &str = "recursive references require weak recursion types";
    const DEPTH: &str = "recursion limit exceeded";

    if let Some(start) = text.find(DUPLICATE) {
        if let Some(hint) = text[start..].find(DUPLICATE_HINT) {
            let key = text[start + DUPLICATE.len()..start + hint]
                .strip_prefix(": ")
                .map(|key| format!(" `{key}`"))
                .unwrap_or_default();
            return format!(
                "{}the key{key} appears twice in one mapping{}",
                &text[..start],
                &text[start + hint + DUPLICATE_HINT.len()..]
            );
        }
    }
    if let Some(start) = text.find(BUDGET) {
        let breach = &text[start + BUDGET.len()..];
        let name_end = breach
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(breach.len());
        let what = match &breach[..name_end] {
            "Aliases" | "AliasAnchorRatio" | "RecordedAnchorEvents" | "RecordedAnchorBytes" => {
                "its aliases expand to more than the loader reads (a YAML alias bomb is refused)"
            }
            "Depth" => "it is nested deeper than the loader reads",
            _ => "it is larger than the loader reads",
        };
        return format!("{}{what}", &text[..start]);
    }
    if let Some(start) = text.find(RECURSIVE) {
        return format!(
            "{}an alias refers to a node that contains it (recursive YAML cannot be read){}",
            &text[..start],
            &text[start + RECURSIVE.len()..]
        );
    }
    if let Some(start) = text.find(DEPTH) {
        return format!(
            "{}it is nested deeper than the loader reads{}",
            &text[..start],
            &text[start + DEPTH.len()..]
        );
    }
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::plain_parser_message;

    /// Issue 14: error texts are the project's own, never the parser's internals.
    #[track_caller]
    fn check(parser: &str, expected: &str) {
        assert_eq!(plain_parser_message(parser), expected);
    }

    #[test]
    fn issue_14_parser_internals_are_reworded() {
        check(
            "a.yaml: document 1: invalid YAML at line 5, column 3: duplicate mapping key: name, set DuplicateKeyPolicy in Options if acceptable",
            "a.yaml: document 1: invalid YAML at line 5, column 3: the key `name` appears twice in one mapping",
        );
        check(
            "a.yaml: invalid YAML at line 2, column 1: duplicate mapping key, set DuplicateKeyPolicy in Options if acceptable",
            "a.yaml: invalid YAML at line 2, column 1: the key appears twice in one mapping",
        );
        check(
            "b.yaml: document 1: invalid YAML at line 6, column 38: budget breached: RecordedAnchorEvents { recorded_anchor_events: 1000001 } at line 1, column 14 (defined at line 5, column 9) (used at line 6, column 38)",
            "b.yaml: document 1: invalid YAML at line 6, column 38: its aliases expand to more than the loader reads (a YAML alias bomb is refused)",
        );
        check(
            "c.yaml: document 1: invalid YAML at line 1, column 8: recursive references require weak recursion types",
            "c.yaml: document 1: invalid YAML at line 1, column 8: an alias refers to a node that contains it (recursive YAML cannot be read)",
        );
        check(
            "d.yaml: document 1: invalid YAML at line 1, column 256: recursion limit exceeded",
            "d.yaml: document 1: invalid YAML at line 1, column 256: it is nested deeper than the loader reads",
        );
        check(
            "e.yaml: unclosed bracket '['",
            "e.yaml: unclosed bracket '['",
        );
    }
}
