//! Go `text/template` with Sprig, as Argo CD's ApplicationSet controller renders
//! `goTemplate: true` fields, in pure Rust.
//!
//! The role of this crate is to predict, byte for byte, what the controller renders
//! for one string field and which error it reports: Go's lexer and parser (with Go's
//! error messages, template name, line and column), Go's executor (pipelines,
//! variables, `if`/`range`/`with`/`define`/`template`/`block`, `break`/`continue`,
//! `missingkey`), Go's value printing (`1e+06`, `map[k:v]`, `<no value>`), `printf`,
//! and the function map Argo CD installs: Go's builtins, Sprig's generic functions
//! without `env`, `expandenv` and `getHostByName`, plus `normalize`, `slugify`,
//! `toYaml`, `fromYaml` and `fromYamlArray`.
//!
//! Main types:
//! - [`Template`]: a parsed template (with its `define`d templates); parse once,
//!   execute many times. It is `Send + Sync`.
//! - [`Options`]: Go's template options (`missingkey=...`) and resource [`Limits`].
//! - [`Params`]: parameters converted once from JSON (numbers are float64, as the
//!   controller sees them), reusable across the fields of one Application.
//! - [`Env`]: what the caller provides instead of the outside world: the clock and
//!   the seed of the random functions.
//! - [`Error`]: parse, option, execution and limit errors, as values; the message is
//!   Go's.
//! - [`render`]: one field the way Argo CD renders it, with Argo CD's error wrapping.
//!
//! Invariants: no I/O, no OS clock, no environment variables, no OS randomness; no
//! panics on hostile input (recursion depth, steps and output size are bounded);
//! nothing else in the workspace is a dependency.

mod exec;
mod funcs;
mod gofmt;
mod hash;
mod lex;
mod parse;
pub mod regexp;
mod value;
mod yaml;

use std::collections::BTreeMap;
use std::fmt;

/// Largest string a single function may build (`repeat`, `indent`, random strings).
pub(crate) const MAX_VALUE_BYTES: usize = 16 << 20;

/// What text/template does when a map has no entry for a field (`missingkey=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingKey {
    /// `missingkey=default` or `missingkey=invalid`: the value is missing and prints
    /// as `<no value>`.
    #[default]
    Invalid,
    /// `missingkey=zero`: the zero value of the map's element type.
    Zero,
    /// `missingkey=error`: execution fails.
    Error,
}

/// Bounds on what one execution may cost. Go has none of these (except a template
/// recursion depth of 100000); they exist so hostile templates fail as values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest output, in bytes.
    pub max_output_bytes: usize,
    /// Largest number of evaluated nodes and commands.
    pub max_steps: u64,
    /// Deepest nesting of `{{template}}` calls.
    pub max_template_depth: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_output_bytes: MAX_VALUE_BYTES,
            max_steps: 10_000_000,
            max_template_depth: 100,
        }
    }
}

/// Template options: Go's `Template.Option` settings plus resource limits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    pub missing_key: MissingKey,
    pub limits: Limits,
}

impl Options {
    /// Reads `goTemplateOptions` as Argo CD passes them to `Template.Option`.
    pub fn from_go_options<S: AsRef<str>>(options: &[S]) -> Result<Options, Error> {
        let mut parsed = Options::default();
        for option in options {
            let option = option.as_ref();
            if option.is_empty() {
                return Err(Error::new(ErrorKind::Option, "empty option string"));
            }
            parsed.missing_key = match option.split_once('=') {
                Some(("missingkey", "invalid" | "default")) => MissingKey::Invalid,
                Some(("missingkey", "zero")) => MissingKey::Zero,
                Some(("missingkey", "error")) => MissingKey::Error,
                _ => {
                    return Err(Error::new(
                        ErrorKind::Option,
                        format!("unrecognized option: {option}"),
                    ))
                }
            };
        }
        Ok(parsed)
    }
}

/// A point in time for the date functions, supplied by the caller.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timestamp {
    pub unix_seconds: i64,
    pub nanos: u32,
}

/// The caller-provided environment: the crate never reads the OS clock or OS
/// randomness.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Env {
    /// What `now` returns (Go's `time.Now`, shown in UTC); `None` makes the functions
    /// that read the clock fail (`now`, `ago`, `date` given something else than a time).
    pub now: Option<Timestamp>,
    /// Seed of `randAlpha`, `uuidv4`, `shuffle` and friends.
    pub seed: u64,
}

