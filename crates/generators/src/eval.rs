//! One evaluation of an ApplicationSet's generators: Argo CD's `Transform` (rulebook 1,
//! step 2a) over a generator entry, the matrix and merge generators that call it for
//! their children (4.5, 4.6), and per-evaluation caches of repository listings and
//! parsed files.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use serde_json::{Map, Value};

use crate::error::{FieldPath, GenerateError};
use crate::fields::string_list;
use crate::params::{go_value_string, GoKind, Mode, ParamSet, TypeHints};
use crate::render::Renderer;
use crate::repo::RepoTree;
use crate::{check_template_shape, clusters, duck, git, list, recorded, selector};
use crate::{template_merge, GenerationContext};

/// Where an entry sits: top-level entries, children of a top-level matrix or merge
/// (which may themselves be a matrix or merge), and children of those (which may not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Top,
    Nested,
    Terminal,
}

impl Level {
    fn child(self) -> Level {
        match self {
            Level::Top => Level::Nested,
            Level::Nested | Level::Terminal => Level::Terminal,
        }
    }

    fn kinds(self) -> &'static [&'static str] {
        match self {
            Level::Top | Level::Nested => &crate::GENERATOR_KINDS,
            // Argo CD decodes these entries into a type without `matrix` and `merge`, so
            // the keys are ignored like any unknown field.
            Level::Terminal => &TERMINAL_KINDS,
        }
    }
}

/// The generators a child of a nested matrix or merge may be, in Argo CD's order.
const TERMINAL_KINDS: [&str; 7] = [
    "list",
    "clusters",
    "git",
    "scmProvider",
    "clusterDecisionResource",
    "pullRequest",
    "plugin",
];

/// What one generator of an entry produced.
pub(crate) struct Transformed {
    /// The generator's inline template merged over `spec.template` (top level only).
    pub(crate) template: Value,
    pub(crate) generator_template: Value,
    pub(crate) generator_template_path: FieldPath,
    pub(crate) param_sets: Vec<ParamSet>,
    /// Where the parameter sets hold typed Go values.
    pub(crate) hints: TypeHints,
}

/// The facts of the ApplicationSet generators look at.
pub(crate) struct AppSetFacts<'c> {
    pub(crate) name: &'c str,
    pub(crate) namespace: Option<&'c str>,
    /// `spec.template.spec.project` as written (the git generator's precondition).
    pub(crate) project: Option<&'c Value>,
}

/// A file of a repository at a revision: URL, revision, path.
type FileKey = (String, String, String);

pub(crate) struct Evaluator<'c> {
    pub(crate) ctx: GenerationContext<'c>,
    pub(crate) renderer: Renderer,
    pub(crate) appset: AppSetFacts<'c>,
    warnings: RefCell<Vec<String>>,
    trees: RefCell<HashMap<(String, String), Rc<RepoTree>>>,
    parsed_files: RefCell<HashMap<FileKey, Rc<Vec<Value>>>>,
}

impl<'c> Evaluator<'c> {
    pub(crate) fn new(
        ctx: GenerationContext<'c>,
        renderer: Renderer,
        appset: AppSetFacts<'c>,
    ) -> Self {
        Evaluator {
            ctx,
            renderer,
            appset,
            warnings: RefCell::new(Vec::new()),
            trees: RefCell::new(HashMap::new()),
            parsed_files: RefCell::new(HashMap::new()),
        }
    }

    /// The template mode, which the renderer decides.
    pub(crate) fn mode(&self) -> Mode {
        self.renderer.mode()
    }

    /// Records a warning once, however often a matrix re-evaluates its source.
    pub(crate) fn warn(&self, message: String) {
        let mut warnings = self.warnings.borrow_mut();
        if !warnings.contains(&message) {
            warnings.push(message);
        }
    }

    pub(crate) fn into_warnings(self) -> Vec<String> {
        self.warnings.into_inner()
    }

    /// Refuses `count` parameter sets (or Applications) at `path` when they exceed the
    /// context's limit, so that an ApplicationSet cannot make the tool build millions of
    /// values before anything checks their number.
    pub(crate) fn check_count(&self, count: usize, path: &FieldPath) -> Result<(), GenerateError> {
        check_limit(count, self.ctx.max_applications, path)
    }

