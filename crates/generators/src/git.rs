//! The git generator (rulebook 4.3 directories, 4.4 files) over a [`RepoFiles`]
//! listing.
//!
//! [`RepoFiles`]: crate::RepoFiles

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::error::{FieldPath, GenerateError};
use crate::eval::Evaluator;
use crate::fields::{list_of, optional_bool, optional_string};
use crate::glob::doublestar::DoublestarPattern;
use crate::glob::gopath::GoPattern;
use crate::glob::pathspec::ls_files;
use crate::params::{flatten_object, go_path_base, go_path_dir, sanitize_name, Mode, ParamSet};
use crate::values::GeneratorValues;

/// `argocd-cmd-params-cm` key that turns on doublestar globbing for git files.
const NEW_GLOBBING_KEY: &str = "applicationsetcontroller.enable.new.git.file.globbing";

/// One `directories` or `files` item.
struct PathItem {
    pattern: String,
    exclude: bool,
    path: FieldPath,
}

pub(crate) fn git_params(
    eval: &Evaluator,
    git: &Map<String, Value>,
    path: &FieldPath,
) -> Result<Vec<ParamSet>, GenerateError> {
    check_project(eval, path)?;
    let repo_url = optional_string(git, "repoURL", path)?;
    let revision = optional_string(git, "revision", path)?;
    let prefix = optional_string(git, "pathParamPrefix", path)?;
    let values = GeneratorValues::read(eval, "git", git, path)?;
    let directories = path_items(git, "directories", path)?;
    let files = path_items(git, "files", path)?;

    // Whatever fails while reading the repository is reported under one prefix
    // (argo-cd applicationset/generators/git.go, `GenerateParams`).
    let from_git = |error: GenerateError| match error {
        GenerateError::Repository { path, message } => GenerateError::Repository {
            path,
            message: format!("error generating params from git: {message}"),
        },
        other => other,
    };
    let mut param_sets = if !directories.is_empty() {
        directory_params(eval, &repo_url, &revision, &directories, &prefix, path)
            .map_err(from_git)?
    } else if !files.is_empty() {
        file_params(eval, &repo_url, &revision, &files, &prefix, path).map_err(from_git)?
    } else {
        return Err(GenerateError::generator(
            path,
            "generator is empty: give `directories` or `files`",
        ));
    };
    for params in &mut param_sets {
        values.append_to(params)?;
    }
    Ok(param_sets)
}

/// Every git generator needs the ApplicationSet's AppProject to exist when
/// `spec.template.spec.project` is not templated (rulebook 4.3).
fn check_project(eval: &Evaluator, path: &FieldPath) -> Result<(), GenerateError> {
    let project = match eval.appset.project {
        Some(Value::String(text)) => text.as_str(),
        _ => "",
    };
    if project.contains("{{") {
        return Ok(());
    }
    if project.is_empty() {
        return Err(GenerateError::generator(
            path,
            "error getting project ``: resource name may not be empty (the git generator needs `spec.template.spec.project` to name an AppProject or to be templated)",
        ));
    }
    let projects = eval.ctx.app_project_names();
    if projects.is_empty() {
        eval.warn(format!(
            "{path}: the snapshot holds no AppProject, so the git generator's check that AppProject `{project}` exists was skipped"
        ));
        return Ok(());
    }
    if !projects.contains(project) {
        return Err(GenerateError::generator(
            path,
            format!(
                "error getting project {project}: appprojects.argoproj.io \"{project}\" not found"
            ),
        ));
    }
    Ok(())
}

