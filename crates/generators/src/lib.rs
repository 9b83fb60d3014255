//! Generator evaluation: turns an ApplicationSet into the Applications Argo CD's
//! ApplicationSet controller would generate from it, offline.
//!
//! The entry point is [`generate`], which takes the ApplicationSet as an [`Object`] and a
//! [`GenerationContext`] (the cluster secrets Argo CD knows, the `argocd-cm` settings) and
//! returns [`Generated`]: the Applications in Argo CD's generation order plus warnings,
//! or a [`GenerateError`] naming the field that stopped generation. Beside it,
//! [`normalize_application_spec`] is the spec normalization the controller applies to
//! generated and live Applications before comparing them, and [`effective_policy`] reads
//! an ApplicationSet's `applicationsSync` policy.
//!
//! The rules implemented here are those of the rulebook `argocd-appset-semantics.md`
//! (sections cited in the code). Supported today: the `list` and `clusters` generators,
//! fasttemplate rendering, generator templates, post-generator selectors. Go templates,
//! `templatePatch` and the other generators are reported as [`GenerateError::Unsupported`]
//! rather than evaluated wrongly.
//!
//! This crate is pure: it does no I/O, reads no clock or environment, and must never
//! depend on tokio, kube or an HTTP client. Repository contents will reach it through a
//! trait its caller implements.

mod clusters;
mod error;
mod fasttemplate;
mod list;
mod merge;
mod normalize;
mod params;
mod selector;

#[cfg(test)]
mod tests;

use preflight_model::argocd::{ARGOCD_API_VERSION, RESOURCES_FINALIZER};
use preflight_model::{ApplicationsSyncPolicy, ArgoSettings, ClusterInfo, Object};
use serde_json::{Map, Value};

pub use error::GenerateError;
pub use normalize::normalize_application_spec;

use error::{type_name, FieldPath, Segment};
use params::ParamSet;

/// What generation may look at besides the ApplicationSet itself.
#[derive(Debug, Clone, Copy)]
pub struct GenerationContext<'a> {
    /// The clusters declared by cluster secrets in Argo CD's namespace. Do not add an
    /// entry for the implicit `in-cluster`: the cluster generator adds it when Argo CD
    /// would.
    pub clusters: &'a [ClusterInfo],
    /// The `argocd-cm` settings. Generation itself reads none of them today
    /// (`cluster.inClusterEnabled` matters to validation of the result, not here).
    pub settings: &'a ArgoSettings,
}

/// The outcome of a successful generation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Generated {
    /// The Applications, in Argo CD's generation order: generator entries in spec order,
    /// generators of one entry in Argo CD's field order, parameter sets in order.
    pub applications: Vec<Object>,
    /// Things Argo CD only logs, which a user still wants to know: a generator entry
    /// Argo CD does not recognize (it produces nothing), cluster secrets that collapse
    /// into one cluster.
    pub warnings: Vec<String>,
}

/// Evaluates an ApplicationSet into the Applications the ApplicationSet controller would
/// generate (rulebook sections 1 to 6).
///
/// Each Application carries `apiVersion`, `kind`, `metadata` (`name`; `namespace`, always
/// the ApplicationSet's, omitted only when the ApplicationSet has none; `labels`,
/// `annotations` and `finalizers` when not empty; a controller `ownerReferences` entry
/// pointing at the ApplicationSet) and the rendered `spec`, normalized with
/// [`normalize_application_spec`].
///
/// An error means Argo CD would stop the reconcile without creating, updating or
/// deleting anything (rulebook section 7); it never stands for "no Applications".
pub fn generate(appset: &Object, ctx: &GenerationContext) -> Result<Generated, GenerateError> {
    let raw = appset.raw();
    check_depth(raw, &FieldPath::default())?;
    let spec_path = FieldPath::of("spec");
    let spec = required_object(raw.get("spec"), &spec_path)?;

    let go_template_path = spec_path.key("goTemplate");
    match spec.get("goTemplate") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => {
            return Err(GenerateError::unsupported(&go_template_path, "goTemplate"))
        }
        Some(other) => {
            return Err(GenerateError::wrong_type(
                &go_template_path,
                "a boolean",
                other,
            ))
        }
    }
    if spec
        .get("templatePatch")
        .is_some_and(|patch| !patch.is_null())
    {
        return Err(GenerateError::unsupported(
            &spec_path.key("templatePatch"),
            "templatePatch",
        ));
    }
    let owner = Owner {
        name: appset.name(),
        namespace: appset.namespace(),
        uid: appset.uid(),
        preserve_resources_on_deletion: preserve_resources_on_deletion(spec)?,
    };

    let template_path = spec_path.key("template");
    let spec_template = spec.get("template").unwrap_or(&Value::Null);
    if spec_template.is_null() {
        return Err(GenerateError::invalid(&template_path, "is required"));
    }
    check_template_shape(spec_template, &template_path)?;

    let generators_path = spec_path.key("generators");
    let entries = match spec.get("generators") {
        None | Some(Value::Null) => {
            return Err(GenerateError::invalid(&generators_path, "is required"))
        }
        Some(Value::Array(entries)) => entries,
        Some(other) => return Err(GenerateError::wrong_type(&generators_path, "a list", other)),
    };

    let mut generated = Generated::default();
    for (index, entry) in entries.iter().enumerate() {
        let entry_path = generators_path.index(index);
        let outputs = transform(
            entry,
            &entry_path,
            spec_template,
            ctx,
            &mut generated.warnings,
        )?;
        for output in &outputs {
            for params in &output.param_sets {
                generated
                    .applications
                    .push(build_application(&owner, output, params)?);
            }
        }
    }
    Ok(generated)
}

