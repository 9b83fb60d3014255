//! Generator evaluation: turns an ApplicationSet into the Applications Argo CD's
//! ApplicationSet controller would generate from it, offline.
//!
//! The entry point is [`generate`], which takes the ApplicationSet as an [`Object`] and a
//! [`GenerationContext`] (the cluster secrets Argo CD knows, the `argocd-cm` settings,
//! the objects of the cluster Argo CD runs in, repository contents through
//! [`RepoFiles`], recorded answers of network generators as [`GeneratorResponses`]) and
//! returns [`Generated`]: the Applications in Argo CD's generation order plus warnings,
//! or a [`GenerateError`] naming the field that stopped generation. Beside it,
//! [`normalize_application_spec`] is the spec normalization the controller applies to
//! generated and live Applications before comparing them, [`effective_policy`] reads an
//! ApplicationSet's `applicationsSync` policy, and [`validate_applications`] states which
//! generated Applications the controller would refuse to write.
//!
//! The rules implemented here are those of the rulebook `argocd-appset-semantics.md`
//! (sections cited in the code): every generator (`list`, `clusters`, `git` directories
//! and files, `matrix`, `merge`, `clusterDecisionResource`, and `scmProvider`,
//! `pullRequest` and `plugin` from recorded answers), post-generator selectors,
//! generator templates, `values`, `templatePatch`, and rendering in both of Argo CD's
//! modes: fasttemplate, and Go templates (`goTemplate: true`, with `goTemplateOptions`)
//! through `preflight-gotmpl`, each distinct template string parsed once per evaluation.
//! No clock reaches the templates: Sprig's `now` and date functions fail, and the random
//! functions use a fixed seed.
//!
//! This crate is pure: it does no I/O, reads no clock or environment, and must never
//! depend on tokio, kube or an HTTP client. Repository contents reach it through
//! [`RepoFiles`], which its caller implements.

mod clusters;
mod duck;
mod error;
mod eval;
mod fasttemplate;
mod fields;
mod git;
mod glob;
mod list;
mod normalize;
mod params;
mod patch;
mod recorded;
mod render;
mod repo;
pub mod schema;
mod selector;
mod slug;
mod template_merge;
mod validate;
mod values;
mod yaml;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use preflight_model::argocd::{ARGOCD_API_VERSION, ARGOCD_GROUP, RESOURCES_FINALIZER};
use preflight_model::{ApplicationsSyncPolicy, ArgoSettings, ClusterInfo, Object};
use serde_json::{Map, Value};

pub use error::GenerateError;
pub use normalize::normalize_application_spec;
pub use recorded::GeneratorResponses;
pub use repo::{InMemoryRepos, NoRepositories, RepoFiles};
pub use validate::{validate_applications, validate_generated, InvalidApplication};

use error::{type_name, FieldPath, Segment};
use eval::{AppSetFacts, Evaluator, Level, Transformed};
use params::ParamSet;
use render::{Bound, Compiled, GoTemplates, RenderFailure, Renderer};

/// What generation may look at besides the ApplicationSet itself.
#[derive(Clone, Copy)]
pub struct GenerationContext<'a> {
    /// The clusters declared by cluster secrets in Argo CD's namespace. Do not add an
    /// entry for the implicit `in-cluster`: the generators add it when Argo CD would.
    pub clusters: &'a [ClusterInfo],
    /// The `argocd-cm` settings (`cluster.inClusterEnabled` matters to validation).
    pub settings: &'a ArgoSettings,
    /// Objects of the cluster Argo CD runs in: AppProjects (the git generator's
    /// precondition), ConfigMaps and duck-typed resources (clusterDecisionResource),
    /// `argocd-cmd-params-cm` (the git file globbing mode). Empty when unknown; the git
    /// generator then skips its AppProject check with a warning.
    pub argocd_objects: &'a [&'a Object],
    /// The namespace Argo CD runs in; the ApplicationSet's when `None`.
    pub argocd_namespace: Option<&'a str>,
    /// Repository contents for git generators.
    pub repos: &'a dyn RepoFiles,
    /// Recorded answers for the SCM provider, pull request and plugin generators.
    pub responses: &'a GeneratorResponses,
    /// How many threads may render Applications at once (1: one after the other). The
    /// output does not depend on it; the caller, which may look at the machine, picks it.
    pub workers: usize,
    /// The most Applications one ApplicationSet may generate, and the most parameter
    /// sets one generator may produce ([`DEFAULT_MAX_APPLICATIONS`] unless the user
    /// raised it). More is [`GenerateError::TooManyApplications`], checked before the
    /// values are built: a matrix's product before its elements.
    pub max_applications: usize,
}