fn directory_params(
    eval: &Evaluator,
    repo_url: &str,
    revision: &str,
    items: &[PathItem],
    prefix: &str,
    path: &FieldPath,
) -> Result<Vec<ParamSet>, GenerateError> {
    let tree = eval.repo_tree(repo_url, revision).map_err(|message| {
        GenerateError::repository(
            path,
            format!("error getting directories from repo: {message}"),
        )
    })?;
    // A malformed pattern matches nothing (Argo CD logs it and moves on).
    let patterns: Vec<(Option<GoPattern>, bool)> = items
        .iter()
        .map(|item| {
            let parsed = GoPattern::parse(&item.pattern).ok();
            if parsed.is_none() {
                eval.warn(format!(
                    "{}: `{}` is not a valid pattern (Go `path.Match`), so it matches no directory",
                    item.path, item.pattern
                ));
            }
            (parsed, item.exclude)
        })
        .collect();
    let mut param_sets = Vec::new();
    for directory in &tree.directories {
        let mut included = false;
        let mut excluded = false;
        for (pattern, exclude) in &patterns {
            if pattern.as_ref().is_some_and(|p| p.matches(directory)) {
                if *exclude {
                    excluded = true;
                } else {
                    included = true;
                }
            }
        }
        if included && !excluded {
            let mut params = ParamSet::new();
            add_path_params(&mut params, eval.mode(), prefix, directory, None, path)?;
            param_sets.push(params);
        }
    }
    Ok(param_sets)
}

fn file_params(
    eval: &Evaluator,
    repo_url: &str,
    revision: &str,
    items: &[PathItem],
    prefix: &str,
    path: &FieldPath,
) -> Result<Vec<ParamSet>, GenerateError> {
    let tree = eval.repo_tree(repo_url, revision).map_err(|message| {
        GenerateError::repository(path, format!("unable to list files: {message}"))
    })?;
    let new_globbing = new_globbing(eval);
    let mut selected: BTreeSet<String> = BTreeSet::new();
    for item in items.iter().filter(|item| !item.exclude) {
        selected.extend(list_files(&tree, item, new_globbing, repo_url, revision)?);
    }
    for item in items.iter().filter(|item| item.exclude) {
        for file in list_files(&tree, item, new_globbing, repo_url, revision)? {
            selected.remove(&file);
        }
    }
    let paths: Vec<&str> = selected.iter().map(String::as_str).collect();
    let objects = eval
        .parsed_files(repo_url, revision, &paths, |file, bytes| {
            // argo-cd applicationset/generators/git.go, `generateParamsForGitFiles` and
            // `generateParamsFromGitFile`.
            parse_file(bytes).map_err(|error| {
                format!("unable to process file '{file}' from repository '{repo_url}': unable to parse file: {error}")
            })
        })
        .map_err(|message| GenerateError::repository(path, message))?;

    let mut param_sets = Vec::new();
    for (file, objects) in paths.iter().zip(objects) {
        for object in objects.iter() {
            // `parse_file` gives objects only.
            let mut params = match (object, eval.mode()) {
                (Value::Object(map), Mode::Fast) => flatten_object(map),
                (Value::Object(map), Mode::Go) => map.clone().into_iter().collect(),
                _ => ParamSet::new(),
            };
            let directory = go_path_dir(file);
            add_path_params(
                &mut params,
                eval.mode(),
                prefix,
                &directory,
                Some(file),
                path,
            )?;
            param_sets.push(params);
        }
    }
    Ok(param_sets)
}

/// The files one `files` item selects, as the repo server lists them.
fn list_files(
    tree: &crate::repo::RepoTree,
    item: &PathItem,
    new_globbing: bool,
    repo_url: &str,
    revision: &str,
) -> Result<Vec<String>, GenerateError> {
    let failure = |message: String| {
        GenerateError::repository(
            &item.path,
            format!(
                "unable to list files. repo {repo_url} with revision {revision} pattern {}: {message}",
                item.pattern
            ),
        )
    };
    if !new_globbing {
        return ls_files(&item.pattern, &tree.files).map_err(|error| failure(error.0));
    }
    let pattern = DoublestarPattern::parse(&item.pattern).map_err(failure)?;
    // The repo server reads every match; a matched directory cannot be read.
    if pattern.matches("") {
        return Err(failure("read .: is a directory".to_string()));
    }
    if let Some(directory) = tree.all_directories.iter().find(|dir| pattern.matches(dir)) {
        return Err(failure(format!("read {directory}: is a directory")));
    }
    Ok(tree
        .files
        .iter()
        .filter(|file| pattern.matches(file))
        .cloned()
        .collect())
}

