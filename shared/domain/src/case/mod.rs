//! Cases (工单): what a contact is, the life of a case as a state machine, and the rules of
//! each step (DOMAIN.md, "Life of a case").

mod intake;
mod intake_body;
mod kinds;
mod machine;
mod people;

pub use intake::{MAX_DESCRIPTION, MAX_TITLE, check_description, check_note, check_title, tracking_number};
pub use intake_body::{
    AttachmentInput, CheckedIntake, FALLBACK_TITLE, IntakeInput, MAX_ADDRESS, MAX_ATTACHMENT_SIZE, MAX_ATTACHMENT_TYPE, MAX_ATTACHMENT_URL,
    MAX_ATTACHMENTS, MAX_CALLER_NAME, MAX_CATEGORY, check_intake,
};
pub use kinds::{Channel, ClosureKind, ContactType, EmergencyLine, ParticipantRole, ParticipantStatus, Rating, ReturnReason, Urgency};
pub use machine::{Action, CaseStatus, Duty, TransitionError};
pub use people::{PhoneNumber, mask_name};