    /// The namespace where Argo CD looks up its own objects (AppProjects, ConfigMaps,
    /// duck-typed resources).
    pub(crate) fn argocd_namespace(&self) -> &str {
        self.ctx
            .argocd_namespace
            .or(self.appset.namespace)
            .unwrap_or("argocd")
    }

    /// A repository listing, read once per evaluation.
    pub(crate) fn repo_tree(&self, repo_url: &str, revision: &str) -> Result<Rc<RepoTree>, String> {
        let key = (repo_url.to_string(), revision.to_string());
        if let Some(tree) = self.trees.borrow().get(&key) {
            return Ok(Rc::clone(tree));
        }
        let tree = Rc::new(RepoTree::new(self.ctx.repos.files(repo_url, revision)?));
        self.trees.borrow_mut().insert(key, Rc::clone(&tree));
        Ok(tree)
    }

    /// Files parsed into objects, each read and parsed once per evaluation. `parse` turns
    /// one file's bytes into its objects; its error names the file.
    pub(crate) fn parsed_files(
        &self,
        repo_url: &str,
        revision: &str,
        paths: &[&str],
        parse: impl Fn(&str, &[u8]) -> Result<Vec<Value>, String>,
    ) -> Result<Vec<Rc<Vec<Value>>>, String> {
        let key = |path: &str| (repo_url.to_string(), revision.to_string(), path.to_string());
        let missing: Vec<&str> = paths
            .iter()
            .copied()
            .filter(|path| !self.parsed_files.borrow().contains_key(&key(path)))
            .collect();
        if !missing.is_empty() {
            let contents = self.ctx.repos.read(repo_url, revision, &missing)?;
            if contents.len() != missing.len() {
                return Err(format!(
                    "reading {} files of `{repo_url}` returned {} contents",
                    missing.len(),
                    contents.len()
                ));
            }
            for (path, bytes) in missing.iter().zip(contents) {
                let objects = parse(path, &bytes)?;
                self.parsed_files
                    .borrow_mut()
                    .insert(key(path), Rc::new(objects));
            }
        }
        let cache = self.parsed_files.borrow();
        Ok(paths
            .iter()
            .map(|path| Rc::clone(&cache[&key(path)]))
            .collect())
    }

    /// `Transform`: every generator of an entry, each with its merged template (when
    /// `spec_template` is given) and its parameter sets after the entry's post-selector.
    /// With a non-empty `params` (a matrix's second child, with the Go types `hints`),
    /// each generator is first interpolated with them.
    pub(crate) fn transform(
        &self,
        entry: &Value,
        entry_path: &FieldPath,
        spec_template: Option<&Value>,
        params: Option<(&ParamSet, &TypeHints)>,
        level: Level,
    ) -> Result<Vec<Transformed>, GenerateError> {
        let Value::Object(entry_map) = entry else {
            return Err(GenerateError::wrong_type(entry_path, "an object", entry));
        };
        let kinds: Vec<&str> = level
            .kinds()
            .iter()
            .copied()
            .filter(|kind| entry_map.get(*kind).is_some_and(|g| !g.is_null()))
            .collect();
        if kinds.is_empty() {
            if level == Level::Top {
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
                self.warn(format!(
                    "{entry_path}: no generator Argo CD recognizes (found {found}); Argo CD ignores this entry and generates nothing from it"
                ));
            }
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
            let original = &entry_map[kind];
            let interpolated;
            let generator_value = match params {
                Some((params, hints)) if !params.is_empty() => {
                    interpolated = self.interpolate(original, params, hints, &generator_path)?;
                    &interpolated
                }
                _ => original,
            };
            let Value::Object(generator) = generator_value else {
                return Err(GenerateError::wrong_type(
                    &generator_path,
                    "an object",
                    generator_value,
                ));
            };
            let generator_template_path = generator_path.key("template");
            let generator_template = generator.get("template").cloned().unwrap_or(Value::Null);
            check_template_shape(&generator_template, &generator_template_path)?;
            let template = match spec_template {
                Some(spec_template) => {
                    template_merge::merge_template(&generator_template, spec_template)
                }
                None => Value::Null,
            };
            let mut param_sets = self.generate_params(kind, generator, &generator_path, level)?;
            self.check_count(param_sets.len(), &generator_path)?;
            let hints = type_hints(kind, generator, level, self.mode());
            if let Some(post_selector) = &post_selector {
                param_sets.retain(|params| {
                    post_selector.matches(&crate::params::flatten_typed(params, &hints))
                });
            }
            outputs.push(Transformed {
                template,
                generator_template,
                generator_template_path,
                param_sets,
                hints,
            });
        }
        Ok(outputs)
    }

