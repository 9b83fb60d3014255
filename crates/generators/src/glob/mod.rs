//! The three ways Argo CD matches repository paths, each restated from its rules:
//! Go's `path.Match` for git directories ([`gopath`]), git pathspecs for git files by
//! default ([`pathspec`]), and doublestar globbing for git files when the controller
//! enables the new globbing ([`doublestar`]).

pub(crate) mod doublestar;
pub(crate) mod gopath;
pub(crate) mod pathspec;
