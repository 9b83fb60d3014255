//! The destination clusters, one `<details>` section each: namespaces with the
//! namespace controller's conditions, objects deleted, stuck or refused, APIServices and
//! volumes.

use std::fmt::Write as _;

use preflight_outcome::{ClusterOutcome, Fate, ObjectOutcome, Outcome};

use super::user_text::{cell, code, code_cell, html};
use super::{Block, Rank};
use crate::summary::{is_namespace, plural, true_conditions};

/// How many objects of one fate a cluster section lists before it counts the rest; the
/// JSON report has them all.
pub(super) const MAX_OBJECT_ROWS: usize = 100;

pub(super) fn cluster_blocks(blocks: &mut Vec<Block>, outcome: &Outcome) {
    // Clusters where the same things happen are one section. Who deleted each object
    // names per-cluster Applications, so a shared section leaves that column out.
    let mut groups: Vec<(String, Vec<&ClusterOutcome>)> = Vec::new();
    for cluster in &outcome.clusters {
        if cluster.objects.is_empty()
            && cluster.namespaces.is_empty()
            && cluster.api_services.is_empty()
            && crate::volumes::retained(&cluster.volumes).is_empty()
        {
            continue;
        }
        let mut body = String::new();
        write_cluster_body(&mut body, cluster, false);
        match groups.iter_mut().find(|(key, _)| *key == body) {
            Some((_, members)) => members.push(cluster),
            None => groups.push((body, vec![cluster])),
        }
    }
    let mut first = true;
    for (body, members) in groups {
        let mut out = String::new();
        if first {
            out.push_str("### Clusters\n\n");
            first = false;
        }
        let names: Vec<String> = members.iter().map(|c| code(&c.name)).collect();
        match members.as_slice() {
            [one] => {
                let _ = writeln!(
                    out,
                    "<details><summary>{}</summary>\n",
                    html(&format!("Cluster {}: {}", one.name, cluster_counts(one)))
                );
                write_cluster_body(&mut out, one, true);
            }
            many => {
                let listed: Vec<&str> = many.iter().map(|c| c.name.as_str()).collect();
                let _ = writeln!(
                    out,
                    "<details><summary>{}</summary>\n",
                    html(&format!(
                        "{} clusters, each: {}",
                        many.len(),
                        cluster_counts(many[0])
                    ))
                );
                let _ = writeln!(
                    out,
                    "The same on each of {}.\n",
                    listed
                        .iter()
                        .map(|name| code(name))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                out.push_str(&body);
            }
        }
        out.push_str("</details>\n\n");
        blocks.push(Block {
            text: out,
            rank: Rank::Cluster,
            label: names.join(", "),
            diffs_left_out: 0,
        });
    }
}

/// `3 namespaces stuck, 0 deleted; 0 objects stuck, 14 deleted`
pub(super) fn cluster_counts(cluster: &ClusterOutcome) -> String {
    let stuck_namespaces = cluster
        .namespaces
        .iter()
        .filter(|namespace| namespace.outcome == Fate::Stuck && !namespace.already_terminating)
        .count();
    let already = cluster
        .namespaces
        .iter()
        .filter(|namespace| namespace.outcome == Fate::Stuck && namespace.already_terminating)
        .count();
    let deleted_namespaces = count_namespaces(cluster, Fate::Deleted);
    let objects = || {
        cluster
            .objects
            .iter()
            .filter(|object| !is_namespace(&object.kind))
    };
    let stuck = objects().filter(|object| object.outcome.remains()).count();
    let deleted = objects().count() - stuck;
    let already = if already > 0 {
        format!(" (+{already} already Terminating before the change)")
    } else {
        String::new()
    };
    format!(
        "{} stuck{already}, {} deleted; {} stuck, {} deleted",
        plural(stuck_namespaces, "namespace"),
        deleted_namespaces,
        plural(stuck, "object"),
        deleted
    )
}

/// The tables of one cluster; `with_causes` adds who deleted each namespace and object.
pub(super) fn write_cluster_body(out: &mut String, cluster: &ClusterOutcome, with_causes: bool) {
    let (stuck, deleted): (Vec<&ObjectOutcome>, Vec<&ObjectOutcome>) = cluster
        .objects
        .iter()
        .filter(|object| !is_namespace(&object.kind))
        .partition(|object| object.outcome.remains());

    if !cluster.api_services.is_empty() {
        out.push_str("**APIServices**\n\n");
        out.push_str("| APIService | Service | Available | Why |\n");
        out.push_str("| --- | --- | --- | --- |\n");
        for api_service in &cluster.api_services {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {}: {} |",
                code_cell(&api_service.name),
                code_cell(&api_service.service),
                if api_service.available {
                    "True"
                } else {
                    "False"
                },
                cell(api_service.condition.reason()),
                cell(&api_service.condition.to_string())
            );
        }
        out.push('\n');
    }

    if !cluster.namespaces.is_empty() {
        out.push_str("**Namespaces**\n\n");
        if with_causes {
            out.push_str("| Namespace | Outcome | Conditions that are True | Deleted because |\n");
            out.push_str("| --- | --- | --- | --- |\n");
        } else {
            out.push_str("| Namespace | Outcome | Conditions that are True |\n");
            out.push_str("| --- | --- | --- |\n");
        }
        for namespace in &cluster.namespaces {
            let conditions = true_conditions(namespace)
                .iter()
                .map(|condition| {
                    format!(
                        "{} ({}): {}",
                        code_cell(&condition.type_),
                        cell(&condition.reason),
                        cell(&condition.message)
                    )
                })
                .collect::<Vec<_>>()
                .join("<br>");
            let _ = write!(
                out,
                "| {} | {} | {} |",
                code_cell(&namespace.name),
                fate_cell(namespace.outcome),
                conditions,
            );
            if with_causes {
                let _ = write!(out, " {} |", cell(&namespace.reason.to_string()));
            }
            out.push('\n');
        }
        out.push('\n');
    }

    write_objects(out, "Objects that stay stuck", &stuck, true);
    write_objects(out, "Objects deleted", &deleted, with_causes);
    write_retained_volumes(out, cluster);
}