/// Whether the controller runs with `--enable-new-git-file-globbing`, read from
/// `argocd-cmd-params-cm` when the snapshot has it.
fn new_globbing(eval: &Evaluator) -> bool {
    eval.ctx.argocd_objects.iter().any(|object| {
        object.kind() == "ConfigMap"
            && object.group().is_empty()
            && object.name() == "argocd-cmd-params-cm"
            && object
                .str_at(&["data", NEW_GLOBBING_KEY])
                .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
    })
}

/// One file as the git file generator reads it: one object, else a list of objects; an
/// empty file is one empty object. Argo CD reads it with `sigs.k8s.io/yaml.Unmarshal`,
/// first into an object, then into a list of objects, and reports the second attempt's
/// error with that library's prefixes (kubernetes-sigs/yaml `yaml.go`).
fn parse_file(bytes: &[u8]) -> Result<Vec<Value>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the file is not UTF-8".to_string())?;
    let parsed = crate::yaml::parse(text)
        .map_err(|error| format!("error converting YAML to JSON: {error}"))?;
    crate::check_depth(&parsed, &FieldPath::default())
        .map_err(|_| format!("the file is nested deeper than {} levels", crate::MAX_DEPTH))?;
    let cannot_unmarshal = |value: &Value, go_type: &str| {
        format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type {go_type}",
            json_kind(value)
        )
    };
    match parsed {
        Value::Null => Ok(vec![Value::Object(Map::new())]),
        Value::Object(map) => Ok(vec![Value::Object(map)]),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::Null => Ok(Value::Object(Map::new())),
                Value::Object(map) => Ok(Value::Object(map)),
                other => Err(cannot_unmarshal(&other, "map[string]interface {}")),
            })
            .collect(),
        other => Err(cannot_unmarshal(&other, "[]map[string]interface {}")),
    }
}

/// How `encoding/json` names the kind of a JSON value in its type errors.
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The path parameters of a directory (`file` is `None`) or of a file in `directory`.
fn add_path_params(
    params: &mut ParamSet,
    mode: Mode,
    prefix: &str,
    directory: &str,
    file: Option<&str>,
    path: &FieldPath,
) -> Result<(), GenerateError> {
    let basename = go_path_base(directory);
    match mode {
        Mode::Fast => {
            let name = if prefix.is_empty() {
                "path".to_string()
            } else {
                format!("{prefix}.path")
            };
            params.insert(name.clone(), directory.into());
            params.insert(format!("{name}.basename"), basename.clone().into());
            params.insert(
                format!("{name}.basenameNormalized"),
                sanitize_name(&basename).into(),
            );
            if let Some(file) = file {
                let filename = go_path_base(file);
                params.insert(
                    format!("{name}.filenameNormalized"),
                    sanitize_name(&filename).into(),
                );
                params.insert(format!("{name}.filename"), filename.into());
            }
            for (index, segment) in directory.split('/').enumerate() {
                if !segment.is_empty() {
                    params.insert(format!("{name}[{index}]"), segment.into());
                }
            }
        }
        Mode::Go => {
            let mut nested = Map::new();
            nested.insert("path".into(), directory.into());
            nested.insert("basename".into(), basename.clone().into());
            nested.insert("basenameNormalized".into(), sanitize_name(&basename).into());
            if let Some(file) = file {
                let filename = go_path_base(file);
                nested.insert("filenameNormalized".into(), sanitize_name(&filename).into());
                nested.insert("filename".into(), filename.into());
            }
            nested.insert(
                "segments".into(),
                Value::Array(directory.split('/').map(Value::from).collect()),
            );
            insert_nested(params, prefix, Value::Object(nested), path)?;
        }
    }
    Ok(())
}

