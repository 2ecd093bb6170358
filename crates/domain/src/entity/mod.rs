//! sea-orm entities, one per table of `migrations/`.
#![allow(missing_docs)] // generated items; each table is documented in its module and migration

pub mod api_key;
pub mod audit_entry;
pub mod audit_subject;
pub mod candidate;
pub mod candidate_erasure;
pub mod candidate_stage_change;
pub mod category;
pub mod competency;
pub mod event;
pub mod interview_plan;
pub mod organization;
pub mod plan_competency;
pub mod plan_template;
pub mod question;
pub mod question_tag;
pub mod question_version;
pub mod refresh_token;
pub mod round;
pub mod round_competency;
pub mod round_interviewer;
pub mod round_question;
pub mod scorecard;
pub mod scorecard_competency_rating;
pub mod scorecard_question_rating;
pub mod scorecard_revision;
pub mod template_competency;
pub mod template_round;
pub mod template_round_competency;
pub mod template_round_question;
pub mod throttle_event;
pub mod user;
pub mod webhook_attempt;
pub mod webhook_delivery;
pub mod webhook_endpoint;
