use crate::error::word_enum;

word_enum!(
    /// How the contact reached the platform.
    Channel, "channel" {
        Phone = "phone",
        Web = "web",
        App = "app",
        Sms = "sms",
        Email = "email",
        Letter = "letter",
        Fax = "fax",
        Visit = "visit",
        Wechat = "wechat",
        Other = "other",
    }
);

word_enum!(
    /// 诉求类型.
    ContactType, "contact_type" {
        /// 咨询
        Consultation = "consultation",
        /// 投诉
        Complaint = "complaint",
        /// 举报: the reporter's identity is protected.
        Report = "report",
        /// 建议
        Suggestion = "suggestion",
        /// 求助
        Help = "help",
        /// 表扬
        Praise = "praise",
        Other = "other",
    }
);

word_enum!(
    /// The time-limit class of a case (DOMAIN.md, "Time limits").
    Urgency, "urgency" {
        /// Sudden events, risk to life or property, public health.
        Emergency = "emergency",
        /// Water, power, gas, heating, extreme weather.
        Utilities = "utilities",
        General = "general",
        /// Complex or difficult cases.
        Complex = "complex",
    }
);

word_enum!(
    /// How a closed case ended.
    ClosureKind, "closure" {
        /// A consultation answered at first contact.
        Answered = "answered",
        /// Out of scope: the caller got the right number.
        Referred = "referred",
        /// An emergency handed to 110/119/120/122.
        Transferred = "transferred",
        /// A duplicate linked to an open case.
        Linked = "linked",
        /// Handled by units and closed after feedback.
        Resolved = "resolved",
    }
);

word_enum!(
    /// Emergency lines stay separate; the platform transfers to them.
    EmergencyLine, "line" {
        Police = "110",
        Fire = "119",
        Ambulance = "120",
        Traffic = "122",
    }
);

word_enum!(
    ParticipantRole, "role" {
        /// 牵头单位: coordinates and gives the single feedback.
        Lead = "lead",
        /// 协办单位: contributes.
        Co = "co",
    }
);

word_enum!(
    ParticipantStatus, "participant_status" {
        Assigned = "assigned",
        Signed = "signed",
        Contributed = "contributed",
        /// The lead let a co-unit go without a contribution.
        Released = "released",
        /// No longer part of the case (returned it, or replaced as lead).
        Withdrawn = "withdrawn",
    }
);

word_enum!(
    /// 好差评: one rating per contact.
    Rating, "rating" {
        VerySatisfied = "very_satisfied",
        Satisfied = "satisfied",
        Neutral = "neutral",
        Dissatisfied = "dissatisfied",
        VeryDissatisfied = "very_dissatisfied",
    }
);

word_enum!(
    /// Why a unit sends a case back (退单).
    ReturnReason, "reason_code" {
        NotOurJurisdiction = "not_our_jurisdiction",
        InsufficientInformation = "insufficient_information",
        WrongCategory = "wrong_category",
        Duplicate = "duplicate",
        Other = "other",
    }
);

impl Rating {
    /// A dissatisfied result goes back for handling (二次派单).
    pub fn is_dissatisfied(self) -> bool {
        matches!(self, Rating::Dissatisfied | Rating::VeryDissatisfied)
    }

    /// Counts as satisfied in the satisfaction rate.
    pub fn is_satisfied(self) -> bool {
        matches!(self, Rating::VerySatisfied | Rating::Satisfied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()).unwrap(), *c);
        }
        assert_eq!(EmergencyLine::parse("119").unwrap(), EmergencyLine::Fire);
        assert!(EmergencyLine::parse("12345").is_err());
        assert_eq!(ContactType::ALL.len(), 7);
        assert_eq!(Channel::ALL.len(), 10);
    }

    #[test]
    fn ratings_split_into_satisfied_neutral_and_dissatisfied() {
        assert!(Rating::VeryDissatisfied.is_dissatisfied() && Rating::Dissatisfied.is_dissatisfied());
        assert!(!Rating::Neutral.is_dissatisfied() && !Rating::Neutral.is_satisfied());
        assert!(Rating::Satisfied.is_satisfied());
    }
}