/// The ApplicationSet's `applicationsSync` policy (rulebook 9.2), assuming the controller
/// allows per-ApplicationSet overrides and runs with the default `sync` policy.
pub fn effective_policy(appset: &Object) -> Result<ApplicationsSyncPolicy, GenerateError> {
    let policy_path = FieldPath::of("spec.syncPolicy");
    let Some(sync_policy) =
        optional_object(appset.value_at(&["spec", "syncPolicy"]), &policy_path)?
    else {
        return Ok(ApplicationsSyncPolicy::Sync);
    };
    let field_path = policy_path.key("applicationsSync");
    match sync_policy.get("applicationsSync") {
        None | Some(Value::Null) => Ok(ApplicationsSyncPolicy::Sync),
        Some(Value::String(text)) => ApplicationsSyncPolicy::parse(text).ok_or_else(|| {
            GenerateError::invalid(
                &field_path,
                format!(
                    "unknown policy `{text}`, expected `create-only`, `create-update`, `create-delete` or `sync`"
                ),
            )
        }),
        Some(other) => Err(GenerateError::wrong_type(&field_path, "a string", other)),
    }
}

/// Generator fields of an entry, in the order Argo CD evaluates them
/// (`ApplicationSetGenerator`'s field order).
const GENERATOR_KINDS: [&str; 9] = [
    "list",
    "clusters",
    "git",
    "scmProvider",
    "clusterDecisionResource",
    "pullRequest",
    "matrix",
    "merge",
    "plugin",
];

/// Nesting deeper than this is refused, which keeps every recursive walk of this crate
/// far from the stack limit whatever the input.
const MAX_DEPTH: usize = 200;

/// What one generator of an entry produced: its merged template and surviving params.
struct GeneratorOutput<'a> {
    template: Value,
    generator_template: &'a Value,
    generator_template_path: FieldPath,
    param_sets: Vec<ParamSet>,
}

/// The ApplicationSet facts every generated Application needs.
struct Owner<'a> {
    name: &'a str,
    namespace: Option<&'a str>,
    uid: Option<&'a str>,
    preserve_resources_on_deletion: bool,
}

/// One generator entry (`Transform`): every generator present, each with its merged
/// template and its parameter sets filtered by the entry's post-generator selector.
fn transform<'a>(
    entry: &'a Value,
    entry_path: &FieldPath,
    spec_template: &Value,
    ctx: &GenerationContext,
    warnings: &mut Vec<String>,
) -> Result<Vec<GeneratorOutput<'a>>, GenerateError> {
    let Value::Object(entry_map) = entry else {
        return Err(GenerateError::wrong_type(entry_path, "an object", entry));
    };
    let kinds: Vec<&str> = GENERATOR_KINDS
        .into_iter()
        .filter(|kind| entry_map.get(*kind).is_some_and(|g| !g.is_null()))
        .collect();
    if kinds.is_empty() {
        let found: Vec<String> = entry_map
            .keys()
            .filter(|key| *key != "selector")
            .map(|key| format!("`{key}`"))
            .collect();
        let found = if found.is_empty() {
            "nothing".to_string()
        } else {
            found.join(", ")
        };
        warnings.push(format!(
            "{entry_path}: no generator Argo CD recognizes (found {found}); Argo CD ignores this entry and generates nothing from it"
        ));
        return Ok(Vec::new());
    }

    let selector_path = entry_path.key("selector");
    let post_selector = match entry_map.get("selector") {
        None | Some(Value::Null) => None,
        Some(value) => {
            let fields = selector::selector_fields(value, &selector_path)?;
            Some(selector::parse_selector(
                &fields,
                &[],
                &selector_path,
                selector::SelectorRules::ApplicationSet,
            )?)
        }
    };

    let mut outputs = Vec::with_capacity(kinds.len());
    for kind in kinds {
        let generator_path = entry_path.key(kind);
        if !matches!(kind, "list" | "clusters") {
            return Err(GenerateError::unsupported(
                &generator_path,
                format!("{kind} generator"),
            ));
        }
        let generator_value = &entry_map[kind];
        let Value::Object(generator) = generator_value else {
            return Err(GenerateError::wrong_type(
                &generator_path,
                "an object",
                generator_value,
            ));
        };
        let generator_template_path = generator_path.key("template");
        let generator_template = generator.get("template").unwrap_or(&Value::Null);
        check_template_shape(generator_template, &generator_template_path)?;
        let template = merge::merge_template(generator_template, spec_template);

        let mut param_sets = match kind {
            "list" => list::list_params(generator, &generator_path)?,
            _ => clusters::cluster_params(generator, &generator_path, ctx.clusters, warnings)?,
        };
        if let Some(post_selector) = &post_selector {
            param_sets.retain(|params| post_selector.matches(&params::flatten(params)));
        }
        outputs.push(GeneratorOutput {
            template,
            generator_template,
            generator_template_path,
            param_sets,
        });
    }
    Ok(outputs)
}

