//! Carrying out plans: the executor that applies each change through its provider, runs
//! provisioners, reports progress and records state after every finished operation.

pub mod apply;
