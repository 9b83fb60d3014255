//! Rendering template strings in the ApplicationSet's mode (rulebook 2): fasttemplate, or
//! Go `text/template` through `preflight-gotmpl` with the `goTemplateOptions`.
//!
//! Go templates are parsed once per distinct string and evaluation (the controller parses
//! each field for every Application; the result is the same, since a parsed template
//! holds no state), and a parameter set is converted once for all the fields of one
//! Application, the way the controller passes one `map[string]any` to all of them.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use preflight_gotmpl::{Env, ErrorKind, MissingKey, Options, Params, Template};
use serde_json::{Map, Value};

use crate::error::Segment;
use crate::fasttemplate;
use crate::params::{Mode, ParamSet, TypeHints};

/// A template string that cannot be rendered, with where it sits in the walked value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RenderFailure {
    /// Path inside the walked value; for a map key, the path of that key.
    pub(crate) segments: Vec<Segment>,
    pub(crate) in_key: bool,
    pub(crate) message: String,
}

/// A Go template that failed: Argo CD's message, and whether the only problem is a
/// missing map key under `missingkey=error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GoFailure {
    pub(crate) message: String,
    pub(crate) missing_key: bool,
}

/// How the strings of one ApplicationSet are rendered.
pub(crate) enum Renderer {
    Fast,
    Go(Box<GoTemplates>),
}

impl Renderer {
    pub(crate) fn mode(&self) -> Mode {
        match self {
            Renderer::Fast => Mode::Fast,
            Renderer::Go(_) => Mode::Go,
        }
    }

    /// Prepares `params` for rendering; `hints` are the Go types of its values (Go
    /// templates only).
    pub(crate) fn bind<'r, 'p>(&'r self, params: &'p ParamSet, hints: &TypeHints) -> Bound<'r, 'p> {
        match self {
            Renderer::Fast => Bound { params, go: None },
            Renderer::Go(templates) => Bound {
                params,
                go: Some((
                    templates,
                    Params::from_entries_typed(
                        params.iter().map(|(key, value)| (key.as_str(), value)),
                        hints.gotmpl(),
                    ),
                )),
            },
        }
    }
}

/// The parsed Go templates of one evaluation, by text and by whether `missingkey=error`
/// is forced (matrix `values`, rulebook 4.5).
pub(crate) struct GoTemplates {
    options: Options,
    strict_options: Options,
    /// The clock and seed the template functions see. The crate reads no clock: `now`
    /// and the other date functions fail, and the random functions use a fixed seed.
    env: Env,
    parsed: Mutex<HashMap<String, Arc<Result<Template, String>>>>,
    parsed_strict: Mutex<HashMap<String, Arc<Result<Template, String>>>>,
}

/// The name of every Go template the controller parses: since Argo CD 3.3 each string is
/// parsed into a clone of a template created as `template.New("base")`, so Go's
/// messages read `template: base:1:3: executing "base" at …`
/// (argo-cd `applicationset/utils/utils.go`, `baseTemplate`, `Render.Replace`).
pub(crate) const TEMPLATE_NAME: &str = "base";

impl GoTemplates {
    /// Reads `goTemplateOptions`; the error is Go's complaint about an option.
    pub(crate) fn new(go_options: &[String]) -> Result<GoTemplates, String> {
        let options = Options::from_go_options(go_options).map_err(|error| error.to_string())?;
        let strict_options = Options {
            missing_key: MissingKey::Error,
            ..options
        };
        Ok(GoTemplates {
            options,
            strict_options,
            env: Env::default(),
            parsed: Mutex::new(HashMap::new()),
            parsed_strict: Mutex::new(HashMap::new()),
        })
    }

    fn template(&self, text: &str, strict: bool) -> Arc<Result<Template, String>> {
        let (cache, options) = if strict {
            (&self.parsed_strict, &self.strict_options)
        } else {
            (&self.parsed, &self.options)
        };
        if let Some(template) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(text) {
            return Arc::clone(template);
        }
        let template = Arc::new(
            Template::parse(TEMPLATE_NAME, text, options)
                .map_err(|error| format!("failed to parse template {text}: {error}")),
        );
        cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(text.to_string(), Arc::clone(&template));
        template
    }