/// Renders one Application from a merged template and a parameter set (rulebook 6.2,
/// 2.5), then forces its namespace and adds the owner reference.
fn build_application(
    owner: &Owner,
    output: &GeneratorOutput,
    params: &ParamSet,
) -> Result<Object, GenerateError> {
    // Argo CD copies exactly these fields of the template into the Application it renders.
    let mut template_metadata = Map::new();
    if let Some(Value::Object(metadata)) = output.template.get("metadata") {
        for field in ["name", "namespace", "labels", "annotations", "finalizers"] {
            if let Some(value) = metadata.get(field) {
                template_metadata.insert(field.to_string(), value.clone());
            }
        }
    }
    let mut application_template = Map::new();
    application_template.insert("metadata".into(), Value::Object(template_metadata));
    application_template.insert(
        "spec".into(),
        output.template.get("spec").cloned().unwrap_or(Value::Null),
    );
    let application_template = Value::Object(application_template);

    // The empty-parameter-set shortcut (rulebook 2.2): no rendering, no finalizer.
    let rendered = if params.is_empty() {
        application_template
    } else {
        fasttemplate::render_value(&application_template, params)
            .map_err(|failure| template_error(output, failure))?
    };

    let metadata = rendered.get("metadata");
    let text = |field: &str| {
        metadata
            .and_then(|m| m.get(field))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let string_map = |field: &str| -> Map<String, Value> {
        match metadata.and_then(|m| m.get(field)) {
            Some(Value::Object(map)) => map
                .iter()
                .filter(|(_, value)| value.is_string())
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
            _ => Map::new(),
        }
    };
    let labels = string_map("labels");
    let annotations = string_map("annotations");
    let mut finalizers: Vec<Value> = match metadata.and_then(|m| m.get("finalizers")) {
        Some(Value::Array(items)) => items
            .iter()
            .filter(|item| item.is_string())
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    if !params.is_empty() && finalizers.is_empty() && !owner.preserve_resources_on_deletion {
        finalizers.push(RESOURCES_FINALIZER.into());
    }

    let mut metadata = Map::new();
    metadata.insert("name".into(), text("name").into());
    // Every generated Application lives in the ApplicationSet's namespace, whatever the
    // template says (the appsets-in-any-namespace security boundary).
    if let Some(namespace) = owner.namespace {
        metadata.insert("namespace".into(), namespace.into());
    }
    if !labels.is_empty() {
        metadata.insert("labels".into(), Value::Object(labels));
    }
    if !annotations.is_empty() {
        metadata.insert("annotations".into(), Value::Object(annotations));
    }
    if !finalizers.is_empty() {
        metadata.insert("finalizers".into(), Value::Array(finalizers));
    }
    let mut owner_reference = Map::new();
    owner_reference.insert("apiVersion".into(), ARGOCD_API_VERSION.into());
    owner_reference.insert("kind".into(), "ApplicationSet".into());
    owner_reference.insert("name".into(), owner.name.into());
    if let Some(uid) = owner.uid {
        owner_reference.insert("uid".into(), uid.into());
    }
    owner_reference.insert("controller".into(), true.into());
    owner_reference.insert("blockOwnerDeletion".into(), true.into());
    metadata.insert(
        "ownerReferences".into(),
        Value::Array(vec![Value::Object(owner_reference)]),
    );

    let mut spec = rendered.get("spec").cloned().unwrap_or(Value::Null);
    normalize_application_spec(&mut spec);

    let mut application = Map::new();
    application.insert("apiVersion".into(), ARGOCD_API_VERSION.into());
    application.insert("kind".into(), "Application".into());
    application.insert("metadata".into(), Value::Object(metadata));
    application.insert("spec".into(), spec);
    Ok(Object::from_value(Value::Object(application)))
}

/// Points a render failure at the template it came from: the generator's inline template
/// when that one supplied the field, else `spec.template`.
fn template_error(output: &GeneratorOutput, failure: fasttemplate::RenderFailure) -> GenerateError {
    let from_generator = lookup(output.generator_template, &failure.segments)
        .is_some_and(|value| failure.in_key || !merge::is_empty(value));
    let base = if from_generator {
        output.generator_template_path.clone()
    } else {
        FieldPath::of("spec.template")
    };
    let message = if failure.in_key {
        format!("{} (in a map key)", failure.message)
    } else {
        failure.message
    };
    GenerateError::InvalidTemplate {
        path: base.join(&failure.segments).to_string(),
        message,
    }
}

fn lookup<'a>(value: &'a Value, segments: &[Segment]) -> Option<&'a Value> {
    segments
        .iter()
        .try_fold(value, |current, segment| match segment {
            Segment::Key(key) => current.get(key.as_str()),
            Segment::Index(index) => current.get(*index),
        })
}