/// The default of [`GenerationContext::max_applications`]: ten times the largest fleets
/// we know of, and little enough that generating it stays within a few gigabytes.
pub const DEFAULT_MAX_APPLICATIONS: usize = 100_000;

static NO_RESPONSES: GeneratorResponses = GeneratorResponses::new();

impl<'a> GenerationContext<'a> {
    /// A context with clusters and settings only: no snapshot objects, no repository, no
    /// recorded answer.
    pub fn new(clusters: &'a [ClusterInfo], settings: &'a ArgoSettings) -> GenerationContext<'a> {
        GenerationContext {
            clusters,
            settings,
            argocd_objects: &[],
            argocd_namespace: None,
            repos: &NoRepositories,
            responses: &NO_RESPONSES,
            workers: 1,
            max_applications: DEFAULT_MAX_APPLICATIONS,
        }
    }
}

impl<'a> GenerationContext<'a> {
    /// The names of the AppProjects among `argocd_objects` (empty when the snapshot has
    /// none, and then nothing can be said about projects).
    pub(crate) fn app_project_names(&self) -> BTreeSet<&'a str> {
        self.argocd_objects
            .iter()
            .filter(|object| object.group() == ARGOCD_GROUP && object.kind() == "AppProject")
            .map(|object| object.name())
            .collect()
    }
}

impl fmt::Debug for GenerationContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenerationContext")
            .field("clusters", &self.clusters.len())
            .field("argocd_objects", &self.argocd_objects.len())
            .field("argocd_namespace", &self.argocd_namespace)
            .finish_non_exhaustive()
    }
}

/// What a plan gives generation besides the snapshot: repository contents as of the base
/// revision and as of head (the plan's own repository differs between them), and
/// recorded answers of network generators.
#[derive(Debug, Clone)]
pub struct GenerationInputs {
    /// Repositories as of the base revision (when base stands in for live).
    pub repos_at_base: Option<Arc<dyn RepoFiles>>,
    /// Repositories as of head.
    pub repos_at_head: Option<Arc<dyn RepoFiles>>,
    pub responses: Arc<GeneratorResponses>,
    /// [`GenerationContext::max_applications`] for every ApplicationSet of the plan.
    pub max_applications: usize,
}

impl Default for GenerationInputs {
    fn default() -> GenerationInputs {
        GenerationInputs {
            repos_at_base: None,
            repos_at_head: None,
            responses: Arc::default(),
            max_applications: DEFAULT_MAX_APPLICATIONS,
        }
    }
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
    /// Positions in `applications` of those whose rendered `spec.project` was empty.
    /// Their spec shows `default` (normalized), but the controller validates before it
    /// normalizes and refuses them (rulebook 8, [`validate_generated`]).
    pub empty_projects: BTreeSet<usize>,
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

