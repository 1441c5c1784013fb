use crate::error::word_enum;
use crate::role::Role;

word_enum!(
    /// Where a case stands. received → accepted → dispatched → signed → in_progress →
    /// feedback_given → closed, with returned as the side track of a return (退单).
    CaseStatus, "status" {
        /// 接收: recorded, not yet looked at.
        Received = "received",
        /// 受理: classified, in scope.
        Accepted = "accepted",
        /// 派单: sent to a lead unit (and co-units), waiting for the lead to sign.
        Dispatched = "dispatched",
        /// 签收: the lead unit took it.
        Signed = "signed",
        /// 办理: work under way.
        InProgress = "in_progress",
        /// 退单: the lead unit sent it back; the dispatcher reviews.
        Returned = "returned",
        /// 回复: the lead unit answered the citizen; waiting for the return visit.
        FeedbackGiven = "feedback_given",
        /// 办结.
        Closed = "closed",
    }
);

word_enum!(
    /// Every step that changes a case. Each is one event in the history.
    Action, "action" {
        Accept = "accept",
        AnswerDirectly = "answer",
        Refer = "refer",
        TransferEmergency = "transfer",
        LinkDuplicate = "link",
        Dispatch = "dispatch",
        Sign = "sign",
        Progress = "progress",
        Return = "return",
        RejectReturn = "reject_return",
        RequestExtension = "request_extension",
        DecideExtension = "decide_extension",
        Contribute = "contribute",
        Release = "release",
        ChangeLead = "change_lead",
        GiveFeedback = "feedback",
        Rate = "rate",
        Close = "close",
        Reopen = "reopen",
        /// A written supervision notice (督办单) to the lead unit.
        SupervisionNotice = "supervision_notice",
        /// The lead unit's answer to a supervision notice.
        AnswerNotice = "answer_notice",
        /// 补充诉求: the citizen adds to an open case (by phone to an agent, or through an
        /// integrator's app); the case stays where it is and its handlers see the addition.
        FollowUp = "follow_up",
    }
);

/// Who owns a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    /// The front door or the line's dispatch desk: agents and dispatchers.
    FrontDoor,
    /// Dispatchers only (decisions about other people's work).
    Dispatcher,
    /// Dispatchers or the city office.
    Supervisor,
    /// Staff of the lead unit.
    LeadUnit,
    /// Staff of any unit taking part.
    Participant,
    /// Staff of a co-unit.
    CoUnit,
    /// The citizen, or staff recording a return visit.
    CitizenOrFrontDoor,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a case that is {from} cannot take the step '{action}'")]
pub struct TransitionError {
    pub from: CaseStatus,
    pub action: Action,
}

const OPEN_AT_UNIT: &[CaseStatus] = &[CaseStatus::Dispatched, CaseStatus::Signed, CaseStatus::InProgress];
const NEW: &[CaseStatus] = &[CaseStatus::Received, CaseStatus::Accepted];

impl Action {
    /// The states this step may start from.
    pub fn allowed_from(self) -> &'static [CaseStatus] {
        use CaseStatus::*;
        match self {
            Action::Accept => &[Received],
            Action::AnswerDirectly | Action::Refer | Action::TransferEmergency | Action::LinkDuplicate => NEW,
            Action::Dispatch => &[Received, Accepted, Returned],
            Action::Sign => &[Dispatched],
            Action::Progress => &[Signed, InProgress],
            Action::Return => OPEN_AT_UNIT,
            Action::RejectReturn => &[Returned],
            Action::RequestExtension
            | Action::DecideExtension
            | Action::Contribute
            | Action::Release
            | Action::ChangeLead
            | Action::SupervisionNotice
            | Action::AnswerNotice => OPEN_AT_UNIT,
            Action::GiveFeedback => &[Signed, InProgress],
            Action::Rate => &[FeedbackGiven, Closed],
            Action::Close => &[FeedbackGiven],
            Action::Reopen => &[FeedbackGiven, Closed],
            Action::FollowUp => &[Received, Accepted, Dispatched, Signed, InProgress, Returned],
        }
    }

    /// The state after the step. `Rate` and `Reopen` depend on the rating, so the caller
    /// picks: see [`CaseStatus::apply`].
    fn target(self, from: CaseStatus) -> CaseStatus {
        use CaseStatus::*;
        match self {
            Action::Accept => Accepted,
            Action::AnswerDirectly | Action::Refer | Action::TransferEmergency | Action::LinkDuplicate | Action::Close => Closed,
            Action::Dispatch | Action::RejectReturn | Action::ChangeLead | Action::Reopen => Dispatched,
            Action::Sign => Signed,
            Action::Progress => InProgress,
            Action::Return => Returned,
            Action::GiveFeedback => FeedbackGiven,
            Action::Rate => Closed,
            Action::RequestExtension
            | Action::DecideExtension
            | Action::Contribute
            | Action::Release
            | Action::SupervisionNotice
            | Action::AnswerNotice
            | Action::FollowUp => from,
        }
    }

    pub fn duty(self) -> Duty {
        match self {
            Action::Accept
            | Action::AnswerDirectly
            | Action::Refer
            | Action::TransferEmergency
            | Action::LinkDuplicate
            | Action::Dispatch => Duty::FrontDoor,
            Action::RejectReturn | Action::ChangeLead | Action::Close | Action::Reopen => Duty::Dispatcher,
            Action::DecideExtension | Action::SupervisionNotice => Duty::Supervisor,
            Action::Sign => Duty::Participant,
            Action::Progress
            | Action::Return
            | Action::RequestExtension
            | Action::Release
            | Action::GiveFeedback
            | Action::AnswerNotice => Duty::LeadUnit,
            Action::Contribute => Duty::CoUnit,
            Action::Rate | Action::FollowUp => Duty::CitizenOrFrontDoor,
        }
    }
}