    /// Renders every string (and map key) of a generator with the first child's
    /// parameters (`InterpolateGenerator`).
    ///
    /// The generator's `values` are special (rulebook 4.5, Argo CD 3.4): each is rendered
    /// with `missingkey=error`; when that fails only because a key is missing, the value
    /// stays as written, to be rendered against the generator's own parameters later. So
    /// a value may mix the parameters of both children. In fasttemplate mode an unknown
    /// tag already stays as written, which amounts to the same.
    fn interpolate(
        &self,
        generator: &Value,
        params: &ParamSet,
        hints: &TypeHints,
        path: &FieldPath,
    ) -> Result<Value, GenerateError> {
        let bound = self.renderer.bind(params, hints);
        let wrap =
            |segments: &[crate::error::Segment], message: String| GenerateError::InvalidTemplate {
                path: path.join(segments).to_string(),
                message: format!("failed to replace parameters in generator: {message}"),
            };
        let values = match (self.mode(), generator) {
            (Mode::Go, Value::Object(map)) => match map.get("values") {
                Some(Value::Object(values)) => Some(values),
                _ => None,
            },
            _ => None,
        };
        let Some(values) = values else {
            return bound
                .render_value(generator)
                .map_err(|failure| wrap(&failure.segments, failure.message));
        };
        let mut rest = generator.clone();
        if let Value::Object(map) = &mut rest {
            map.remove("values");
        }
        let mut rendered = bound
            .render_value(&rest)
            .map_err(|failure| wrap(&failure.segments, failure.message))?;
        let mut rendered_values = Map::new();
        for (key, value) in values {
            let Value::String(text) = value else {
                // Not a string: `values` reading reports it with its path.
                rendered_values.insert(key.clone(), value.clone());
                continue;
            };
            let kept = match bound.render_str_strict(text) {
                Ok(text) => text.into_owned(),
                Err(failure) if failure.missing_key => text.clone(),
                Err(failure) => {
                    // argo-cd applicationset/utils/utils.go, `RenderGeneratorParams`: the
                    // values filter names the key it could not pre-resolve.
                    return Err(wrap(
                        &[
                            crate::error::Segment::Key("values".into()),
                            crate::error::Segment::Key(key.clone()),
                        ],
                        format!(
                            "failed to pre-resolve Values key {}: {}",
                            preflight_gotmpl::go_quote(key),
                            failure.message
                        ),
                    ));
                }
            };
            rendered_values.insert(key.clone(), Value::String(kept));
        }
        if let Value::Object(map) = &mut rendered {
            map.insert("values".into(), Value::Object(rendered_values));
        }
        Ok(rendered)
    }

    fn generate_params(
        &self,
        kind: &str,
        generator: &Map<String, Value>,
        path: &FieldPath,
        level: Level,
    ) -> Result<Vec<ParamSet>, GenerateError> {
        match kind {
            "list" => {
                // Counted before a parameter set is built: a long list is refused in
                // the time it takes to measure it.
                if let Some(Value::Array(elements)) = generator.get("elements") {
                    self.check_count(elements.len(), &path.key("elements"))?;
                }
                list::list_params(generator, path, self.mode())
            }
            "clusters" => {
                let mut warnings = Vec::new();
                let result = clusters::cluster_params(
                    generator,
                    path,
                    self.ctx.clusters,
                    &self.renderer,
                    &mut warnings,
                );
                for warning in warnings {
                    self.warn(warning);
                }
                result
            }
            "git" => git::git_params(self, generator, path),
            "scmProvider" => recorded::scm_provider_params(self, generator, path),
            "clusterDecisionResource" => duck::cluster_decision_params(self, generator, path),
            "pullRequest" => recorded::pull_request_params(self, generator, path),
            "matrix" => self.matrix_params(generator, path, level),
            "merge" => self.merge_params(generator, path, level),
            "plugin" => recorded::plugin_params(self, generator, path),
            other => Err(GenerateError::unsupported(
                path,
                format!("{other} generator"),
            )),
        }
    }

