//! scorecards
