//! The causal chain of a deleted object back to the request that started it, in
//! words: through `deleted_with` to the Application (and its ApplicationSet) or the
//! hand-made deletion.

use std::collections::{BTreeMap, BTreeSet};

use preflight_model::ObjectKey;

use crate::cascade::ObjectResult;
use crate::causes::{describe, DeleteCause};
use crate::outcome::{Action, ApplicationChange};

/// Who started the deletion that reached `start`, in words that hold on every cluster
/// of a fleet: the ApplicationSet, not its per-cluster Application.
pub(super) fn origin(
    start: &ObjectKey,
    objects: &BTreeMap<&ObjectKey, &ObjectResult>,
    applications: &[ApplicationChange],
) -> Option<String> {
    let mut current = *objects.get(start)?;
    let mut seen = BTreeSet::new();
    while let Some(next) = &current.deleted_with {
        if !seen.insert(next.clone()) {
            break;
        }
        match objects.get(next) {
            Some(object) => current = object,
            None => break,
        }
    }
    match &current.cause {
        DeleteCause::Application(name) => {
            let app = applications
                .iter()
                .find(|a| a.action == Action::Delete && a.name == *name);
            Some(match app.map(|a| (&a.application_set, &a.replaced_by)) {
                Some((Some(set), Some(_))) => {
                    format!("deleted with the Application that ApplicationSet `{set}` renames")
                }
                Some((Some(set), None)) => format!(
                    "deleted with the Application that ApplicationSet `{set}` no longer generates"
                ),
                _ => format!("deleted with Application `{name}`"),
            })
        }
        DeleteCause::ByHand => Some("deleted by hand".to_string()),
        _ => None,
    }
}

/// The chain of causes from an object back to the request that started it.
pub(super) fn trace(
    start: &ObjectKey,
    objects: &BTreeMap<&ObjectKey, &ObjectResult>,
    applications: &[ApplicationChange],
) -> Vec<String> {
    let mut chain = Vec::new();
    let mut current = Some(start.clone());
    let mut seen = BTreeSet::new();
    while let Some(key) = current.take() {
        if !seen.insert(key.clone()) {
            break;
        }
        let Some(object) = objects.get(&key) else {
            chain.push(format!("{} is missing", describe(&key)));
            break;
        };
        chain.push(format!("{}: {}", describe(&key), object.cause));
        match &object.deleted_with {
            Some(next) => current = Some(next.clone()),
            None => {
                if let Some(app) = applications.iter().find(|a| {
                    a.action == Action::Delete
                        && matches!(&object.cause, DeleteCause::Application(name) if *name == a.name)
                }) {
                    let why = match (&app.application_set, &app.replaced_by) {
                        (Some(set), Some(new)) => format!(
                            "Application `{}` is deleted by ApplicationSet `{set}` because the change renames it to `{new}`",
                            app.name
                        ),
                        (Some(set), None) => format!(
                            "Application `{}` is deleted by ApplicationSet `{set}`: it is no longer generated",
                            app.name
                        ),
                        (None, _) => match app.notes.first() {
                            Some(note) => format!("Application `{}` is deleted: {note}", app.name),
                            None => format!("Application `{}` is deleted", app.name),
                        },
                    };
                    chain.push(why);
                }
            }
        }
    }
    chain
}