    /// The children of a matrix or merge: a list of entries.
    fn children<'g>(
        &self,
        generator: &'g Map<String, Value>,
        path: &FieldPath,
    ) -> Result<&'g [Value], GenerateError> {
        match generator.get("generators") {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(children)) => Ok(children),
            Some(other) => Err(GenerateError::wrong_type(path, "a list", other)),
        }
    }

    /// One child of a matrix or merge: exactly one generator, its parameter sets.
    fn child_params(
        &self,
        child: &Value,
        path: &FieldPath,
        params: Option<(&ParamSet, &TypeHints)>,
        level: Level,
    ) -> Result<Vec<ParamSet>, GenerateError> {
        let mut results = self.transform(child, path, None, params, level)?;
        match results.len() {
            0 => Err(GenerateError::generator(
                path,
                "child generator generated no parameters (no generator Argo CD recognizes here)",
            )),
            1 => Ok(results.remove(0).param_sets),
            _ => Err(GenerateError::generator(
                path,
                "found more than one generator in matrix.Generators",
            )),
        }
    }

    /// The matrix generator (rulebook 4.5).
    fn matrix_params(
        &self,
        matrix: &Map<String, Value>,
        path: &FieldPath,
        level: Level,
    ) -> Result<Vec<ParamSet>, GenerateError> {
        let children_path = path.key("generators");
        let children = self.children(matrix, &children_path)?;
        if children.len() < 2 {
            return Err(GenerateError::generator(
                &children_path,
                "found less than two generators, Matrix support only two",
            ));
        }
        if children.len() > 2 {
            return Err(GenerateError::generator(
                &children_path,
                "found more than two generators, Matrix support only two",
            ));
        }
        let child_level = level.child();
        let first_path = children_path.index(0);
        let second_path = children_path.index(1);
        let first = self.child_params(&children[0], &first_path, None, child_level)?;
        let first_hints = entry_hints(&children[0], child_level, self.mode());

        // Interpolation only substitutes tags, so a second child without any gives the
        // same parameter sets for every set of the first: evaluate it once (once with
        // interpolation, once without, since an empty set of the first child skips it).
        let second_is_fixed = !crate::render::contains_template(&children[1]);
        let mut fixed: [Option<Vec<ParamSet>>; 2] = [None, None];
        // The second child's sets for each set of the first: a fixed list, or its own.
        let mut computed: Vec<Vec<ParamSet>> = Vec::new();
        let mut runs: Vec<(&ParamSet, Seconds)> = Vec::with_capacity(first.len());
        let mut combined = Vec::new();
        let mut count: usize = 0;
        for a in &first {
            let source = if second_is_fixed {
                let slot = usize::from(a.is_empty());
                if fixed[slot].is_none() {
                    fixed[slot] = Some(self.child_params(
                        &children[1],
                        &second_path,
                        Some((a, &first_hints)),
                        child_level,
                    )?);
                }
                Seconds::Fixed(slot)
            } else {
                computed.push(self.child_params(
                    &children[1],
                    &second_path,
                    Some((a, &first_hints)),
                    child_level,
                )?);
                Seconds::Computed(computed.len() - 1)
            };
            let seconds = source.of(&fixed, &computed);
            // The product is checked before its elements are built: two lists of 2,000
            // make four million parameter sets, which are refused here at once.
            self.check_count(count.saturating_add(seconds.len()), path)?;
            if second_is_fixed {
                self.check_count(first.len().saturating_mul(seconds.len()), path)?;
            }
            count += seconds.len();
            match self.mode() {
                // Combining strings can fail: in order, so the first failure is Argo
                // CD's, before any later child is evaluated.
                Mode::Fast => {
                    for b in seconds {
                        combined.push(combine_strings(a, b, path)?);
                    }
                }
                Mode::Go => runs.push((a, source)),
            }
        }
        if runs.is_empty() {
            return Ok(combined);
        }
        // A Go-template merge cannot fail, and each is independent of the others: a
        // product of thousands (every cluster times every application) is merged on all
        // cores, in the order Argo CD builds it.
        let pairs: Vec<(&ParamSet, &ParamSet)> = runs
            .iter()
            .flat_map(|(a, source)| source.of(&fixed, &computed).iter().map(move |b| (*a, b)))
            .collect();
        let workers = if pairs.len() >= PARALLEL_MERGES_FROM {
            self.ctx.workers
        } else {
            1
        };
        let parts = preflight_model::parallel::in_chunks(&pairs, workers, |pairs| {
            pairs
                .iter()
                .map(|(a, b)| {
                    let mut merged = (*b).clone();
                    for (key, value) in *a {
                        deep_merge_into(&mut merged, key, value);
                    }
                    merged
                })
                .collect::<Vec<_>>()
        });
        Ok(parts.into_iter().flatten().collect())
    }

    /// The merge generator (rulebook 4.6). Argo CD returns the merged sets in Go map
    /// order, which is unspecified; they keep the first child's order here.
    fn merge_params(
        &self,
        merge: &Map<String, Value>,
        path: &FieldPath,
        level: Level,
    ) -> Result<Vec<ParamSet>, GenerateError> {
        let children_path = path.key("generators");
        let children = self.children(merge, &children_path)?;
        if children.len() < 2 {
            return Err(GenerateError::generator(
                &children_path,
                "found less than two generators, Merge requires two or more",
            ));
        }
        let child_level = level.child();
        let mut child_sets = Vec::with_capacity(children.len());
        for (index, child) in children.iter().enumerate() {
            child_sets.push(self.child_params(
                child,
                &children_path.index(index),
                None,
                child_level,
            )?);
        }

        let keys_path = path.key("mergeKeys");
        let merge_keys: BTreeSet<String> = string_list(merge.get("mergeKeys"), &keys_path)?
            .into_iter()
            .collect();
        if merge_keys.is_empty() {
            return Err(GenerateError::generator(
                &keys_path,
                "no merge keys were specified, Merge requires at least one",
            ));
        }

        let mut base = child_sets.remove(0);
        let base_index = index_by_merge_keys(&base, &merge_keys, &children_path.index(0))?;
        for (offset, overrides) in child_sets.iter().enumerate() {
            let index =
                index_by_merge_keys(overrides, &merge_keys, &children_path.index(offset + 1))?;
            for (key, base_position) in &base_index {
                let Some(override_position) = index.get(key) else {
                    continue;
                };
                let override_set = &overrides[*override_position];
                let target = &mut base[*base_position];
                match self.mode() {
                    Mode::Fast => {
                        for (name, value) in override_set {
                            target.insert(name.clone(), value.clone());
                        }
                    }
                    Mode::Go => {
                        for (name, value) in override_set {
                            deep_merge_into(target, name, value);
                        }
                    }
                }
            }
        }
        Ok(base)
    }
}