    fn render<'t>(
        &self,
        text: &'t str,
        params: &Params,
        strict: bool,
    ) -> Result<Cow<'t, str>, GoFailure> {
        // Text without `{{` is a template of plain text, which renders as itself.
        if !text.contains("{{") {
            return Ok(Cow::Borrowed(text));
        }
        let template = self.template(text, strict);
        self.execute(text, &template, params).map(Cow::Owned)
    }
}

/// A parameter set ready to render strings with.
pub(crate) struct Bound<'r, 'p> {
    params: &'p ParamSet,
    go: Option<(&'r GoTemplates, Params)>,
}

impl Bound<'_, '_> {
    /// Renders one string (`Render.Replace`).
    pub(crate) fn render_str<'t>(&self, text: &'t str) -> Result<Cow<'t, str>, String> {
        match &self.go {
            None => fasttemplate::render_str(text, self.params),
            Some((templates, params)) => templates
                .render(text, params, false)
                .map_err(|failure| failure.message),
        }
    }

    /// Renders one string with `missingkey=error` forced (Go templates; fasttemplate
    /// renders as usual).
    pub(crate) fn render_str_strict<'t>(&self, text: &'t str) -> Result<Cow<'t, str>, GoFailure> {
        match &self.go {
            None => fasttemplate::render_str(text, self.params).map_err(|message| GoFailure {
                message,
                missing_key: false,
            }),
            Some((templates, params)) => templates.render(text, params, true),
        }
    }

    /// Renders every string value and every map key of `value` (`deeplyReplace`).
    pub(crate) fn render_value(&self, value: &Value) -> Result<Value, RenderFailure> {
        walk(value, &|text| self.render_str(text))
    }

    /// Renders a value compiled with [`GoTemplates::compile`], or `value` itself when
    /// rendering fasttemplate.
    pub(crate) fn render_prepared(
        &self,
        value: &Value,
        compiled: Option<&Compiled>,
    ) -> Result<Value, RenderFailure> {
        match (&self.go, compiled) {
            (Some((templates, params)), Some(compiled)) => templates
                .render_compiled(compiled, params)
                .map_err(RenderFailure::outermost_first),
            _ => self.render_value(value),
        }
    }
}

/// Renders every string value and every map key of `value`, recursively, with `render`.
/// Map entries whose value is null are dropped, as Argo CD's reflective walk skips nil
/// map values; null list items stay.
pub(crate) fn walk(
    value: &Value,
    render: &dyn Fn(&str) -> Result<Cow<'_, str>, String>,
) -> Result<Value, RenderFailure> {
    walk_into(value, render).map_err(RenderFailure::outermost_first)
}

impl RenderFailure {
    fn leaf(message: String, in_key: bool) -> RenderFailure {
        RenderFailure {
            segments: Vec::new(),
            in_key,
            message,
        }
    }

    /// The path is collected innermost first while the walk unwinds, so that a
    /// successful walk never builds one.
    fn within(mut self, segment: Segment) -> RenderFailure {
        self.segments.push(segment);
        self
    }

    fn outermost_first(mut self) -> RenderFailure {
        self.segments.reverse();
        self
    }
}

fn walk_into(
    value: &Value,
    render: &dyn Fn(&str) -> Result<Cow<'_, str>, String>,
) -> Result<Value, RenderFailure> {
    match value {
        Value::String(text) => render(text)
            .map(|rendered| Value::String(rendered.into_owned()))
            .map_err(|message| RenderFailure::leaf(message, false)),
        Value::Array(items) => {
            let mut rendered = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                rendered.push(
                    walk_into(item, render)
                        .map_err(|failure| failure.within(Segment::Index(index)))?,
                );
            }
            Ok(Value::Array(rendered))
        }
        Value::Object(map) => {
            let mut rendered = Map::new();
            for (key, item) in map {
                if item.is_null() {
                    continue;
                }
                let in_entry = |failure: RenderFailure| failure.within(Segment::Key(key.clone()));
                let rendered_item = walk_into(item, render).map_err(in_entry)?;
                let rendered_key =
                    render(key).map_err(|message| in_entry(RenderFailure::leaf(message, true)))?;
                // Two keys rendering to the same text collide; Argo CD keeps whichever its
                // map iteration visits last, here the last in key order.
                rendered.insert(rendered_key.into_owned(), rendered_item);
            }
            Ok(Value::Object(rendered))
        }
        other => Ok(other.clone()),
    }
}

