//! Cases: intake at the front door, the lifecycle, joint handling, citizens' tracking and
//! rating, CTI call events. Every step checks role, unit, tenant and state, and writes an
//! event in the same transaction as the change.

mod access;
mod calls;
mod duplicates;
mod intake;
mod intake_rows;
mod intake_writer;
mod joint;
mod public;
mod query;
mod steps;
mod view;

pub use calls::{CallEventInput, CallEventView};
pub use duplicates::DuplicateCandidate;
pub(crate) use duplicates::contact;
pub use intake::{AttachmentInput, IntakeInput, IntakeReceipt, IntakeResult};
pub use intake_writer::{IntakeWriter, MAX_BATCH, WriterReading};
pub use joint::DispatchTarget;
pub use public::{CitizenProof, PublicCaseView};
pub use query::CaseQuery;
pub use steps::{FeedbackInput, StepInput};
pub(crate) use steps::{parse_uuid, required};
pub use view::{CaseView, EventView, ParticipantView, RevealedContact};
