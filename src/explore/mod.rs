pub mod doc;
pub mod filter;
pub mod tree;