/// Which step failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// An unknown template option (Go panics on these).
    Option,
    /// The template text does not parse.
    Parse,
    /// Execution failed.
    Execute,
    /// A resource limit of [`Limits`] was reached.
    Limit,
}

/// A template error; `to_string()` is Go's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Parameters converted once from JSON, shared by the fields of one Application.
///
/// Go maps are references: Sprig's `set`, `unset` and `merge` change the parameters in
/// place, and the change is visible to later executions with the same `Params`, as it
/// is in the controller.
pub struct Params(value::Value);

impl Params {
    pub fn from_json(json: &serde_json::Value) -> Params {
        Params(value::from_json(json))
    }

    /// Parameters given as the entries of a JSON object, where the values at `hints` are
    /// the typed Go values the controller builds (a cluster's `map[string]string`
    /// labels, a git path's `[]string` segments) rather than what `encoding/json` would
    /// decode. The type changes what templates see: a missing key of a
    /// `map[string]string` indexes as `""`, not `<no value>`. A hint applies only where
    /// the JSON has that shape (an object of strings, a list of strings).
    pub fn from_entries_typed<'a>(
        entries: impl IntoIterator<Item = (&'a str, &'a serde_json::Value)>,
        hints: &[TypeHint],
    ) -> Params {
        let map = entries
            .into_iter()
            .map(|(key, json)| (key.to_string(), value::from_json(json)))
            .collect();
        let mut root = value::Value::map(map);
        for hint in hints {
            value::apply_type(&mut root, &hint.path, hint.go_type);
        }
        Params(root)
    }
}

/// A Go type JSON cannot express, given to some parameters by the controller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoType {
    /// `map[string]string`
    StringMap,
    /// `[]string`
    StringSlice,
}

/// One step of a path into the parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathStep {
    /// The entry of a map.
    Key(String),
    /// Every item of a list.
    AnyItem,
}

/// Where the parameters hold a value of a Go type JSON cannot express.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeHint {
    pub path: Vec<PathStep>,
    pub go_type: GoType,
}

/// A parsed template and the templates it `define`s.
#[derive(Clone, Debug)]
pub struct Template {
    name: String,
    text: String,
    trees: BTreeMap<String, parse::ListNode>,
    options: Options,
}

impl Template {
    /// Parses `text` as the template `name` (Argo CD uses the empty name).
    pub fn parse(name: &str, text: &str, options: &Options) -> Result<Template, Error> {
        let trees = parse::parse(name, text, &funcs::lookup)
            .map_err(|error| Error::new(ErrorKind::Parse, error.0))?;
        Ok(Template {
            name: name.to_string(),
            text: text.to_string(),
            trees: trees.trees,
            options: *options,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Executes with `params` as dot.
    pub fn execute(&self, params: &serde_json::Value, env: &Env) -> Result<String, Error> {
        self.execute_params(&Params::from_json(params), env)
    }

    /// Executes with already converted parameters.
    pub fn execute_params(&self, params: &Params, env: &Env) -> Result<String, Error> {
        let Some(root) = self.trees.get(&self.name) else {
            return Err(Error::new(
                ErrorKind::Execute,
                format!(
                    "template: {}: {} is an incomplete or empty template",
                    self.name,
                    gofmt::quote(&self.name)
                ),
            ));
        };
        let ctx = funcs::Ctx {
            env,
            rng: env.seed ^ 0x9E37_79B9_7F4A_7C15 | 1,
        };
        let mut state = exec::State::new(self, params.0.clone(), ctx);
        state.run(root)?;
        Ok(std::mem::take(&mut state.out))
    }
}

/// Renders one string field as Argo CD does in goTemplate mode: the template is
/// parsed with the `goTemplateOptions` and executed with the parameters as dot.
/// Errors carry Argo CD's wrapping (`failed to parse template …`, `failed to execute
/// go template …`).
pub fn render(text: &str, params: &serde_json::Value, options: &[String]) -> Result<String, Error> {
    let options = Options::from_go_options(options)?;
    let template = Template::parse("", text, &options).map_err(|error| {
        Error::new(
            error.kind,
            format!("failed to parse template {text}: {}", error.message),
        )
    })?;
    template.execute(params, &Env::default()).map_err(|error| {
        Error::new(
            error.kind,
            format!("failed to execute go template {text}: {}", error.message),
        )
    })
}

/// Go's `strconv.Quote` (`%q` of a string), for callers that write Go's messages.
pub fn go_quote(text: &str) -> String {
    gofmt::quote(text)
}

/// The names of every function a template may call, sorted.
pub fn function_names() -> Vec<&'static str> {
    funcs::names()
}