/// Where the parameter sets of a generator hold typed Go values (rulebook 3.3, 4.2–4.10).
/// A matrix or merge has its children's; a child's `pathParamPrefix` is read as written,
/// before interpolation.
pub(crate) fn type_hints(
    kind: &str,
    generator: &Map<String, Value>,
    level: Level,
    mode: Mode,
) -> TypeHints {
    let mut hints = TypeHints::default();
    let flat_list = generator.get("flatList").and_then(Value::as_bool) == Some(true);
    if mode == Mode::Fast {
        // Only the cluster generator's flat list keeps a typed value in fasttemplate mode.
        if kind == "clusters" && flat_list {
            hints.add(&["clusters"], GoKind::MapSlice);
        }
    } else {
        match kind {
            "clusters" => {
                let prefix: &[&str] = if flat_list { &["clusters", "*"] } else { &[] };
                for tail in [
                    &["metadata", "labels"][..],
                    &["metadata", "annotations"],
                    &["values"],
                ] {
                    hints.add(&[prefix, tail].concat(), GoKind::StringMap);
                }
                if flat_list {
                    hints.add(&["clusters"], GoKind::MapSlice);
                }
            }
            "git" => {
                let prefix = generator
                    .get("pathParamPrefix")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let mut path: Vec<&str> = prefix.split('.').filter(|s| !s.is_empty()).collect();
                path.extend(["path", "segments"]);
                hints.add(&path, GoKind::StringSlice);
                hints.add(&["values"], GoKind::StringMap);
            }
            "pullRequest" => {
                hints.add(&["labels"], GoKind::StringSlice);
                hints.add(&["values"], GoKind::StringMap);
            }
            "scmProvider" | "plugin" | "clusterDecisionResource" => {
                hints.add(&["values"], GoKind::StringMap);
            }
            _ => {}
        }
    }
    if matches!(kind, "matrix" | "merge") {
        if let Some(Value::Array(children)) = generator.get("generators") {
            for child in children {
                hints.extend(&entry_hints(child, level.child(), mode));
            }
        }
    }
    hints
}

