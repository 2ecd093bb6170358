//! candidates