/// A template value whose strings and keys were parsed as Go templates once, to be
/// rendered for many parameter sets (the Application template of one generator).
pub(crate) enum Compiled {
    /// A part without `{{` anywhere, null map entries already dropped.
    Plain(Value),
    Str(Arc<str>, ParsedTemplate),
    Array(Vec<Compiled>),
    /// Entries with their key, its template when the key holds `{{`, and the value.
    Object(Vec<(String, Option<ParsedTemplate>, Compiled)>),
}

type ParsedTemplate = Arc<Result<Template, String>>;

impl GoTemplates {
    /// Parses every string and key of `value` that holds `{{`.
    pub(crate) fn compile(&self, value: &Value) -> Compiled {
        if !contains_template(value) {
            return Compiled::Plain(
                walk(value, &|text| Ok(Cow::Borrowed(text))).unwrap_or(Value::Null),
            );
        }
        match value {
            Value::String(text) => {
                Compiled::Str(Arc::from(text.as_str()), self.template(text, false))
            }
            Value::Array(items) => {
                Compiled::Array(items.iter().map(|item| self.compile(item)).collect())
            }
            Value::Object(map) => Compiled::Object(
                map.iter()
                    .filter(|(_, item)| !item.is_null())
                    .map(|(key, item)| {
                        let key_template = key.contains("{{").then(|| self.template(key, false));
                        (key.clone(), key_template, self.compile(item))
                    })
                    .collect(),
            ),
            other => Compiled::Plain(other.clone()),
        }
    }

    fn execute(
        &self,
        text: &str,
        template: &Result<Template, String>,
        params: &Params,
    ) -> Result<String, GoFailure> {
        let template = match template {
            Ok(template) => template,
            Err(message) => {
                return Err(GoFailure {
                    message: message.clone(),
                    missing_key: false,
                })
            }
        };
        template
            .execute_params(params, &self.env)
            .map_err(|error| GoFailure {
                missing_key: error.kind() == ErrorKind::Execute
                    && error.message().contains("map has no entry for key"),
                message: format!("failed to execute go template {text}: {error}"),
            })
    }

    fn render_compiled(
        &self,
        compiled: &Compiled,
        params: &Params,
    ) -> Result<Value, RenderFailure> {
        match compiled {
            Compiled::Plain(value) => Ok(value.clone()),
            Compiled::Str(text, template) => self
                .execute(text, template, params)
                .map(Value::String)
                .map_err(|failure| RenderFailure::leaf(failure.message, false)),
            Compiled::Array(items) => items
                .iter()
                .enumerate()
                .map(|(index, item)| {
                    self.render_compiled(item, params)
                        .map_err(|failure| failure.within(Segment::Index(index)))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Compiled::Object(entries) => {
                let mut rendered = Map::new();
                for (key, key_template, item) in entries {
                    let in_entry =
                        |failure: RenderFailure| failure.within(Segment::Key(key.clone()));
                    let rendered_item = self.render_compiled(item, params).map_err(in_entry)?;
                    let rendered_key = match key_template {
                        None => key.clone(),
                        Some(template) => {
                            self.execute(key, template, params).map_err(|failure| {
                                in_entry(RenderFailure::leaf(failure.message, true))
                            })?
                        }
                    };
                    rendered.insert(rendered_key, rendered_item);
                }
                Ok(Value::Object(rendered))
            }
        }
    }
}

/// Whether any string or key of `value` holds `{{`.
pub(crate) fn contains_template(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains("{{"),
        Value::Array(items) => items.iter().any(contains_template),
        Value::Object(map) => map
            .iter()
            .any(|(key, item)| key.contains("{{") || contains_template(item)),
        _ => false,
    }
}
