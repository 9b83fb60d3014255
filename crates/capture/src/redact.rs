//! Every credential the capture holds, so that no message can carry one.
//!
//! Credentials are never formatted on purpose; this is the second line: every text that
//! reaches a log line, an error or `capture.json` goes through [`Redactor::redact`],
//! which replaces each known credential (kubeconfig tokens, passwords, keys and
//! certificates; cluster secret configs) by `[redacted]`.

use std::sync::{Arc, RwLock};

use serde_json::Value;

/// Shorter values are field names and flags rather than credentials, and replacing them
/// would mangle ordinary text.
const MIN_SECRET_LEN: usize = 8;

#[derive(Clone, Default)]
pub(crate) struct Redactor {
    secrets: Arc<RwLock<Vec<String>>>,
}

impl Redactor {
    /// Remembers `secret` (and nothing shorter than a credential can be).
    pub(crate) fn add(&self, secret: &str) {
        let secret = secret.trim();
        if secret.len() < MIN_SECRET_LEN {
            return;
        }
        let mut secrets = self.secrets.write().unwrap_or_else(|e| e.into_inner());
        if !secrets.iter().any(|known| known == secret) {
            secrets.push(secret.to_string());
            // Longest first, so that a secret containing another is replaced whole.
            secrets.sort_by_key(|known| std::cmp::Reverse(known.len()));
        }
    }

    /// Remembers every string inside `value` (a kubeconfig user, a cluster secret's
    /// `config`), and the base64 and PEM lines they may also appear as.
    pub(crate) fn add_all_strings(&self, value: &Value) {
        match value {
            Value::String(text) => {
                self.add(text);
                for line in text.lines() {
                    if !line.starts_with("-----") {
                        self.add(line);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| self.add_all_strings(item)),
            Value::Object(map) => map.values().for_each(|item| self.add_all_strings(item)),
            _ => {}
        }
    }

    pub(crate) fn redact(&self, text: &str) -> String {
        let secrets = self.secrets.read().unwrap_or_else(|e| e.into_inner());
        let mut text = text.to_string();
        for secret in secrets.iter() {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), "[redacted]");
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_credentials_are_replaced_and_short_strings_kept() {
        let redactor = Redactor::default();
        redactor.add_all_strings(&serde_json::json!({
            "token": "planted-token-123456",
            "insecure": "true",
            "keyData": "-----BEGIN KEY-----\nQUJDREVGR0hJSktM\n-----END KEY-----",
        }));
        assert_eq!(
            redactor.redact("Bearer planted-token-123456 is true; QUJDREVGR0hJSktM"),
            "Bearer [redacted] is true; [redacted]"
        );
    }
}