/// `spec.syncPolicy.preserveResourcesOnDeletion`, false when absent.
fn preserve_resources_on_deletion(spec: &Map<String, Value>) -> Result<bool, GenerateError> {
    let policy_path = FieldPath::of("spec.syncPolicy");
    let Some(sync_policy) = optional_object(spec.get("syncPolicy"), &policy_path)? else {
        return Ok(false);
    };
    match sync_policy.get("preserveResourcesOnDeletion") {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(flag)) => Ok(*flag),
        Some(other) => Err(GenerateError::wrong_type(
            &policy_path.key("preserveResourcesOnDeletion"),
            "a boolean",
            other,
        )),
    }
}

/// Checks the fields of an `ApplicationSetTemplate` that are read as typed values, so
/// that a wrong type is reported where it was written rather than after merging.
fn check_template_shape(template: &Value, path: &FieldPath) -> Result<(), GenerateError> {
    let Some(template) = optional_object(Some(template), path)? else {
        return Ok(());
    };
    optional_object(template.get("spec"), &path.key("spec"))?;
    let metadata_path = path.key("metadata");
    let Some(metadata) = optional_object(template.get("metadata"), &metadata_path)? else {
        return Ok(());
    };
    for field in ["name", "namespace"] {
        match metadata.get(field) {
            None | Some(Value::Null) | Some(Value::String(_)) => {}
            Some(other) => {
                return Err(GenerateError::wrong_type(
                    &metadata_path.key(field),
                    "a string",
                    other,
                ))
            }
        }
    }
    for field in ["labels", "annotations"] {
        let field_path = metadata_path.key(field);
        let Some(map) = optional_object(metadata.get(field), &field_path)? else {
            continue;
        };
        for (key, value) in map {
            // The API server prunes null values of string maps, so they are tolerated.
            if !(value.is_string() || value.is_null()) {
                return Err(GenerateError::wrong_type(
                    &field_path.key(key),
                    "a string",
                    value,
                ));
            }
        }
    }
    let finalizers_path = metadata_path.key("finalizers");
    match metadata.get("finalizers") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                if !item.is_string() {
                    return Err(GenerateError::wrong_type(
                        &finalizers_path.index(index),
                        "a string",
                        item,
                    ));
                }
            }
        }
        Some(other) => return Err(GenerateError::wrong_type(&finalizers_path, "a list", other)),
    }
    Ok(())
}

fn required_object<'a>(
    value: Option<&'a Value>,
    path: &FieldPath,
) -> Result<&'a Map<String, Value>, GenerateError> {
    optional_object(value, path)?.ok_or_else(|| GenerateError::invalid(path, "is required"))
}

/// An object field that may be absent or null.
fn optional_object<'a>(
    value: Option<&'a Value>,
    path: &FieldPath,
) -> Result<Option<&'a Map<String, Value>>, GenerateError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(other) => Err(GenerateError::invalid(
            path,
            format!("must be an object, found {}", type_name(other)),
        )),
    }
}

/// Refuses values nested deeper than [`MAX_DEPTH`], without recursing itself.
pub(crate) fn check_depth(value: &Value, path: &FieldPath) -> Result<(), GenerateError> {
    let mut pending = vec![(value, 1usize)];
    while let Some((current, depth)) = pending.pop() {
        if depth > MAX_DEPTH {
            return Err(GenerateError::invalid(
                path,
                format!("is nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        match current {
            Value::Object(map) => pending.extend(map.values().map(|child| (child, depth + 1))),
            Value::Array(items) => pending.extend(items.iter().map(|child| (child, depth + 1))),
            _ => {}
        }
    }
    Ok(())
}
