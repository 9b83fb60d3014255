//! The findings: critical and high ones on the first screen, each told once for every
//! cluster it concerns with one block of commands ready to paste; the others folded
//! into a `<details>` section.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::user_text::{code, fence, text};
use preflight_outcome::{Finding, Severity};

pub(super) fn severity_icon(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "🛑",
        Severity::High => "🔴",
        Severity::Warning => "⚠️",
        Severity::Info => "ℹ️",
    }
}

/// Findings that say the same thing on several clusters, told once: the clusters in the
/// title and every cluster's commands in one block, ready to paste.
pub(super) struct FindingGroup<'a> {
    severity: Severity,
    code: &'a str,
    message: &'a str,
    clusters: Vec<&'a str>,
    remediation: Vec<&'a str>,
}

pub(super) fn group_findings<'a>(findings: &[&'a Finding]) -> Vec<FindingGroup<'a>> {
    let mut groups: Vec<FindingGroup<'a>> = Vec::new();
    let mut index_of: BTreeMap<(Severity, &str, &str), usize> = BTreeMap::new();
    for finding in findings {
        let key = (
            finding.severity,
            finding.code.as_str(),
            finding.message.as_str(),
        );
        let index = *index_of.entry(key).or_insert_with(|| {
            groups.push(FindingGroup {
                severity: finding.severity,
                code: finding.code.as_str(),
                message: &finding.message,
                clusters: Vec::new(),
                remediation: Vec::new(),
            });
            groups.len() - 1
        });
        let group = &mut groups[index];
        for cluster in &finding.clusters {
            if !group.clusters.contains(&cluster.as_str()) {
                group.clusters.push(cluster);
            }
        }
        for command in &finding.remediation {
            if !group.remediation.contains(&command.as_str()) {
                group.remediation.push(command);
            }
        }
    }
    groups
}

pub(super) fn write_serious_findings(out: &mut String, findings: &[&Finding]) {
    if findings.is_empty() {
        return;
    }
    out.push_str("### Findings\n\n");
    for group in group_findings(findings) {
        write_finding_group(out, &group);
    }
}

pub(super) fn write_finding_group(out: &mut String, group: &FindingGroup<'_>) {
    let clusters: Vec<String> = group.clusters.iter().map(|cluster| code(cluster)).collect();
    let _ = writeln!(
        out,
        "{}: {}\n",
        title(group.severity, group.code, &clusters),
        text(group.message)
    );
    if !group.remediation.is_empty() {
        out.push_str(&fence("sh", &group.remediation.join("\n")));
        out.push('\n');
    }
}

/// ``🛑 **critical** `apiservice-unavailable` on `e1-k8s-lab-a`, `e1-k8s-lab-b` ``
pub(super) fn title(severity: Severity, finding_code: &str, clusters: &[String]) -> String {
    let mut title = format!(
        "{} **{}** {}",
        severity_icon(severity),
        severity.as_str(),
        code(finding_code)
    );
    if !clusters.is_empty() {
        let _ = write!(title, " on {}", clusters.join(", "));
    }
    title
}

pub(super) fn lesser_findings(findings: &[&Finding]) -> String {
    let mut by_severity: Vec<(Severity, usize)> = Vec::new();
    for finding in findings {
        match by_severity.last_mut() {
            Some((severity, count)) if *severity == finding.severity => *count += 1,
            _ => by_severity.push((finding.severity, 1)),
        }
    }
    let breakdown = by_severity
        .iter()
        .map(|(severity, count)| format!("{count} {}", severity.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = format!("<details><summary>Lower-severity findings: {breakdown}</summary>\n\n");
    for group in group_findings(findings) {
        write_finding_group(&mut out, &group);
    }
    out.push_str("</details>\n\n");
    out
}
