//! `netdash explore` and the dashboard's explorer pane: a lazily read JSON document, its
//! visible tree, jq filters, and the work that runs off the UI thread on big documents.

pub mod doc;
pub mod filter;
pub mod job;
pub mod tree;
