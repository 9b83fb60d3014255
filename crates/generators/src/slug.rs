//! `gosimple/slug` v1.15 `Make`, as the pull request generator configures it
//! (`applicationset/generators/pull_request.go`: `MaxLength = 50`, `CustomSub` turns `_`
//! into `-`, smart truncation on), for `branch_slug` and `target_branch_slug`.
//!
//! The library, for English: custom substitutions, then its default substitutions (`"`,
//! `'` and `’` dropped, figure/en/em dashes and the horizontal bar become `-`) and the
//! English ones (`&` → `and`, `@` → `at`), then `unidecode` transliteration to ASCII,
//! lowercase, every character outside `[a-zA-Z0-9_-]` → `-`, dash runs collapsed, `-`
//! and `_` trimmed at both ends, then smart truncation to 50 bytes.
//!
//! Transliteration covers what branch names in Latin scripts use: Latin-1 Supplement
//! and Latin Extended-A (U+00A0–U+017F) and the combining diacritical marks
//! (U+0300–U+034E, U+0360–U+0362, dropped, so decomposed `é` is `e` too), each as
//! `gosimple/unidecode` v1.0.1 transliterates it. That library's table covers about
//! 46,000 characters (Greek, Cyrillic, CJK, symbols such as `€` → `EU`); characters it
//! maps and this table does not become `-` here, a known gap.

/// The slug of a pull request's branch name.
pub(crate) fn slug(text: &str) -> String {
    const MAX_LENGTH: usize = 50;
    // Custom substitution first (`strings.Replace` of `_`), then the rune
    // substitutions of the default and English tables, then unidecode.
    let mut ascii = String::with_capacity(text.len());
    for c in text.trim().replace('_', "-").chars() {
        match c {
            '"' | '\'' | '\u{2019}' => {}
            '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' => ascii.push('-'),
            '&' => ascii.push_str("and"),
            '@' => ascii.push_str("at"),
            c if c.is_ascii() => ascii.push(c),
            // Not in our table: something `[^a-zA-Z0-9_-]` turns into `-` anyway.
            c => ascii.push_str(transliterate(c).unwrap_or("-")),
        }
    }
    let mut slug = String::with_capacity(ascii.len());
    for c in ascii.to_ascii_lowercase().chars() {
        let c = if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            c
        } else {
            '-'
        };
        if c == '-' && slug.ends_with('-') {
            continue;
        }
        slug.push(c);
    }
    let slug = slug.trim_matches(|c| c == '-' || c == '_').to_string();
    if slug.len() <= MAX_LENGTH {
        return slug;
    }
    match slug.as_bytes()[..=MAX_LENGTH]
        .iter()
        .rposition(|b| *b == b'-')
    {
        Some(cut) => slug[..cut].to_string(),
        None => slug[..MAX_LENGTH].to_string(),
    }
}

/// Latin-1 Supplement and Latin Extended-A, U+00A0 to U+017F, in code point order, as
/// `gosimple/unidecode` v1.0.1 transliterates them.
const LATIN: [&str; 224] = [
    // U+00A0
    " ", "!", "C/", "PS", "$?", "Y=", "|", "SS", "\"", "(c)", "a", "<<", "!", "", "(r)", "-",
    // U+00B0
    "deg", "+-", "2", "3", "'", "u", "P", "*", ",", "1", "o", ">>", "1/4", "1/2", "3/4", "?",
    // U+00C0
    "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",
    // U+00D0
    "D", "N", "O", "O", "O", "O", "O", "x", "O", "U", "U", "U", "U", "Y", "Th", "ss",
    // U+00E0
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    // U+00F0
    "d", "n", "o", "o", "o", "o", "o", "/", "o", "u", "u", "u", "u", "y", "th", "y",
    // U+0100
    "A", "a", "A", "a", "A", "a", "C", "c", "C", "c", "C", "c", "C", "c", "D", "d",
    // U+0110
    "D", "d", "E", "e", "E", "e", "E", "e", "E", "e", "E", "e", "G", "g", "G", "g",
    // U+0120
    "G", "g", "G", "g", "H", "h", "H", "h", "I", "i", "I", "i", "I", "i", "I", "i",
    // U+0130
    "I", "i", "IJ", "ij", "J", "j", "K", "k", "k", "L", "l", "L", "l", "L", "l", "L",
    // U+0140
    "l", "L", "l", "N", "n", "N", "n", "N", "n", "'n", "ng", "NG", "O", "o", "O", "o",
    // U+0150
    "O", "o", "OE", "oe", "R", "r", "R", "r", "R", "r", "S", "s", "S", "s", "S", "s",
    // U+0160
    "S", "s", "T", "t", "T", "t", "T", "t", "U", "u", "U", "u", "U", "u", "U", "u",
    // U+0170
    "U", "u", "U", "u", "W", "w", "Y", "y", "Y", "Z", "z", "Z", "z", "Z", "z", "s",
];

fn transliterate(c: char) -> Option<&'static str> {
    match c as u32 {
        code @ 0xA0..=0x17F => Some(LATIN[(code - 0xA0) as usize]),
        0x300..=0x34E | 0x360..=0x362 => Some(""),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn case(branch: &str, expected: &str) {
        assert_eq!(slug(branch), expected, "slug of {branch:?}");
    }

    #[test]
    fn ascii_rules() {
        case("feature/ABC_123", "feature-abc-123");
        case("  fix--double//slash ", "fix-double-slash");
        case("-_edge_-", "edge");
        case(
            "this-is-a-very-long-branch-name-that-goes-on-and-on-forever",
            "this-is-a-very-long-branch-name-that-goes-on-and",
        );
        case(&"x".repeat(60), &"x".repeat(50));
    }

    /// The default and English substitution tables of gosimple/slug.
    #[test]
    fn substitutions() {
        case("a&b@c", "aandbatc");
        case("Tom & Jerry", "tom-and-jerry");
        case("user@host", "userathost");
        case("it's-\"quoted\"", "its-quoted");
        case("don\u{2019}t", "dont");
        case("a\u{2013}b\u{2014}c\u{2012}d\u{2015}e", "a-b-c-d-e");
    }

    /// unidecode's transliteration, checked against gosimple/unidecode v1.0.1.
    #[test]
    fn transliteration() {
        case("über", "uber");
        case("Straße", "strasse");
        case("café-crème", "cafe-creme");
        case("Ærø_Œuvre", "aero-oeuvre");
        case("Łódź", "lodz");
        case("naïve façade", "naive-facade");
        case("ÐÞ", "dth");
        case("ĳsselmeer", "ijsselmeer");
        case("1×2÷3", "1x2-3");
        case("©®°", "c-r-deg");
        case("e\u{301}te\u{301}", "ete");
        case("soft\u{ad}hyphen", "softhyphen");
        case("non\u{a0}breaking", "non-breaking");
    }

    /// Transliterations longer than the character push the cut of smart truncation.
    #[test]
    fn truncation_after_transliteration() {
        case(&format!("{}-ßß", "a".repeat(47)), &"a".repeat(47));
        case(
            &format!("{}ß", "a".repeat(49)),
            &format!("{}s", "a".repeat(49)),
        );
    }

    /// Outside the table (the documented gap): one `-`, as before.
    #[test]
    fn gap() {
        case("fix-€-sign", "fix-sign");
        case("ветка", "");
        case("feat/日本", "feat");
    }
}
