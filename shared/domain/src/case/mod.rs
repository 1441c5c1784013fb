//! Cases (工单): what a contact is, the life of a case as a state machine, and the rules of
//! each step (DOMAIN.md, "Life of a case").

mod intake;
mod kinds;
mod machine;
mod people;

pub use intake::{check_description, check_note, check_title, tracking_number};
pub use kinds::{Channel, ClosureKind, ContactType, EmergencyLine, ParticipantRole, ParticipantStatus, Rating, ReturnReason, Urgency};
pub use machine::{Action, CaseStatus, Duty, TransitionError};
pub use people::{PhoneNumber, mask_name};