/// Puts the path object at `<prefix>.path`, creating the objects the dotted prefix names.
fn insert_nested(
    params: &mut ParamSet,
    prefix: &str,
    value: Value,
    path: &FieldPath,
) -> Result<(), GenerateError> {
    let mut keys: Vec<&str> = if prefix.is_empty() {
        Vec::new()
    } else {
        prefix.split('.').collect()
    };
    keys.push("path");
    let (first, rest) = keys.split_first().expect("at least `path`");
    if rest.is_empty() {
        params.insert(first.to_string(), value);
        return Ok(());
    }
    let entry = params
        .entry(first.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    let mut current = entry;
    for (position, key) in rest.iter().enumerate() {
        let Value::Object(map) = current else {
            return Err(GenerateError::generator(
                &path.key("pathParamPrefix"),
                format!("the parameter `{}` is not an object, so `{prefix}` cannot nest the path under it", keys[..=position].join(".")),
            ));
        };
        if position + 1 == rest.len() {
            map.insert(key.to_string(), value);
            return Ok(());
        }
        current = map
            .entry(key.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    Ok(())
}

fn path_items(
    git: &Map<String, Value>,
    field: &str,
    path: &FieldPath,
) -> Result<Vec<PathItem>, GenerateError> {
    list_of(git.get(field), &path.key(field), |item, item_path| {
        let Value::Object(map) = item else {
            return Err(GenerateError::wrong_type(item_path, "an object", item));
        };
        Ok(PathItem {
            pattern: optional_string(map, "path", item_path)?,
            exclude: optional_bool(map, "exclude", item_path)?,
            path: item_path.key("path"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_parse_as_object_or_list() {
        assert_eq!(parse_file(b"").unwrap(), vec![Value::Object(Map::new())]);
        assert_eq!(parse_file(b"a: 1").unwrap().len(), 1);
        assert_eq!(parse_file(b"- a: 1\n- null\n- b: 2").unwrap().len(), 3);
        assert_eq!(parse_file(b"[]").unwrap().len(), 0);
        assert!(parse_file(b"- a\n").is_err());
        assert!(parse_file(b"just text").is_err());
    }

    fn as_json(params: ParamSet) -> Value {
        Value::Object(params.into_iter().collect())
    }

    #[test]
    fn path_params_in_both_template_modes() {
        let path = FieldPath::of("git");
        let mut fast = ParamSet::new();
        add_path_params(
            &mut fast,
            Mode::Fast,
            "",
            "apps/My_App",
            Some("apps/My_App/config.json"),
            &path,
        )
        .unwrap();
        assert_eq!(
            as_json(fast),
            serde_json::json!({
                "path": "apps/My_App", "path.basename": "My_App", "path.basenameNormalized": "my-app",
                "path.filename": "config.json", "path.filenameNormalized": "config.json",
                "path[0]": "apps", "path[1]": "My_App",
            })
        );
        let mut go = ParamSet::new();
        add_path_params(&mut go, Mode::Go, "app", ".", Some("root.json"), &path).unwrap();
        assert_eq!(
            as_json(go),
            serde_json::json!({"app": {"path": {
                "path": ".", "basename": ".", "basenameNormalized": "",
                "filename": "root.json", "filenameNormalized": "root.json", "segments": ["."],
            }}})
        );
    }

    #[test]
    fn nested_prefix() {
        let mut params = ParamSet::new();
        insert_nested(&mut params, "a.b", Value::from("x"), &FieldPath::of("git")).unwrap();
        assert_eq!(
            Value::Object(params.into_iter().collect()),
            serde_json::json!({"a": {"b": {"path": "x"}}})
        );
        let mut clash = ParamSet::new();
        clash.insert("a".into(), Value::from("text"));
        assert!(insert_nested(&mut clash, "a.b", Value::from("x"), &FieldPath::of("git")).is_err());
    }
}
