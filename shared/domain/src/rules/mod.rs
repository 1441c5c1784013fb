//! Per-tenant rule sets (派单规则): ordered rules `{name, event, priority, conditions, actions,
//! stop}` with JsonLogic conditions and typed actions, compiled for fast evaluation, and the
//! front door → line → unit routing decision with its trace (DOMAIN.md, "Dispatch").

mod compile;
mod model;
mod routing;

pub use compile::{CompiledRuleSet, Evaluation, Facts, RuleTrace, engine};
pub use model::{Rule, RuleAction, RuleError, RuleEvent, parse_rules};
pub use routing::{Directory, LineChoice, RoutingDecision, StageTrace, decide};