    let renderer = if fields::optional_bool(spec, "goTemplate", &spec_path)? {
        Renderer::Go(Box::new(go_templates(
            spec,
            &spec_path.key("goTemplateOptions"),
        )?))
    } else {
        Renderer::Fast
    };
    let patch_path = spec_path.key("templatePatch");
    let template_patch = match spec.get("templatePatch") {
        None | Some(Value::Null) => None,
        Some(Value::String(patch)) => Some(patch.as_str()),
        Some(other) => return Err(GenerateError::wrong_type(&patch_path, "a string", other)),
    };
    let owner = Owner {
        name: appset.name(),
        namespace: appset.namespace(),
        uid: appset.uid(),
        preserve_resources_on_deletion: preserve_resources_on_deletion(spec)?,
        template_patch,
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

    let facts = AppSetFacts {
        name: appset.name(),
        namespace: appset.namespace(),
        project: spec_template
            .get("spec")
            .and_then(|template_spec| template_spec.get("project")),
    };
    let evaluator = Evaluator::new(*ctx, renderer, facts);
    let mut applications = Vec::new();
    let mut empty_projects = BTreeSet::new();
    for (index, entry) in entries.iter().enumerate() {
        let entry_path = generators_path.index(index);
        let outputs =
            evaluator.transform(entry, &entry_path, Some(spec_template), None, Level::Top)?;
        for output in &outputs {
            eval::check_limit(
                applications.len().saturating_add(output.param_sets.len()),
                ctx.max_applications,
                &generators_path,
            )?;
            let prepared = PreparedTemplate::new(output, &evaluator.renderer);
            let built = build_all(&owner, output, &prepared, &evaluator.renderer, ctx.workers)?;
            for (application, empty_project) in built {
                if empty_project {
                    empty_projects.insert(applications.len());
                }
                applications.push(application);
            }
        }
    }
    Ok(Generated {
        applications,
        warnings: evaluator.into_warnings(),
        empty_projects,
    })
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
pub(crate) const MAX_DEPTH: usize = 200;

/// The ApplicationSet facts every generated Application needs.
struct Owner<'a> {
    name: &'a str,
    namespace: Option<&'a str>,
    uid: Option<&'a str>,
    preserve_resources_on_deletion: bool,
    template_patch: Option<&'a str>,
}

/// The part of a merged template Argo CD copies into the Application it renders, with its
/// Go templates parsed.
struct PreparedTemplate {
    application_template: Value,
    compiled: Option<Compiled>,
}

impl PreparedTemplate {
    fn new(output: &Transformed, renderer: &Renderer) -> PreparedTemplate {
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
        PreparedTemplate {
            compiled: match renderer {
                Renderer::Fast => None,
                Renderer::Go(templates) => Some(templates.compile(&application_template)),
            },
            application_template,
        }
    }
}

/// The Applications of every parameter set of `output`, in order. Rendering one set does
/// not depend on the others, so large outputs are split across `workers` threads; the
/// result, errors included, is the one a single thread gives: parts are joined in order
/// and the first failing parameter set's error wins.
fn build_all(
    owner: &Owner,
    output: &Transformed,
    prepared: &PreparedTemplate,
    renderer: &Renderer,
    workers: usize,
) -> Result<Vec<(Object, bool)>, GenerateError> {
    /// Below this many parameter sets, threads cost more than they save.
    const PARALLEL_FROM: usize = 256;
    let sets = &output.param_sets;
    // Fasttemplate substitution is too cheap per Application to pay for threads (measured:
    // slower on 2 cores); Go templates are not.
    let heavy = matches!(renderer, Renderer::Go(_));
    let workers = if heavy && sets.len() >= PARALLEL_FROM {
        workers
    } else {
        1
    };
    let parts = preflight_model::parallel::in_chunks(sets, workers, |part| {
        part.iter()
            .map(|params| build_application(owner, output, prepared, renderer, params))
            .collect::<Vec<_>>()
    });
    parts.into_iter().flatten().collect()
}

/// Renders one Application from a merged template and a parameter set (rulebook 6.2,
/// 2.5, 6.3), then forces its namespace and adds the owner reference.
fn build_application(
    owner: &Owner,
    output: &Transformed,
    prepared: &PreparedTemplate,
    renderer: &Renderer,
    params: &ParamSet,
) -> Result<(Object, bool), GenerateError> {
    // One conversion of the parameters for every field and the patch, as the controller
    // passes one map to all of them.
    let bound = renderer.bind(params, &output.hints);
    // The empty-parameter-set shortcut (rulebook 2.2): no rendering, no finalizer.
    let rendered = if params.is_empty() {
        prepared.application_template.clone()
    } else {
        bound
            .render_prepared(&prepared.application_template, prepared.compiled.as_ref())
            .map_err(|failure| template_error(output, failure))?
    };

    let (mut metadata, spec) = match rendered {
        Value::Object(mut parts) => {
            let metadata = match parts.remove("metadata") {
                Some(Value::Object(metadata)) => metadata,
                _ => Map::new(),
            };
            (metadata, parts.remove("spec").unwrap_or(Value::Null))
        }
        _ => (Map::new(), Value::Null),
    };
    let string_map = |value: Option<Value>| -> Map<String, Value> {
        match value {
            Some(Value::Object(map)) => map.into_iter().filter(|(_, v)| v.is_string()).collect(),
            _ => Map::new(),
        }
    };
    let name = match metadata.remove("name") {
        Some(Value::String(name)) => name,
        _ => String::new(),
    };
    let labels = string_map(metadata.remove("labels"));
    let annotations = string_map(metadata.remove("annotations"));
    let mut finalizers: Vec<Value> = match metadata.remove("finalizers") {
        Some(Value::Array(items)) => items.into_iter().filter(Value::is_string).collect(),
        _ => Vec::new(),
    };
    if !params.is_empty() && finalizers.is_empty() && !owner.preserve_resources_on_deletion {
        finalizers.push(RESOURCES_FINALIZER.into());
    }
    let mut app_metadata = Map::new();
    app_metadata.insert("name".into(), name.into());
    if !labels.is_empty() {
        app_metadata.insert("labels".into(), Value::Object(labels));
    }
    if !annotations.is_empty() {
        app_metadata.insert("annotations".into(), Value::Object(annotations));
    }
    if !finalizers.is_empty() {
        app_metadata.insert("finalizers".into(), Value::Array(finalizers));
    }
    let (mut metadata_out, mut spec) = match owner.template_patch {
        None => (app_metadata, spec),
        Some(patch) => {
            let mut app = Map::new();
            app.insert("metadata".into(), Value::Object(app_metadata));
            app.insert("spec".into(), spec);
            let patched = apply_template_patch(Value::Object(app), patch, &bound)?;
            let Value::Object(mut patched) = patched else {
                return Err(GenerateError::invalid(
                    &FieldPath::of("spec.templatePatch"),
                    "the patched Application is not an object",
                ));
            };
            let mut metadata = match patched.remove("metadata") {
                Some(Value::Object(metadata)) => metadata,
                _ => Map::new(),
            };
            // Keep what the controller writes, non-empty.
            let mut kept = Map::new();
            kept.insert(
                "name".into(),
                metadata
                    .remove("name")
                    .filter(Value::is_string)
                    .unwrap_or_else(|| "".into()),
            );
            for field in ["labels", "annotations", "finalizers"] {
                match metadata.remove(field) {
                    Some(Value::Object(map)) if !map.is_empty() => {
                        kept.insert(field.into(), Value::Object(map));
                    }
                    Some(Value::Array(items)) if !items.is_empty() => {
                        kept.insert(field.into(), Value::Array(items));
                    }
                    _ => {}
                }
            }
            (kept, patched.remove("spec").unwrap_or(Value::Null))
        }
    };
    // Every generated Application lives in the ApplicationSet's namespace, whatever the
    // template says (the appsets-in-any-namespace security boundary).
    if let Some(namespace) = owner.namespace {
        metadata_out.insert("namespace".into(), namespace.into());
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
    metadata_out.insert(
        "ownerReferences".into(),
        Value::Array(vec![Value::Object(owner_reference)]),
    );

    // Validation sees the project as rendered, before normalization makes it `default`.
    let empty_project = spec.get("project").is_none_or(fields::is_go_zero);
    normalize_application_spec(&mut spec);

    let mut application = Map::new();
    application.insert("apiVersion".into(), ARGOCD_API_VERSION.into());
    application.insert("kind".into(), "Application".into());
    application.insert("metadata".into(), Value::Object(metadata_out));
    application.insert("spec".into(), spec);
    Ok((
        Object::from_value(Value::Object(application)),
        empty_project,
    ))
}

/// Renders `spec.templatePatch` with the parameter set, parses it and applies it as a
/// strategic merge patch (rulebook 6.3); `spec.project` keeps its rendered value.
fn apply_template_patch(app: Value, patch: &str, bound: &Bound) -> Result<Value, GenerateError> {
    let patch_path = FieldPath::of("spec.templatePatch");
    let rendered = bound
        .render_str(patch)
        .map_err(|message| GenerateError::InvalidTemplate {
            path: patch_path.to_string(),
            message: format!("error replacing values in templatePatch: {message}"),
        })?;
    let parsed = yaml::parse_keeping_numbers(&rendered).map_err(|error| {
        GenerateError::invalid(
            &patch_path,
            format!("the rendered patch is not YAML or JSON: {error}"),
        )
    })?;
    if parsed.is_null() {
        return Ok(app);
    }
    check_depth(&parsed, &patch_path)?;
    // `applyTemplatePatch` (`applicationset/controllers/template/patch.go`) decodes the
    // patch into `appv1.Application` before it merges it: a field of the wrong Go type
    // fails the generation; unknown fields are dropped by the decoder, silently.
    if let Some((field, json_type, go_type)) = parsed.get("spec").and_then(schema::go_decode_error)
    {
        return Err(GenerateError::invalid(
            &patch_path,
            format!("invalid templatePatch: json: cannot unmarshal {json_type} into Go struct field `{field}` of type {go_type}"),
        ));
    }
    let project = app
        .get("spec")
        .and_then(|spec| spec.get("project"))
        .cloned();
    let mut patched = patch::apply(&app, &parsed).map_err(|error| {
        GenerateError::invalid(&patch_path, format!("error applying the patch: {error}"))
    })?;
    // A patch cannot change the project.
    if let Some(Value::Object(spec)) = patched.get_mut("spec") {
        match project {
            Some(project) => {
                spec.insert("project".into(), project);
            }
            None => {
                spec.remove("project");
            }
        }
    }
    check_template_shape(&patched, &patch_path)?;
    Ok(patched)
}

/// Points a render failure at the template it came from: the generator's inline template
/// when that one supplied the field, else `spec.template`.
fn template_error(output: &Transformed, failure: RenderFailure) -> GenerateError {
    let from_generator = lookup(&output.generator_template, &failure.segments)
        .is_some_and(|value| failure.in_key || !fields::is_go_zero(value));
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

/// The Go templates of a `goTemplate: true` ApplicationSet, with its `goTemplateOptions`
/// (Go's `Template.Option` panics on an unknown option; the controller then reconciles
/// nothing, so it is an error here).
fn go_templates(
    spec: &Map<String, Value>,
    options_path: &FieldPath,
) -> Result<GoTemplates, GenerateError> {
    let options = fields::string_list(spec.get("goTemplateOptions"), options_path)?;
    GoTemplates::new(&options).map_err(|message| GenerateError::invalid(options_path, message))
}

/// `spec.syncPolicy.preserveResourcesOnDeletion`, false when absent.
fn preserve_resources_on_deletion(spec: &Map<String, Value>) -> Result<bool, GenerateError> {
    let policy_path = FieldPath::of("spec.syncPolicy");
    let Some(sync_policy) = optional_object(spec.get("syncPolicy"), &policy_path)? else {
        return Ok(false);
    };
    fields::optional_bool(sync_policy, "preserveResourcesOnDeletion", &policy_path)
}

/// Checks the fields of an `ApplicationSetTemplate` that are read as typed values, so
/// that a wrong type is reported where it was written rather than after merging.
pub(crate) fn check_template_shape(
    template: &Value,
    path: &FieldPath,
) -> Result<(), GenerateError> {
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
    fields::string_list(metadata.get("finalizers"), &finalizers_path)?;
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
