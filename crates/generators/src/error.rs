//! The errors of generation, and the field paths they point at.

use std::fmt;

use serde_json::Value;

/// Why an ApplicationSet could not be evaluated.
///
/// Every variant names the field of the ApplicationSet where the problem is, as a path
/// such as `spec.generators[1].list.elements[0].cluster`. Argo CD reacts to any of these
/// the same way: the reconcile stops, nothing is created, updated or deleted (rulebook
/// section 7), so a caller must never read an error as "zero Applications".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// A field does not have the type or value the ApplicationSet CRD or a generator
    /// requires.
    #[error("{path}: {message}")]
    InvalidField { path: String, message: String },
    /// A label selector (of a cluster generator or a post-generator selector) cannot be
    /// parsed.
    #[error("{path}: {message}")]
    InvalidSelector { path: String, message: String },
    /// A template string cannot be rendered.
    #[error("{path}: invalid template: {message}")]
    InvalidTemplate { path: String, message: String },
    /// A feature this tool cannot evaluate (yet, or offline).
    #[error("{path}: {feature} is not supported yet")]
    Unsupported { path: String, feature: String },
    /// A git generator could not list or read its repository, or a file in it is not what
    /// the generator needs (Argo CD's repo-server errors).
    #[error("{path}: {message}")]
    Repository { path: String, message: String },
    /// A generator needs an answer from the network (SCM provider, pull request, plugin)
    /// and no recorded answer was given for it.
    #[error("{path}: {message}")]
    NotOffline { path: String, message: String },
    /// A generator's own rule failed: matrix or merge structure, merge keys, a
    /// clusterDecisionResource lookup, a recorded provider error.
    #[error("{path}: {message}")]
    Generator { path: String, message: String },
    /// The ApplicationSet would generate more Applications (or a generator more
    /// parameter sets) than the limit of [`crate::GenerationContext::max_applications`].
    #[error("{path}: generates at least {count} Applications, more than the limit of {limit}; if that many are intended, raise the limit with `--max-applications`")]
    TooManyApplications {
        path: String,
        count: usize,
        limit: usize,
    },
}

impl GenerateError {
    /// The path of the field the error is about.
    pub fn path(&self) -> &str {
        match self {
            GenerateError::InvalidField { path, .. }
            | GenerateError::InvalidSelector { path, .. }
            | GenerateError::InvalidTemplate { path, .. }
            | GenerateError::Unsupported { path, .. }
            | GenerateError::Repository { path, .. }
            | GenerateError::NotOffline { path, .. }
            | GenerateError::Generator { path, .. }
            | GenerateError::TooManyApplications { path, .. } => path,
        }
    }

    pub(crate) fn invalid(path: &FieldPath, message: impl Into<String>) -> GenerateError {
        GenerateError::InvalidField {
            path: path.to_string(),
            message: message.into(),
        }
    }

    /// A field of the wrong JSON type: `must be a string, found number`.
    pub(crate) fn wrong_type(path: &FieldPath, expected: &str, found: &Value) -> GenerateError {
        GenerateError::invalid(
            path,
            format!("must be {expected}, found {}", type_name(found)),
        )
    }

    pub(crate) fn repository(path: &FieldPath, message: impl Into<String>) -> GenerateError {
        GenerateError::Repository {
            path: path.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn generator(path: &FieldPath, message: impl Into<String>) -> GenerateError {
        GenerateError::Generator {
            path: path.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn unsupported(path: &FieldPath, feature: impl Into<String>) -> GenerateError {
        GenerateError::Unsupported {
            path: path.to_string(),
            feature: feature.into(),
        }
    }
}

/// The name of a JSON type as YAML and Kubernetes users call it.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Key(String),
    Index(usize),
}

/// The location of a field inside the ApplicationSet, printed the way users write it:
/// `spec.generators[0].list.elements[2]`, with keys that are not plain words quoted
/// (`metadata.labels["example.com/team"]`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct FieldPath {
    segments: Vec<Segment>,
}

impl FieldPath {
    /// A path from dotted plain keys, for the fixed parts of the ApplicationSet schema.
    pub(crate) fn of(dotted: &str) -> FieldPath {
        FieldPath {
            segments: dotted
                .split('.')
                .filter(|key| !key.is_empty())
                .map(|key| Segment::Key(key.to_string()))
                .collect(),
        }
    }

    pub(crate) fn key(&self, key: &str) -> FieldPath {
        let mut path = self.clone();
        path.segments.push(Segment::Key(key.to_string()));
        path
    }

    pub(crate) fn index(&self, index: usize) -> FieldPath {
        let mut path = self.clone();
        path.segments.push(Segment::Index(index));
        path
    }

    pub(crate) fn join(&self, tail: &[Segment]) -> FieldPath {
        let mut path = self.clone();
        path.segments.extend_from_slice(tail);
        path
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.segments.is_empty() {
            return f.write_str("(appset)");
        }
        for (position, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Index(index) => write!(f, "[{index}]")?,
                Segment::Key(key) if is_plain_key(key) => {
                    if position > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(key)?;
                }
                Segment::Key(key) => write!(f, "[{key:?}]")?,
            }
        }
        Ok(())
    }
}

fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_like_users_write_them() {
        let path = FieldPath::of("spec.generators")
            .index(1)
            .key("list")
            .key("elements")
            .index(0)
            .key("cluster");
        assert_eq!(
            path.to_string(),
            "spec.generators[1].list.elements[0].cluster"
        );
        let quoted = FieldPath::of("metadata.labels").key("example.com/team");
        assert_eq!(quoted.to_string(), r#"metadata.labels["example.com/team"]"#);
        assert_eq!(FieldPath::default().to_string(), "(appset)");
    }
}