/// The union of the hints of every generator of an entry.
fn entry_hints(entry: &Value, level: Level, mode: Mode) -> TypeHints {
    let mut hints = TypeHints::default();
    if let Value::Object(entry) = entry {
        for kind in level.kinds() {
            if let Some(Value::Object(generator)) = entry.get(*kind) {
                hints.extend(&type_hints(kind, generator, level, mode));
            }
        }
    }
    hints
}

/// Below this many merged parameter sets, threads cost more than they save.
const PARALLEL_MERGES_FROM: usize = 256;

/// Where the second child's parameter sets for one set of the first are kept.
#[derive(Clone, Copy)]
enum Seconds {
    /// The same for every set of the first (by whether that set is empty).
    Fixed(usize),
    /// Evaluated with this set of the first interpolated.
    Computed(usize),
}

impl Seconds {
    fn of<'s>(
        self,
        fixed: &'s [Option<Vec<ParamSet>>; 2],
        computed: &'s [Vec<ParamSet>],
    ) -> &'s [ParamSet] {
        match self {
            Seconds::Fixed(slot) => fixed[slot].as_deref().unwrap_or_default(),
            Seconds::Computed(index) => &computed[index],
        }
    }
}

/// fasttemplate's matrix combination (`CombineStringMaps`): both sets printed with `%v`
/// and unioned. A key in both must hold the same text, and the second child's value must
/// be a string for Argo CD to see them as equal.
fn combine_strings(
    a: &ParamSet,
    b: &ParamSet,
    path: &FieldPath,
) -> Result<ParamSet, GenerateError> {
    let mut combined: ParamSet = a
        .iter()
        .map(|(key, value)| (key.clone(), Value::String(go_value_string(value))))
        .collect();
    for (key, value) in b {
        if let Some(Value::String(current)) = combined.get(key) {
            if value.as_str() != Some(current.as_str()) {
                return Err(GenerateError::generator(
                    path,
                    format!(
                        "failed to combine string maps with merging params for the matrix generator: found duplicate key `{key}` with different value, a: `{current}`, b: `{}`",
                        go_value_string(value)
                    ),
                ));
            }
        }
        combined.insert(key.clone(), Value::String(go_value_string(value)));
    }
    Ok(combined)
}

/// Merges `value` into `target[key]` with `value` winning, objects merged key by key
/// (mergo with override, as Go-template matrices and merges use).
fn deep_merge_into(target: &mut ParamSet, key: &str, value: &Value) {
    match (target.get_mut(key), value) {
        (Some(Value::Object(existing)), Value::Object(incoming)) => merge_maps(existing, incoming),
        _ => {
            target.insert(key.to_string(), value.clone());
        }
    }
}

fn merge_maps(existing: &mut Map<String, Value>, incoming: &Map<String, Value>) {
    for (key, value) in incoming {
        match (existing.get_mut(key), value) {
            (Some(Value::Object(inner)), Value::Object(incoming_inner)) => {
                merge_maps(inner, incoming_inner)
            }
            _ => {
                existing.insert(key.clone(), value.clone());
            }
        }
    }
}

/// Indexes parameter sets by the JSON of their merge-key values (`null` when missing),
/// refusing two sets with the same key.
fn index_by_merge_keys(
    sets: &[ParamSet],
    merge_keys: &BTreeSet<String>,
    path: &FieldPath,
) -> Result<BTreeMap<String, usize>, GenerateError> {
    let mut index = BTreeMap::new();
    for (position, set) in sets.iter().enumerate() {
        let key_values: BTreeMap<&str, &Value> = merge_keys
            .iter()
            .map(|key| (key.as_str(), set.get(key).unwrap_or(&Value::Null)))
            .collect();
        let key = serde_json::to_string(&key_values).unwrap_or_default();
        if index.insert(key.clone(), position).is_some() {
            return Err(GenerateError::generator(
                path,
                format!(
                    "the parameters from a generator were not unique by the given mergeKeys, Merge requires all param sets to be unique. Duplicate key was {key}"
                ),
            ));
        }
    }
    Ok(index)
}

/// The error of more than `limit` parameter sets or Applications at `path`.
pub(crate) fn check_limit(
    count: usize,
    limit: usize,
    path: &FieldPath,
) -> Result<(), GenerateError> {
    if count <= limit {
        return Ok(());
    }
    Err(GenerateError::TooManyApplications {
        path: path.to_string(),
        count,
        limit,
    })
}
