//! Mermaid diagrams of the findings' causal chains (a deadlock's cycle closes back on
//! its first step), the first few shown, the rest folded away.

use std::fmt::Write as _;

use preflight_outcome::Finding;

use super::findings::title;
use super::user_text::{code, fence};
use super::{Block, Rank};
use crate::escape::visible;

/// How many deadlock diagrams show before the rest fold away.
pub(super) const DIAGRAMS_SHOWN: usize = 3;

pub(super) fn diagram_blocks(blocks: &mut Vec<Block>, findings: &[&Finding]) {
    let with_chain: Vec<&Finding> = findings
        .iter()
        .copied()
        .filter(|finding| !finding.chain.is_empty())
        .collect();
    for (index, finding) in with_chain.iter().enumerate() {
        let mut out = String::new();
        if index == 0 {
            out.push_str("### Why it gets stuck\n\nEach arrow reads \"because\".\n\n");
        }
        if index == DIAGRAMS_SHOWN {
            let more = with_chain.len() - DIAGRAMS_SHOWN;
            let noun = if more == 1 { "diagram" } else { "diagrams" };
            let _ = writeln!(out, "<details><summary>{more} more {noun}</summary>\n");
        }
        let clusters: Vec<String> = finding
            .clusters
            .iter()
            .map(|cluster| code(cluster))
            .collect();
        let _ = writeln!(
            out,
            "{}\n",
            title(finding.severity, finding.code.as_str(), &clusters)
        );
        out.push_str(&fence("mermaid", &mermaid(&finding.chain, finding.cycle)));
        out.push('\n');
        if index >= DIAGRAMS_SHOWN && index == with_chain.len() - 1 {
            out.push_str("</details>\n\n");
        }
        if index > DIAGRAMS_SHOWN {
            // The folded diagrams stay one section, so that dropping it never leaves
            // an unclosed `<details>`.
            let folded = blocks.last_mut().expect("the folded section comes first");
            folded.text.push_str(&out);
        } else {
            blocks.push(Block {
                text: out,
                rank: Rank::Diagram,
                label: String::new(),
                diffs_left_out: 0,
            });
        }
    }
}

/// A top-down flowchart: the symptom first, each step caused by the next.
pub(crate) fn mermaid(chain: &[String], cycle: bool) -> String {
    let mut out = String::from("flowchart TD\n");
    // A chain that ends back at its start is a cycle: draw the edge back, not the
    // start twice.
    let cycle = cycle && chain.len() > 2;
    let nodes = if cycle {
        &chain[..chain.len() - 1]
    } else {
        chain
    };
    for (index, step) in nodes.iter().enumerate() {
        let _ = writeln!(out, "    n{index}[\"{}\"]", mermaid_label(step));
    }
    for index in 1..nodes.len() {
        let _ = writeln!(out, "    n{} --> n{index}", index - 1);
    }
    if cycle {
        let _ = writeln!(out, "    n{} --> n0", nodes.len() - 1);
    }
    out.push_str("    classDef symptom fill:#fdd,stroke:#c00\n");
    out.push_str("    class n0 symptom");
    out
}

/// A label inside `["…"]`: characters that Mermaid would read as syntax or markup become
/// its `#code;` entities, and line breaks become spaces.
pub(super) fn mermaid_label(step: &str) -> String {
    let step = visible(step);
    let mut label = String::with_capacity(step.len());
    for character in step.chars() {
        match character {
            '"' => label.push_str("#quot;"),
            '#' => label.push_str("#35;"),
            '&' => label.push_str("#38;"),
            '<' => label.push_str("#lt;"),
            '>' => label.push_str("#gt;"),
            '[' => label.push_str("#91;"),
            ']' => label.push_str("#93;"),
            '{' => label.push_str("#123;"),
            '}' => label.push_str("#125;"),
            '|' => label.push_str("#124;"),
            '`' => label.push_str("#96;"),
            '\n' | '\r' | '\t' => label.push(' '),
            other => label.push(other),
        }
    }
    label
}