impl Duty {
    /// The staff roles that may perform a step of this duty (the unit check comes on top).
    pub fn roles(self) -> &'static [Role] {
        match self {
            Duty::FrontDoor | Duty::CitizenOrFrontDoor => &[Role::Agent, Role::Dispatcher],
            Duty::Dispatcher => &[Role::Dispatcher],
            Duty::Supervisor => &[Role::Dispatcher, Role::CitySupervisor],
            Duty::LeadUnit | Duty::Participant | Duty::CoUnit => &[Role::UnitLead, Role::UnitHandler],
        }
    }

    /// Whether the step is done by staff of a participating unit.
    pub fn is_unit_work(self) -> bool {
        matches!(self, Duty::LeadUnit | Duty::Participant | Duty::CoUnit)
    }
}

impl CaseStatus {
    /// The state after `action`, or why the case cannot take it now.
    pub fn apply(self, action: Action) -> Result<CaseStatus, TransitionError> {
        if action.allowed_from().contains(&self) { Ok(action.target(self)) } else { Err(TransitionError { from: self, action }) }
    }

    pub fn is_open(self) -> bool {
        self != CaseStatus::Closed
    }

    /// Waiting on a unit (the SLA clocks of units run).
    pub fn is_at_unit(self) -> bool {
        OPEN_AT_UNIT.contains(&self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseStatus::*;

    #[test]
    fn the_main_path_runs_from_received_to_closed() {
        let mut s = Received;
        for a in [Action::Accept, Action::Dispatch, Action::Sign, Action::Progress, Action::GiveFeedback, Action::Close] {
            s = s.apply(a).unwrap();
        }
        assert_eq!(s, Closed);
    }

    #[test]
    fn first_contact_endings_close_a_new_case() {
        for a in [Action::AnswerDirectly, Action::Refer, Action::TransferEmergency, Action::LinkDuplicate] {
            assert_eq!(Received.apply(a).unwrap(), Closed);
            assert_eq!(Accepted.apply(a).unwrap(), Closed);
            assert!(Dispatched.apply(a).is_err(), "{a} after dispatch");
        }
    }

    #[test]
    fn a_return_goes_to_review_then_back_out() {
        let returned = Signed.apply(Action::Return).unwrap();
        assert_eq!(returned, Returned);
        assert_eq!(returned.apply(Action::RejectReturn).unwrap(), Dispatched);
        assert_eq!(returned.apply(Action::Dispatch).unwrap(), Dispatched);
        assert!(returned.apply(Action::Sign).is_err());
        assert!(FeedbackGiven.apply(Action::Return).is_err());
    }

    #[test]
    fn reopening_sends_the_case_back_to_units() {
        assert_eq!(Closed.apply(Action::Reopen).unwrap(), Dispatched);
        assert_eq!(FeedbackGiven.apply(Action::Reopen).unwrap(), Dispatched);
        assert!(InProgress.apply(Action::Reopen).is_err());
    }

    #[test]
    fn side_steps_keep_the_state() {
        for a in [
            Action::RequestExtension,
            Action::DecideExtension,
            Action::Contribute,
            Action::Release,
            Action::SupervisionNotice,
            Action::AnswerNotice,
        ] {
            for s in [Dispatched, Signed, InProgress] {
                assert_eq!(s.apply(a).unwrap(), s);
            }
            assert!(Closed.apply(a).is_err());
        }
    }

    #[test]
    fn a_follow_up_keeps_an_open_case_where_it_is() {
        for s in [Received, Accepted, Dispatched, Signed, InProgress, Returned] {
            assert_eq!(s.apply(Action::FollowUp).unwrap(), s);
        }
        // Handled cases take a rating instead: "not fixed" is a dissatisfied rating.
        assert!(FeedbackGiven.apply(Action::FollowUp).is_err());
        assert!(Closed.apply(Action::FollowUp).is_err());
    }

    #[test]
    fn every_action_from_every_state_is_either_allowed_or_refused_with_its_reason() {
        let mut allowed = 0;
        for s in CaseStatus::ALL {
            for a in Action::ALL {
                match s.apply(*a) {
                    Ok(_) => allowed += 1,
                    Err(e) => {
                        assert_eq!((e.from, e.action), (*s, *a));
                        assert!(e.to_string().contains(s.as_str()));
                    }
                }
            }
        }
        // The table above, counted: a change to the machine must update this on purpose
        // (47, and a citizen's follow-up from the six open states).
        assert_eq!(allowed, 53);
    }

    #[test]
    fn nothing_leaves_closed_but_rating_and_reopening() {
        for a in Action::ALL {
            let ok = Closed.apply(*a).is_ok();
            assert_eq!(ok, matches!(a, Action::Rate | Action::Reopen), "{a}");
        }
    }

    #[test]
    fn duties_name_the_roles() {
        assert_eq!(Action::Sign.duty(), Duty::Participant);
        assert_eq!(Action::GiveFeedback.duty(), Duty::LeadUnit);
        assert_eq!(Action::Contribute.duty(), Duty::CoUnit);
        assert!(Duty::LeadUnit.is_unit_work() && !Duty::FrontDoor.is_unit_work());
        assert!(Duty::Supervisor.roles().contains(&Role::CitySupervisor));
        assert!(!Duty::Dispatcher.roles().contains(&Role::Agent));
    }
}