/// Volumes whose claim the change deletes but whose `Retain` policy keeps them (the
/// destroyed and leaked ones have findings of their own).
fn write_retained_volumes(out: &mut String, cluster: &ClusterOutcome) {
    let kept = crate::volumes::retained(&cluster.volumes);
    if kept.is_empty() {
        return;
    }
    out.push_str("**Volumes kept**\n\n");
    out.push_str("| Volume | Size | Why it stays |\n");
    out.push_str("| --- | --- | --- |\n");
    for volume in kept {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            code_cell(&volume.name),
            cell(&crate::volumes::size(volume)),
            cell(&crate::volumes::why_retained(volume))
        );
    }
    out.push('\n');
}

pub(super) fn count_namespaces(cluster: &ClusterOutcome, fate: Fate) -> usize {
    cluster
        .namespaces
        .iter()
        .filter(|namespace| namespace.outcome == fate)
        .count()
}

pub(super) fn fate_cell(fate: Fate) -> &'static str {
    match fate {
        Fate::Stuck => "**stuck**",
        Fate::Refused => "**refused**",
        Fate::Deleted => "deleted",
    }
}

pub(super) fn write_objects(
    out: &mut String,
    title: &str,
    objects: &[&ObjectOutcome],
    with_why: bool,
) {
    if objects.is_empty() {
        return;
    }
    let _ = writeln!(out, "**{title}** ({})\n", objects.len());
    if with_why {
        out.push_str("| Kind | Namespace | Name | Why |\n");
        out.push_str("| --- | --- | --- | --- |\n");
    } else {
        out.push_str("| Kind | Namespace | Name |\n");
        out.push_str("| --- | --- | --- |\n");
    }
    for object in objects.iter().take(MAX_OBJECT_ROWS) {
        let _ = write!(
            out,
            "| {} | {} | {} |",
            code_cell(&format!("{} {}", object.api_version, object.kind)),
            object
                .namespace
                .as_deref()
                .map(code_cell)
                .unwrap_or_default(),
            code_cell(&object.name),
        );
        if with_why {
            let _ = write!(out, " {} |", cell(&object.reason.to_string()));
        }
        out.push('\n');
    }
    if objects.len() > MAX_OBJECT_ROWS {
        let _ = writeln!(
            out,
            "\nAnd {} more; `--format json` lists them all.",
            objects.len() - MAX_OBJECT_ROWS
        );
    }
    out.push('\n');
}
